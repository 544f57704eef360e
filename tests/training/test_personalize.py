"""The personalization loop: PSE+DP with all-ones weights is PSE, too little audio is refused, the best validated
model is kept, the time budget holds, and an interrupted run resumes to the same model."""

import numpy as np
import pytest
import torch

from hush.data.mixing.pse import PSEDataset, synthetic_noise_bank
from hush.data.mixing.synthetic import colored_noise, harmonic_speech
from hush.errors import HushError
from hush.models.model_file import load, save
from hush.models.snr import SNRPredictor
from hush.training.personalize import (
    PersonalizeConfig,
    initial_model,
    personalize_arrays,
    teacher_outputs,
    training_signals,
)

SR = 16000
TINY = "gru:hidden=16,n_fft=256,hop=128"


@pytest.fixture(scope="module")
def recordings():
    """Four 20 s "recordings" of one generated voice with some premixture noise: 80 s in all."""
    rng = np.random.default_rng(0)
    return [(0.1 * harmonic_speech(rng, 20 * SR, SR) + 0.01 * colored_noise(rng, 20 * SR)).astype(np.float32)
            for _ in range(4)]  # fmt: skip


@pytest.fixture(scope="module")
def noises():
    return synthetic_noise_bank(count=6, seconds=2.0)


def _cfg(**kw) -> PersonalizeConfig:
    base = dict(init=TINY, method="pse", max_steps=4, valid_every=2, valid_items=8, batch_size=4, frame_len=256, hop=64)
    return PersonalizeConfig(**{**base, **kw})


def _predictor(bias: float) -> SNRPredictor:
    """A predictor whose every estimate is ``bias`` dB (output weights zeroed): sigmoid(40) is 1.0 in float32."""
    p = SNRPredictor(frame_len=256, hop=64, hidden=8, layers=1)
    with torch.no_grad():
        p.head.weight.zero_()
        p.head.bias.fill_(bias)
    return p


def _weights(path):
    return load(path).state_dict()


def test_pse_dp_with_all_ones_weights_is_pse(recordings, noises, tmp_path):
    torch.set_num_threads(1)
    personalize_arrays(recordings, tmp_path / "pse.pt", _cfg(method="pse"), noises=noises)
    personalize_arrays(recordings, tmp_path / "dp1.pt", _cfg(method="pse-dp"), noises=noises, predictor=_predictor(40))
    personalize_arrays(recordings, tmp_path / "dp.pt", _cfg(method="pse-dp"), noises=noises, predictor=_predictor(0))
    pse, ones, half = _weights(tmp_path / "pse.pt"), _weights(tmp_path / "dp1.pt"), _weights(tmp_path / "dp.pt")
    assert all(torch.equal(pse[k], ones[k]) for k in pse)
    # weights of 0.5 halve the loss and so the gradient: Adam's first steps are scale-free, but not its epsilon,
    # so the model differs, though slightly; a model from the other seed differs much more
    assert any(not torch.equal(pse[k], half[k]) for k in pse)


def test_fewer_than_the_minimum_seconds_is_one_line(noises, tmp_path):
    short = [np.zeros(30 * SR, np.float32) + 0.01, np.zeros(20 * SR, np.float32) + 0.01]
    with pytest.raises(HushError) as e:
        personalize_arrays(short, tmp_path / "me.pt", _cfg(), noises=noises, source="calls/")
    msg = str(e.value)
    assert msg == "calls/: 50.0 s of audio in 2 file(s); personalization needs at least 60 s of the user's recordings"
    assert not (tmp_path / "me.pt").exists()


def test_divergent_training_keeps_the_validated_best(recordings, noises, tmp_path):
    cfg = _cfg(method="pse", lr=50.0, max_steps=40, patience=2, seed=3)
    res = personalize_arrays(recordings, tmp_path / "me.pt", cfg, noises=noises)
    assert res.stopped == "patience" and res.steps < 40
    losses = [v for _, _, v in res.history]
    assert res.valid_loss_best == min(losses) < losses[-1]
    assert res.best_step == res.history[losses.index(min(losses))][0] < res.steps
    # the file holds the model as it was at the best step: the same run stopped there gives the same weights
    again = personalize_arrays(recordings, tmp_path / "best.pt", _cfg(**{**vars(cfg), "max_steps": res.best_step}),
                               noises=noises)  # fmt: skip
    assert again.steps == res.best_step
    best, kept = _weights(tmp_path / "best.pt"), _weights(tmp_path / "me.pt")
    assert all(torch.equal(best[k], kept[k]) for k in best)
    start, _, _ = initial_model(TINY, seed=3)
    assert res.best_step == 0 or any(not torch.equal(v, start.state_dict()[k]) for k, v in kept.items())


def test_time_budget_stops_the_run(recordings, noises, tmp_path):
    res = personalize_arrays(recordings, tmp_path / "me.pt", _cfg(minutes=1e-4, max_steps=None), noises=noises)
    assert res.stopped == "minutes" and res.steps >= 1 and res.seconds >= 0.006


def test_interrupted_run_resumes_to_the_same_model(recordings, noises, tmp_path):
    cfg = _cfg(method="pse", max_steps=6)
    personalize_arrays(recordings, tmp_path / "once.pt", cfg, noises=noises)

    def stop_after_4(report):
        if report.step == 4:
            raise KeyboardInterrupt

    out = tmp_path / "twice.pt"
    with pytest.raises(KeyboardInterrupt):
        personalize_arrays(recordings, out, cfg, noises=noises, progress=stop_after_4)
    assert not out.exists() and (tmp_path / "twice.pt.ckpt").exists()
    steps = []
    res = personalize_arrays(recordings, out, cfg, noises=noises, progress=lambda r: steps.append(r.step))
    assert steps == [5, 6] and res.steps == 6 and not (tmp_path / "twice.pt.ckpt").exists()
    once, twice = _weights(tmp_path / "once.pt"), _weights(out)
    assert all(torch.equal(once[k], twice[k]) for k in once)
    # a larger budget may continue a run; a checkpoint of other options is not silently reused
    with pytest.raises(KeyboardInterrupt):
        personalize_arrays(recordings, tmp_path / "x.pt", cfg, noises=noises, progress=stop_after_4)
    with pytest.raises(HushError, match="x.pt.ckpt: checkpoint of a run with other recordings or options"):
        personalize_arrays(recordings, tmp_path / "x.pt", _cfg(method="pse", max_steps=6, lr=1e-2), noises=noises)
    longer = personalize_arrays(recordings, tmp_path / "x.pt", _cfg(method="pse", max_steps=8), noises=noises)
    assert longer.steps == 8 and [(h[0], h[2]) for h in longer.history[:3]] == [(h[0], h[2]) for h in res.history[:3]]


def test_pse_items_add_noise_at_the_drawn_snr_to_the_recording(recordings, noises):
    ds = PSEDataset(recordings, noises, SR, size=8, snr_range=(3.0, 3.0), seed=1)
    item = ds[5]
    assert torch.allclose(item["noisy"], item["clean"] + item["noise"], atol=1e-6)
    snr = 10 * torch.log10(item["clean"].square().sum() / item["noise"].square().sum())
    assert float(snr) == pytest.approx(3.0, abs=1e-3)
    assert torch.equal(ds[5]["noisy"], item["noisy"])  # a function of (seed, index)


def test_bad_init_is_one_line():
    with pytest.raises(HushError, match=r"^--init nonsense: not a bundled model, a model file or ARCH:key=value,...$"):
        initial_model("nonsense")
    with pytest.raises(HushError, match="option 'hidden' is not key=value"):
        initial_model("gru:hidden")
    model, meta, trained = initial_model("gru:hidden=8,n_fft=128,hop=64")
    assert model.config["hidden"] == 8 and meta == {} and not trained


def test_enhanced_targets_pair_each_segment_with_its_enhancement(recordings, noises):
    targets = [0.5 * r for r in recordings]  # a stand-in teacher: exactly half of every sample
    ds = PSEDataset(recordings, noises, SR, size=8, snr_range=(0.0, 0.0), seed=2, targets=targets)
    for i in range(4):
        item = ds[i]
        assert torch.allclose(item["clean"], 0.5 * item["premixture"], atol=1e-7)
        assert torch.allclose(item["noisy"], item["premixture"] + item["noise"], atol=1e-6)
    plain = PSEDataset(recordings, noises, SR, size=8, snr_range=(0.0, 0.0), seed=2)[3]
    assert torch.equal(plain["noisy"], ds[3]["noisy"])  # the targets change what is learned, not the inputs
    with pytest.raises(HushError, match="must match the recordings sample for sample"):
        PSEDataset(recordings, noises, SR, size=8, targets=[t[:-1] for t in targets])


def _trained_file(tmp_path):
    """A tiny model saved as a file, so that it counts as trained."""
    model, _, _ = initial_model(TINY, seed=1)
    path = tmp_path / "start.pt"
    save(model, path)
    return path


def test_enhanced_target_and_own_noise_come_from_the_starting_model(recordings, noises, tmp_path):
    model, _, trained = initial_model(str(_trained_file(tmp_path)))
    cfg = _cfg(target="enhanced", own_noise=True)
    sig = training_signals(model, trained, recordings, noises, cfg, SR)
    enhanced = teacher_outputs(model, recordings)
    cut = len(recordings[0]) - int(len(recordings[0]) * cfg.valid_fraction)
    assert np.array_equal(sig.train[0], recordings[0][:cut]) and np.array_equal(sig.valid[0], recordings[0][cut:])
    assert np.array_equal(sig.train_targets[0], enhanced[0][:cut])
    assert np.array_equal(sig.valid_targets[0], enhanced[0][cut:])
    # the noise the model removes from the training parts joins the bank; held-back audio never does
    assert len(sig.noises) == len(noises) + len(recordings)
    assert np.allclose(sig.noises[len(noises)], recordings[0][:cut] - enhanced[0][:cut])
    assert all(len(n) == len(r) for n, r in zip(sig.noises[len(noises) :], sig.train, strict=True))
    own_only = training_signals(model, trained, recordings, noises, _cfg(target="recording", own_noise=True), SR)
    assert own_only.train_targets is None and len(own_only.noises) == len(sig.noises)
    # by default a trained start teaches toward its own enhancement, with its own noise; a fresh one toward the
    # recordings, with the bank alone
    auto = training_signals(model, trained, recordings, noises, _cfg(), SR)
    assert auto.target == "enhanced" and np.array_equal(auto.train_targets[1], sig.train_targets[1])
    assert auto.own_noise and len(auto.noises) == len(sig.noises)
    fresh = training_signals(model, False, recordings, noises, _cfg(), SR)
    assert fresh.target == "recording" and fresh.train_targets is None and len(fresh.noises) == len(noises)
    bank_only = training_signals(model, trained, recordings, noises, _cfg(own_noise=False), SR)
    assert bank_only.target == "enhanced" and len(bank_only.noises) == len(noises)


def test_teacher_outputs_in_blocks_keep_every_sample(recordings, tmp_path):
    model, _, _ = initial_model(str(_trained_file(tmp_path)))
    x = recordings[0][: 5 * SR + 123]
    (y,) = teacher_outputs(model, [x], block_s=2.0)
    assert y.shape == x.shape and np.isfinite(y).all() and np.abs(y).max() > 0


def test_enhanced_target_needs_a_trained_start(recordings, noises, tmp_path):
    with pytest.raises(HushError, match=r"^--init gru:hidden=16,n_fft=256,hop=128: an untrained model cannot"):
        personalize_arrays(recordings, tmp_path / "me.pt", _cfg(target="enhanced"), noises=noises)
    res = personalize_arrays(recordings, tmp_path / "me.pt", _cfg(init=str(_trained_file(tmp_path))), noises=noises)
    assert load(res.path).meta["personalized"]["target"] == "enhanced"
