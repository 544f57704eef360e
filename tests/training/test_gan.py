"""Adversarial training: the real/fake (SEGAN-style) task, MetricGAN+ with learned metric discriminators, metric
workers, the history buffer and MetricGAN-OKD."""

import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from hush.losses import build_loss
from hush.models import build_model, load
from hush.models.blocks.discriminators import MultiResolutionSTFTDiscriminator, WaveformDiscriminator
from hush.training import load_config
from hush.training.adversarial import AdversarialTask
from hush.training.config import AdversarialConfig, Config, ConfigError, MetricGANConfig, from_dict
from hush.training.metric_gan import MetricGANTask
from hush.training.metric_workers import Entry, MetricWorkers, ScoreQueue, normalise, score_pair
from hush.training.replay import ReplayBuffer
from hush.training.trainer import Trainer
from tests.helpers.training import read_csv
from tests.helpers.training import tiny_config as zoo_config

SR = 16000


def voiced(n: int, length: int, g: torch.Generator) -> torch.Tensor:
    """Harmonic, amplitude-modulated tones with random pitch: a speech-like clean signal."""
    t = torch.arange(length) / SR
    f0 = 100 + 200 * torch.rand(n, 1, generator=g)
    x = sum(torch.sin(2 * torch.pi * k * f0 * t) / k for k in range(1, 6))
    return 0.05 * x * (1 + torch.sin(2 * torch.pi * 3 * t))


def at_snr(clean: torch.Tensor, snr_db: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    noise = torch.randn(clean.shape, generator=g)
    scale = (clean.square().mean(-1, keepdim=True) / noise.square().mean(-1, keepdim=True)).sqrt()
    return clean + noise * scale * 10 ** (-snr_db[:, None] / 20)


def tiny_gru():
    return build_model("gru", hidden=8, layers=1, n_fft=256, hop=128)


def tiny_config(out_dir, **sections) -> Config:
    """The zoo tests' tiny GRU run, 4 steps validated on SI-SDR, with the task sections given."""
    cfg = zoo_config(out_dir, max_steps=4, valid_every=2, valid_metrics=["si_sdr"], select_metric="si_sdr")
    return from_dict(Config, {**cfg, **sections})


# ---------------------------------------------------------------------------------------------- discriminators
def test_discriminators_give_logits_and_features_for_any_length():
    x, cond = torch.randn(2, 5000), torch.randn(2, 5000)
    (logits, feats), = WaveformDiscriminator(channels=4, layers=3)(x, cond)  # fmt: skip
    assert logits.shape[0] == 2 and logits.shape[1] == pytest.approx(5000 / 64, abs=1) and len(feats) == 5
    outs = MultiResolutionSTFTDiscriminator([(256, 64), (512, 128)], channels=4)(x)
    assert len(outs) == 2 and all(lg.shape[0] == 2 and len(f) == 5 for lg, f in outs)
    with pytest.raises(ValueError, match="noisy input"):  # conditional: the noisy input is required
        WaveformDiscriminator(channels=4)(x, None)


def test_learnable_sigmoid_mask_can_exceed_one_and_survives_a_model_file(tmp_path):
    from hush.models import save

    model = build_model("gru", hidden=8, layers=1, n_fft=128, hop=64, mask_beta=1.2)
    with torch.no_grad():
        model.head.bias.fill_(20.0)  # saturate: the gain approaches beta
    spec = model.stft(torch.randn(1, 2000))
    gain, _ = model.estimate(spec, None)
    assert 1.1 < float(gain.detach().max()) <= 1.2 + 1e-6
    assert {n for n, _ in model.named_parameters()} >= {"mask_act.slope"}
    save(model, tmp_path / "m.pt")
    again = load(tmp_path / "m.pt")
    x = torch.randn(1, 4000)
    torch.testing.assert_close(again(x)["enhanced"], model(x)["enhanced"])
    assert "mask_beta" not in build_model("gru", hidden=8, layers=1).config  # plain models keep their config


# ---------------------------------------------------------------------------------------------- config
def test_configs_are_checked(tmp_path):
    base = yaml.safe_load(yaml.safe_dump({"data": {"kind": "synthetic"}}))
    for section, bad, match in (
        ("adversarial", {"discriminators": ["mel"]}, "adversarial.discriminators"),
        ("adversarial", {"loss": "wgan"}, "adversarial.loss"),
        ("adversarial", {"resolutions": [[512, 1024]]}, "adversarial.resolutions"),
        ("metric_gan", {"metrics": ["pesq_wb", "wer"]}, r"metric_gan.metrics\[1\]"),
        ("metric_gan", {"metrics": ["estoi"], "primary": "pesq_wb"}, "metric_gan.primary"),
        ("metric_gan", {"mode": "ensemble"}, "metric_gan.mode"),
        ("metric_gan", {"history_batch": 4}, "metric_gan.history_batch"),
    ):
        p = tmp_path / "c.yaml"
        p.write_text(yaml.safe_dump({**base, section: bad}))
        with pytest.raises(ConfigError, match=match):
            load_config(p)
    p.write_text(yaml.safe_dump({**base, "adversarial": {}, "metric_gan": {}}))
    with pytest.raises(ConfigError, match="cannot be combined"):
        load_config(p)
    p.write_text(yaml.safe_dump({**base, "adversarial": {"loss": "hinge"}}))
    assert load_config(p).adversarial == AdversarialConfig(loss="hinge")


# ---------------------------------------------------------------------------------------------- workers, history
def test_score_queue_returns_entries_lag_steps_later_and_survives_a_checkpoint():
    g = torch.Generator().manual_seed(0)
    queue = ScoreQueue(MetricWorkers(SR, workers=0), ["si_sdr", "pesq_wb"], lag=2)

    def entry(snr):
        clean = voiced(2, 4000, g)
        return Entry(clean, torch.tensor([4000, 3000]), {"g0": at_snr(clean, torch.full((2,), snr), g)},
                     {"g0": ["si_sdr"]})  # fmt: skip

    first = entry(10.0)
    assert queue.push(first) is None and queue.push(entry(0.0)) is None
    pending = queue.state()
    done = queue.push(entry(20.0))
    assert done is first and done.scores["g0"].shape == (2, 2)
    assert torch.isnan(done.scores["g0"][:, 1]).all()  # pesq_wb was not asked for
    truth = [normalise("si_sdr", score_pair(first.ref[b, :n].numpy(), first.signals["g0"][b, :n].numpy(), SR,
                                            ("si_sdr",))["si_sdr"]) for b, n in enumerate((4000, 3000))]  # fmt: skip
    assert done.scores["g0"][:, 0].tolist() == pytest.approx(truth, rel=1e-6)  # only the valid samples count
    assert truth[0] == pytest.approx(normalise("si_sdr", 10.0), abs=0.01)
    again = ScoreQueue(MetricWorkers(SR, workers=0), ["si_sdr", "pesq_wb"], lag=2)
    again.load_state(pending)
    torch.testing.assert_close(again.push(entry(20.0)).scores["g0"], done.scores["g0"], equal_nan=True)


def test_normalise_maps_each_metric_range_to_unit_interval():
    assert normalise("pesq_wb", 4.5) == 1.0 and normalise("pesq_wb", 2.75) == pytest.approx(0.5)
    assert normalise("dnsmos_ovrl", 3.0) == pytest.approx(0.5) and normalise("si_sdr", 50.0) == 1.0
    assert np.isnan(normalise("estoi", float("nan")))


def test_history_buffer_replaces_the_oldest_and_pads_samples():
    buf = ReplayBuffer(2)
    for n in (3, 4, 5):
        buf.add(torch.full((n,), float(n)), torch.zeros(n), torch.tensor([n / 10]))
    buf.add(torch.ones(2), torch.ones(2), torch.tensor([float("nan")]))  # no score: not kept
    assert len(buf) == 2 and sorted(float(it[2]) for it in buf.items) == pytest.approx([0.4, 0.5])
    ref, sig, q = buf.sample(6)
    assert ref.shape == (6, 5) and sig.shape == (6, 5) and q.shape == (6, 1)
    again = ReplayBuffer(2)
    again.load_state(buf.state())
    assert [float(it[2]) for it in again.items] == [float(it[2]) for it in buf.items] and again.next == buf.next


@pytest.mark.slow
def test_metric_workers_give_the_scores_of_hush_evaluate(tmp_path):
    from hush.evaluation.pairing import Pair
    from hush.evaluation.scoring import score_pair as evaluate_pair

    g = torch.Generator().manual_seed(3)
    clean = voiced(2, 2 * SR, g)
    noisy = at_snr(clean, torch.tensor([0.0, 10.0]), g)
    metrics = ("pesq_wb", "estoi", "si_sdr", "dnsmos_ovrl")
    workers = MetricWorkers(SR, workers=1)  # a worker process, as in training
    try:
        futures = [workers.submit(c.numpy(), x.numpy(), metrics) for c, x in zip(clean, noisy, strict=True)]
        got = [f.result() for f in futures]
    finally:
        workers.close()
    for i, (c, x) in enumerate(zip(clean, noisy, strict=True)):
        sf.write(tmp_path / f"c{i}.wav", c.numpy(), SR, subtype="FLOAT")
        sf.write(tmp_path / f"e{i}.wav", x.numpy(), SR, subtype="FLOAT")
        ref = evaluate_pair(Pair(f"{i}", tmp_path / f"c{i}.wav", tmp_path / f"e{i}.wav"), list(metrics)).metrics
        for m in ("pesq_wb", "estoi", "si_sdr"):
            assert got[i][m] == pytest.approx(ref[m], rel=1e-9), m  # the same libraries on the same samples
        assert got[i]["dnsmos_ovrl"] == pytest.approx(ref["dnsmos_ovrl"], abs=0.05)  # one window of the tiled clip
    assert got[0]["si_sdr"] < got[1]["si_sdr"]
    silent = score_pair(clean[0].numpy(), np.zeros(2 * SR), SR, metrics)
    assert silent["pesq_wb"] == 1.0 and silent["estoi"] == 0.0  # a silent output scores worst, as in hush evaluate


# ---------------------------------------------------------------------------------------------- MetricGAN+
@pytest.mark.slow
def test_metric_discriminator_learns_a_synthetic_metric():
    """D learns the SI-SDR of noisy harmonic signals (SNR -5..25 dB, mapped from [-10, 30] dB to [0, 1]): after 100
    steps its mean error on 64 signals it never saw is under 0.07 (2.8 dB) and 80 % are within 0.1."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    task = MetricGANTask(build_loss("mse"), MetricGANConfig(metric="si_sdr", channels=8, lr=2e-3), tiny_gru())

    def batch(n):
        clean = voiced(n, 8000, g)
        noisy = at_snr(clean, -5 + 30 * torch.rand(n, generator=g), g)
        q = [normalise("si_sdr", score_pair(c.numpy(), x.numpy(), SR, ("si_sdr",))["si_sdr"]) for c, x in
             zip(clean, noisy, strict=True)]  # fmt: skip
        return clean, noisy, torch.tensor(q)

    held_out = batch(64)
    before = task.held_out_error(0, *held_out)
    for _ in range(100):
        task.discriminator_step(0, [batch(16)])
    err = task.held_out_error(0, *held_out)
    assert float(err.mean()) < 0.07 < float(before.mean())
    assert float((err < 0.1).float().mean()) >= 0.8


def _grad_of_difference(total, recon, params):
    grads = torch.autograd.grad(total - recon, params, allow_unused=True, retain_graph=True)
    return sum(float(g.abs().sum()) for g in grads if g is not None)


@pytest.mark.parametrize("kind", ["metric_gan", "adversarial"])
def test_generator_gets_the_adversarial_gradient_and_the_discriminator_stays_frozen(kind):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(2)
    clean = voiced(2, 8000, g)
    batch = {"clean": clean, "noisy": at_snr(clean, torch.tensor([0.0, 5.0]), g)}
    model = tiny_gru()
    if kind == "metric_gan":
        task = MetricGANTask(build_loss("mse"), MetricGANConfig(metric="si_sdr", channels=4, weight=1.0), model)
        disc = task.critics[0].disc
    else:
        task = AdversarialTask(
            build_loss("mse"), AdversarialConfig(channels=4, waveform_layers=2, resolutions=[[256, 64]])
        )
        disc = task.critic.disc
    d_before = [p.detach().clone() for p in disc.parameters()]
    total, terms = task.training_step(model, batch)
    assert any(not torch.equal(a, p) for a, p in zip(d_before, disc.parameters(), strict=True))  # D took its step
    d_after = [p.detach().clone() for p in disc.parameters()]
    recon = task.loss(model(batch["noisy"]), batch)
    params = list(model.parameters())
    assert _grad_of_difference(total, recon, params) > 0  # the adversarial terms alone move the generator
    total.backward()
    assert all(p.grad is None for p in disc.parameters())  # the generator's loss does not reach D's weights
    assert all(p.requires_grad for p in disc.parameters())  # and D is trainable again for its next step
    assert all(torch.equal(a, p) for a, p in zip(d_after, disc.parameters(), strict=True))
    assert np.isfinite(terms["disc"])


def test_adversarial_task_trains_a_waveform_model():
    torch.manual_seed(0)
    model = build_model("wave-u-net", **{**build_model("wave-u-net").tiny_config()})
    g = torch.Generator().manual_seed(2)
    clean = voiced(2, 4096, g)
    batch = {"clean": clean, "noisy": at_snr(clean, torch.tensor([0.0, 5.0]), g), "mask": torch.ones(2, 4096)}
    cfg = AdversarialConfig(channels=4, waveform_layers=2, resolutions=[[256, 64]], loss="hinge")
    total, terms = AdversarialTask(build_loss({"l1": 1.0}), cfg).training_step(model, batch)
    total.backward()
    assert {"disc", "adversarial", "feature_matching", "l1"} <= set(terms)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["metric_gan", "adversarial"])
def test_runs_resume_exactly(tmp_path, kind):
    """Discriminators, their optimizers, the pending scores and the history buffer travel in the checkpoint."""
    section = {
        "metric_gan": {"metric": "si_sdr", "channels": 4, "lag": 1, "learn_noisy": True, "history": 6,
                       "history_batch": 2},
        "adversarial": {"channels": 4, "waveform_layers": 2, "resolutions": [[256, 64]]},
    }[kind]  # fmt: skip
    Trainer(tiny_config(tmp_path / "a", **{kind: section}), progress=False).fit()
    Trainer(tiny_config(tmp_path / "b", **{kind: section}), progress=False, stop_at=2).fit()
    Trainer(tiny_config(tmp_path / "b", **{kind: section}), resume=True, progress=False).fit()
    a, b = read_csv(tmp_path / "a" / "train.csv"), read_csv(tmp_path / "b" / "train.csv")
    assert [r["step"] for r in b] == [r["step"] for r in a] == ["1", "2", "3", "4"]
    for key in ("loss", "disc", "metric_gan" if kind == "metric_gan" else "adversarial"):
        np.testing.assert_allclose([float(r[key]) for r in b], [float(r[key]) for r in a], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------- MetricGAN-OKD
@pytest.mark.slow
def test_okd_with_one_metric_is_metric_gan_plus(tmp_path):
    common = {"channels": 4, "lag": 1, "learn_noisy": True, "history": 6, "history_batch": 2, "weight": 0.5}
    Trainer(tiny_config(tmp_path / "plus", metric_gan={**common, "metric": "si_sdr"}), progress=False).fit()
    okd = {**common, "metrics": ["si_sdr"], "mode": "okd", "mutual": 1.0}
    Trainer(tiny_config(tmp_path / "okd", metric_gan=okd), progress=False).fit()
    a, b = read_csv(tmp_path / "plus" / "train.csv"), read_csv(tmp_path / "okd" / "train.csv")
    assert list(a[0]) == list(b[0])
    for ra, rb in zip(a, b, strict=True):
        assert ra == rb
    assert float(a[-1]["disc"]) > 0
    sa, sb = (load(tmp_path / run / "last.pt").state_dict() for run in ("plus", "okd"))
    assert all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.slow
def test_okd_trains_one_generator_per_metric_and_exports_each(tmp_path):
    okd = {"metrics": ["si_sdr", "estoi"], "mode": "okd", "mutual": 1.0, "primary": "estoi", "channels": 4,
           "weight": 1.0}  # fmt: skip
    trainer = Trainer(tiny_config(tmp_path / "r", metric_gan=okd), progress=False)
    assert list(trainer.task.generators()) == ["si_sdr"]
    assert trainer.task.generator_list(trainer.model)[1] is trainer.model  # the primary metric's generator
    trainer.fit()
    rows = read_csv(tmp_path / "r" / "train.csv")
    assert {"metric_gan", "metric_gan_si_sdr", "mutual_estoi", "mutual_si_sdr", "loss_si_sdr"} <= set(rows[0])
    assert float(rows[-1]["mutual_si_sdr"]) > 0  # the generators drifted apart and learn from each other
    assert not np.isnan(float(rows[-1]["d_acc_estoi"]))
    summary = yaml.safe_load((tmp_path / "r" / "summary.json").read_text())
    assert set(summary["generators"]) == {"best.pt", "best-si_sdr.pt"}
    assert summary["best_generator"] in summary["generators"]
    other, primary = load(tmp_path / "r" / "best-si_sdr.pt"), load(tmp_path / "r" / "best.pt")
    x = torch.randn(1, 4000)
    assert not torch.equal(other(x)["enhanced"], primary(x)["enhanced"])
    assert len(read_csv(tmp_path / "r" / "valid-si_sdr.csv")) == 2
