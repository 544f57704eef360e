"""Contract tests run for every registered architecture with its tiny config."""

import numpy as np
import pytest
import torch

from hush import models
from hush.models import build_model, load, save
from hush.models.complexity import describe
from hush.models.enhancer import ModelEnhancer, ModelStream
from hush.models.stft_mask import STFTModel

ARCHS = models.names()


def make(arch, seed=0):
    torch.manual_seed(seed)
    return build_model(arch, **models.get(arch).tiny_config())


def batch(model, seconds=0.5, n=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(int(model.sample_rate * seconds)) / model.sample_rate
    clean = torch.stack(
        [0.1 * torch.sin(2 * torch.pi * (150 + 50 * i) * t) * (1 + torch.sin(2 * torch.pi * 3 * t)) for i in range(n)]
    )
    noisy = clean + 0.05 * torch.randn(clean.shape, generator=g)
    return noisy, clean


@pytest.mark.parametrize("arch", ARCHS)
def test_overfits_one_batch(arch):
    model = make(arch)
    noisy, clean = batch(model)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = torch.mean((model(noisy)["enhanced"] - clean) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses[::5]


@pytest.mark.parametrize("arch", ARCHS)
def test_causal_output_ignores_the_future(arch):
    model = make(arch).eval()
    if not model.causal:
        pytest.skip("non-causal")
    noisy, _ = batch(model, seconds=0.6)
    t = noisy.shape[-1] // 2
    changed = noisy.clone()
    changed[:, t + model.lookahead :] = torch.randn_like(changed[:, t + model.lookahead :])
    with torch.no_grad():
        a, b = model(noisy)["enhanced"], model(changed)["enhanced"]
    assert torch.allclose(a[:, :t], b[:, :t], atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
def test_step_equals_enhance(arch):
    model = make(arch).eval()
    if not model.supports_streaming:
        pytest.skip("no streaming")
    noisy, _ = batch(model, seconds=0.4, n=1)
    x = noisy[0].numpy()
    offline = model.enhance(x)
    stream = ModelEnhancer(model).stream(model.sample_rate)
    out = np.concatenate([stream.process(x[i : i + 97]) for i in range(0, len(x), 97)] + [stream.flush()])
    out = out[stream.delay :]
    assert len(out) == len(x)
    np.testing.assert_allclose(out, offline, atol=1e-4)


@pytest.mark.parametrize("arch", ARCHS)
def test_block_steps_equal_the_whole_signal(arch):
    """Many hops per step() call (the file path's speed) give the offline output, whatever the block size."""
    model = make(arch).eval()
    if not model.supports_streaming:
        pytest.skip("no streaming")
    noisy, _ = batch(model, seconds=1.3, n=1)
    x = noisy[0].numpy()
    offline = model.enhance(x)
    for max_frames in (1, 5, 64, 10_000):
        stream = ModelStream(model, max_frames=max_frames)
        out = np.concatenate([stream.process(x[i : i + 3001]) for i in range(0, len(x), 3001)] + [stream.flush()])
        np.testing.assert_allclose(out[stream.delay : stream.delay + len(x)], offline, atol=1e-5, err_msg=max_frames)
    if isinstance(model, STFTModel):
        with pytest.raises(ValueError, match="whole hops"):
            model.step(torch.zeros(1, model.hop_size + 1), model.init_state(1))


@pytest.mark.parametrize("arch", ARCHS)
def test_serialization_round_trip(arch, tmp_path):
    model = make(arch).eval()
    noisy, _ = batch(model, n=1)
    save(model, tmp_path / "m.pt")
    again = load(tmp_path / "m.pt")
    with torch.no_grad():
        torch.testing.assert_close(again(noisy)["enhanced"], model(noisy)["enhanced"])


@pytest.mark.parametrize("arch", ARCHS)
def test_any_length(arch):
    model = make(arch).eval()
    for n in [model.min_length, model.min_length + 1, 3 * model.min_length + 17, 12345]:
        x = 0.1 * np.random.RandomState(n).randn(n).astype(np.float32)
        y = model.enhance(x)
        assert y.shape == x.shape and np.isfinite(y).all(), n


@pytest.mark.parametrize("arch", ARCHS)
def test_complexity_row(arch):
    row = describe(make(arch))
    assert row["parameters"] > 0 and row["macs_per_second"] > 0
    assert row["lookahead_ms"] >= 0


@pytest.mark.parametrize("arch,gates", [("gru", 3), ("lstm", 4)])
def test_recurrent_macs_are_counted(arch, gates):
    """Fused recurrent kernels are invisible to torch's FLOP counter; the count must still include them."""
    from hush.models.complexity import macs_per_second

    m = build_model(arch, hidden=64, layers=1, n_fft=256, hop=128)
    frames = 16000 // 128 + 1
    rnn = gates * 64 * (129 + 64) * frames
    head = 64 * 129 * frames
    assert macs_per_second(m) >= rnn + head
    assert macs_per_second(m) < 1.5 * (rnn + head) + 2e6  # plus STFT, norm, sigmoid


def test_bundled_model_registration(tmp_path, monkeypatch):
    """A model file named like a bundled model becomes a method (what ships in hush/pretrained/)."""
    import hush
    from hush.methods import registry
    from hush.pretrained import register_bundled

    registry.entries()  # load the built-in methods first, then drop the shipped bundled ones from a private copy
    kept = {k: v for k, v in registry._REGISTRY.items() if k not in ("default", "hq")}
    monkeypatch.setattr(registry, "_REGISTRY", kept)
    model = make("gru")
    save(model, tmp_path / "default.pt")
    assert register_bundled(tmp_path) == ["default"]
    enh = registry.resolve("default")
    assert enh.name == "default" and enh.causal
    x = (0.1 * np.random.RandomState(0).randn(4000)).astype(np.float32)
    np.testing.assert_allclose(hush.enhance(x, 16000, method="default"), model.enhance(x), atol=1e-6)
    assert hush.api.default_method() == "default"


def test_bidirectional_erbdf_is_non_causal_and_uses_the_future():
    torch.manual_seed(0)
    model = build_model("erbdf", **{**models.get("erbdf").tiny_config(), "bidirectional": True}).eval()
    assert not model.causal and not model.supports_streaming and model.lookahead > 10**6
    noisy, _ = batch(model, seconds=0.6)
    changed = noisy.clone()
    changed[:, -2000:] = torch.randn_like(changed[:, -2000:])
    with torch.no_grad():
        a, b = model(noisy)["enhanced"], model(changed)["enhanced"]
    assert not torch.allclose(a[:, -3000:-2400], b[:, -3000:-2400], atol=1e-6)  # earlier output depends on later input


@pytest.mark.parametrize("frames", [1, 2])
def test_erbdf_lookahead_frames(frames):
    """L lookahead frames: latency grows by L hops, the output uses exactly that much future and streams exactly."""
    torch.manual_seed(0)
    base = build_model("erbdf", **models.get("erbdf").tiny_config()).eval()
    model = build_model("erbdf", **{**models.get("erbdf").tiny_config(), "lookahead_frames": frames}).eval()
    model.load_state_dict(base.state_dict())  # no new weights: a causal checkpoint warm-starts it
    hop = model.hop_size
    assert model.lookahead == base.lookahead + frames * hop and model.stream_delay == base.stream_delay + frames * hop
    noisy, _ = batch(model, seconds=0.6, n=1)
    t = noisy.shape[-1] // 2
    with torch.no_grad():
        ref = model(noisy)["enhanced"]
        assert ref.shape == noisy.shape
        far = noisy.clone()
        far[:, t + model.lookahead :] += torch.randn_like(far[:, t + model.lookahead :])
        torch.testing.assert_close(model(far)["enhanced"][:, :t], ref[:, :t], atol=1e-6, rtol=0)
        # the frames inside the lookahead do change the output (the causal model would ignore them)
        near = noisy.clone()
        near[:, t + base.lookahead : t + model.lookahead] += torch.randn(1, model.lookahead - base.lookahead)
        assert not torch.allclose(model(near)["enhanced"][:, :t], ref[:, :t], atol=1e-4)
        torch.testing.assert_close(base(near)["enhanced"][:, :t], base(noisy)["enhanced"][:, :t], atol=1e-6, rtol=0)
    x = noisy[0].numpy()
    stream = ModelEnhancer(model).stream(model.sample_rate)
    out = np.concatenate([stream.process(x[i : i + 53]) for i in range(0, len(x), 53)] + [stream.flush()])
    assert stream.delay == model.stream_delay
    np.testing.assert_allclose(out[stream.delay :], ref[0].numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="causal trunk only"):
        build_model("erbdf", **{**models.get("erbdf").tiny_config(), "lookahead_frames": 1, "bidirectional": True})


def test_erbdf_spec_conv_grows_a_checkpoint_and_streams_exactly():
    """spec_conv adds a zero-initialised encoder: a grown model starts as its checkpoint, then learns and streams."""
    torch.manual_seed(0)
    base = build_model("erbdf", **models.get("erbdf").tiny_config()).eval()
    grown = build_model("erbdf", **{**models.get("erbdf").tiny_config(), "spec_conv": 4}).eval()
    missing = grown.load_state_dict(base.state_dict(), strict=False).missing_keys
    assert missing and all(k.startswith(("spec_enc.", "spec_proj.")) for k in missing)
    noisy, clean = batch(grown, seconds=0.6, n=1)
    with torch.no_grad():
        torch.testing.assert_close(grown(noisy)["enhanced"], base(noisy)["enhanced"], atol=1e-6, rtol=0)
    grown.train()
    opt = torch.optim.Adam(grown.spec_proj.parameters(), lr=1e-2)  # only the new path may move
    for _ in range(3):
        loss = (grown(noisy)["enhanced"] - clean).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    grown.eval()
    with torch.no_grad():
        ref = grown(noisy)["enhanced"]
    assert not torch.allclose(ref, base(noisy)["enhanced"], atol=1e-5)
    x = noisy[0].numpy()
    stream = ModelEnhancer(grown).stream(grown.sample_rate)
    out = np.concatenate([stream.process(x[i : i + 53]) for i in range(0, len(x), 53)] + [stream.flush()])
    np.testing.assert_allclose(out[stream.delay :], ref[0].numpy(), atol=1e-5)


def test_perceptual_post_filter_keeps_high_gains_and_deepens_low_ones():
    from hush.models.zoo.erbdf import perceptual_post_filter

    g = torch.linspace(0.0, 1.0, 101)
    out = perceptual_post_filter(g, 0.02)
    assert out[0] == 0 and torch.isclose(out[-1], torch.tensor(1.0))
    assert torch.all(out <= g + 1e-6) and torch.all(torch.diff(out) > 0)  # monotone, never raises a gain
    db = 20 * torch.log10(out[1:] / g[1:])
    assert db[-1] > -0.01 and db[49] > -0.5  # g = 1 and g = 0.5: (almost) untouched
    assert db[9] < -4.0 and db[2] < -15.0  # g = 0.1: about -5 dB, g = 0.03: about -20 dB
    torch.testing.assert_close(perceptual_post_filter(g, 0.0), g)


def test_erbdf_post_filter_suppresses_more_and_streams_exactly():
    """The post-filter only changes inference: same weights, more suppression of noise, streaming still exact."""
    torch.manual_seed(0)
    plain = build_model("erbdf", **models.get("erbdf").tiny_config()).eval()
    torch.nn.init.constant_(plain.erb_head.bias, -2.0)  # band gains around 0.12, as for noise-only input
    pf = build_model("erbdf", **{**models.get("erbdf").tiny_config(), "post_filter_beta": 0.05}).eval()
    pf.load_state_dict(plain.state_dict())
    assert pf.config["post_filter_beta"] == 0.05 and "post_filter_beta" not in plain.config
    with pytest.raises(ValueError, match="post_filter_beta"):
        build_model("erbdf", **{**models.get("erbdf").tiny_config(), "post_filter_beta": -1})
    noise = 0.05 * torch.randn(1, 9600, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out_plain, out_pf = plain(noise)["enhanced"], pf(noise)["enhanced"]
    assert out_pf.square().mean() < 0.7 * out_plain.square().mean()
    x = noise[0].numpy()
    stream = ModelEnhancer(pf).stream(pf.sample_rate)
    out = np.concatenate([stream.process(x[i : i + 53]) for i in range(0, len(x), 53)] + [stream.flush()])
    np.testing.assert_allclose(out[stream.delay :], out_pf[0].numpy(), atol=1e-5)


def test_post_filter_is_an_inference_option_of_a_model_file(tmp_path):
    from hush.errors import MethodError
    from hush.methods.registry import resolve

    torch.manual_seed(0)
    model = build_model("erbdf", **models.get("erbdf").tiny_config())
    torch.nn.init.constant_(model.erb_head.bias, -2.0)
    path = save(model, tmp_path / "m.pt")
    assert load(path, post_filter_beta=0.05).post_filter_beta == 0.05
    x = 0.05 * np.random.default_rng(0).standard_normal(8000).astype(np.float32)
    plain = resolve(str(path)).enhance(x, model.sample_rate)
    pf = resolve(f"{path}:post_filter_beta=0.05").enhance(x, model.sample_rate)
    assert np.sum(pf**2) < 0.7 * np.sum(plain**2)
    with pytest.raises(MethodError, match="unknown option.*hidden.*takes: post_filter_beta"):
        resolve(f"{path}:hidden=8")
    with pytest.raises(MethodError, match="takes: none"):
        load(save(make("gru"), tmp_path / "g.pt"), post_filter_beta=0.1)


def test_erbdf_feature_floor_hides_inaudible_differences_and_streams_exactly():
    """With a feature floor, digital silence and noise 100 dB down give (almost) the same features; without it, the
    log and power-law features blow such differences up."""
    torch.manual_seed(0)
    opts = {"hidden": 16, "layers": 1, "spec_conv": 4}
    plain = build_model("erbdf", **opts).eval()
    floored = build_model("erbdf", **opts, feature_floor=1e-6).eval()
    floored.load_state_dict(plain.state_dict())
    assert floored.config["feature_floor"] == 1e-6 and "feature_floor" not in plain.config
    with pytest.raises(ValueError, match="feature_floor"):
        build_model("erbdf", feature_floor=-1.0)
    silence = torch.zeros(1, 16000)
    dither = 1e-5 * torch.randn(1, 16000, generator=torch.Generator().manual_seed(2))  # -100 dBFS

    def feats(model, x):
        erb, df = model.features(model.stft(x))
        return torch.cat([erb, df], dim=-1)

    for model, limit in ((floored, 0.05), (plain, None)):
        diff = (feats(model, dither) - feats(model, silence)).abs().max().item()
        if limit is None:
            assert diff > 0.5
        else:
            assert diff < limit
    assert feats(floored, silence).abs().max() <= 2.0 + 1e-6  # silence sits at the floor: log term only
    noisy, _ = batch(floored, seconds=0.6, n=1)
    with torch.no_grad():
        ref = floored(noisy)["enhanced"]
    x = noisy[0].numpy()
    stream = ModelEnhancer(floored).stream(floored.sample_rate)
    out = np.concatenate([stream.process(x[i : i + 53]) for i in range(0, len(x), 53)] + [stream.flush()])
    np.testing.assert_allclose(out[stream.delay :], ref[0].numpy(), atol=1e-5)
