"""The bundled models as shipped in hush/pretrained: registration, limits from the issue, and real outcomes.

The demo clip (examples/, real recorded speech in real game noise at 5 dB) is the signal; its speaker may be in the
training data (ktuberling voices are part of ../shared/data), so these check behaviour, not generalisation: the
numbers for that are in the model cards and BENCHMARKS.md.
"""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.audio.resample import resample
from hush.methods import names, resolve
from hush.metrics import pesq_wb, si_sdr

PRETRAINED = Path(hush.__file__).parent / "pretrained"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
pytestmark = pytest.mark.skipif(not (PRETRAINED / "default.pt").exists(), reason="bundled weights not shipped")


@pytest.fixture(scope="module")
def demo():
    clean, sr = sf.read(EXAMPLES / "clean" / "demo.flac", dtype="float32")
    noisy, _ = sf.read(EXAMPLES / "noisy" / "demo.flac", dtype="float32")
    return clean, noisy, sr


def test_files_and_limits():
    assert (PRETRAINED / "default.pt").stat().st_size <= 4_000_000
    assert (PRETRAINED / "default.md").exists()
    default = resolve("default").model
    assert default.causal and default.supports_streaming and default.sample_rate == 16000
    assert default.latency_ms <= 32.0  # the real-time budget: window plus lookahead
    assert hush.api.default_method() == "default"
    if "hq" in names():
        assert (PRETRAINED / "hq.pt").stat().st_size <= 8_000_000 and (PRETRAINED / "hq.md").exists()
        hq = resolve("hq").model
        assert not hq.causal and hq.num_parameters() > default.num_parameters()
    if "tiny" in names():  # the edge budget: under 0.5 MB on disk, causal, streaming, the same latency budget
        assert (PRETRAINED / "tiny.pt").stat().st_size <= 500_000 and (PRETRAINED / "tiny.md").exists()
        tiny = resolve("tiny").model
        assert tiny.causal and tiny.supports_streaming and tiny.latency_ms <= 32.0
        assert tiny.num_parameters() < default.num_parameters()


@pytest.mark.parametrize("method", ["default", "hq", "tiny"])
def test_improves_the_demo_clip(demo, method):
    if method not in names():
        pytest.skip(f"{method} not shipped")
    clean, noisy, sr = demo
    y = hush.enhance(noisy, sr, method=method)
    assert y.shape == noisy.shape and np.all(np.isfinite(y))
    assert si_sdr(clean, y) > si_sdr(clean, noisy) + 3.0
    assert pesq_wb(clean, y, sr) > pesq_wb(clean, noisy, sr) + 0.1  # default: 1.31 -> 1.50


@pytest.mark.parametrize(("rate", "gain_db"), [(8000, 2.0), (22050, 4.0), (48000, 4.0)])
def test_other_rates_and_stereo(demo, rate, gain_db):
    """Measured on the whole clip: +3.5 dB SI-SDR at 8 kHz (narrowband input: weak), +5.9 dB at 22.05/48 kHz."""
    clean, noisy, sr = demo
    c = resample(clean[None], sr, rate)[0]
    x = resample(noisy[None], sr, rate)[0]
    stereo = np.stack([x, 0.5 * x], axis=1)  # soundfile layout (T, C)
    y = hush.enhance(stereo, rate)
    assert y.shape == stereo.shape
    for ch, g in ((0, 1.0), (1, 0.5)):
        assert si_sdr(g * c, y[:, ch]) > si_sdr(g * c, stereo[:, ch]) + gain_db


def test_streaming_equals_offline(demo):
    _, noisy, sr = demo
    x = noisy[: 3 * sr]
    offline = hush.enhance(x, sr)
    s = hush.Streamer("default", sr=sr)
    out = np.concatenate([s.process(x[i : i + 160]) for i in range(0, len(x), 160)] + [s.flush()])
    assert s.latency_ms <= 32.0
    np.testing.assert_allclose(out[s.delay : s.delay + len(x)], offline, atol=1e-4)


@pytest.mark.parametrize("block_seconds", [0.37, 10.0])
def test_file_path_runs_blocks_of_frames_and_equals_the_array_path(demo, tmp_path, monkeypatch, block_seconds):
    _, noisy, sr = demo
    x = noisy[: 6 * sr]
    sf.write(tmp_path / "in.wav", x, sr, subtype="FLOAT")
    steps = []
    cls = type(resolve("default").model)
    real = cls.step
    monkeypatch.setattr(cls, "step", lambda self, hop, state: (steps.append(hop.shape[-1]), real(self, hop, state))[1])
    hush.enhance_file(tmp_path / "in.wav", tmp_path / "out.wav", "default", block_seconds=block_seconds)
    hop = resolve("default").model.hop_size
    y, _ = sf.read(tmp_path / "out.wav", dtype="float32")
    np.testing.assert_allclose(y, hush.enhance(x, sr), atol=1e-5)
    assert max(steps) >= 30 * hop  # many frames per forward call, not one


def test_streamer_with_large_chunks_equals_offline(demo):
    _, noisy, sr = demo
    x = noisy[: 6 * sr]
    s = hush.Streamer("default", sr=sr)
    out = np.concatenate([s.process(x[i : i + 2 * sr]) for i in range(0, len(x), 2 * sr)] + [s.flush()])
    np.testing.assert_allclose(out[s.delay : s.delay + len(x)], hush.enhance(x, sr), atol=1e-5)


@pytest.mark.parametrize("chunk,overlap,min_snr_db", [(1.0, 0.25, 13.0), (4.0, 1.0, 27.0)])
def test_hq_stream_is_within_the_stated_bound_of_offline(demo, chunk, overlap, min_snr_db):
    """README and the Streamer docstring state these bounds for the non-causal chunked fallback."""
    _, noisy, sr = demo
    offline = hush.enhance(noisy, sr, "hq")
    s = hush.Streamer("hq", sr=sr, chunk_seconds=chunk, overlap_seconds=overlap)
    out = np.concatenate([s.process(noisy[i : i + 480]) for i in range(0, len(noisy), 480)] + [s.flush()])
    diff = out[s.delay : s.delay + len(noisy)] - offline
    assert 10 * np.log10(np.sum(offline**2) / np.sum(diff**2)) >= min_snr_db
    assert np.abs(diff).max() <= (0.1 if chunk == 1.0 else 0.02)


def test_suppression_controls(demo):
    _, noisy, sr = demo
    x = noisy[: 2 * sr]
    full = hush.enhance(x, sr)
    limited = hush.enhance(x, sr, atten_lim_db=6)
    assert np.sum(limited**2) > np.sum(full**2)
    np.testing.assert_allclose(hush.enhance(x, sr, mix=0.0), x, atol=1e-5)
    np.testing.assert_allclose(hush.enhance(x, sr, mix=0.5), 0.5 * (full + x), atol=1e-5)
