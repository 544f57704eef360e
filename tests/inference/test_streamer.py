"""hush.Streamer: streamed output == offline output delayed by ``delay``, at the method's rate and at others."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import hush
from hush.errors import AudioError, MethodError
from hush.inference.streamer import Streamer, resampler_holdback
from hush.models.base import build_model
from hush.models.enhancer import ModelEnhancer
from tests.helpers.signals import mix_at_snr, speech_like

CAUSAL_ARCHS = ["gru", "erbdf", "crn", "dnn"]
CHUNKS = [1, 7, 160, 1000]


def _noisy(sr: int, seconds: float = 1.0, seed: int = 1) -> np.ndarray:
    n = int(sr * seconds)
    return mix_at_snr(speech_like(sr, seconds), np.random.RandomState(seed).randn(n), 5.0)


def _tiny(arch: str, **extra) -> ModelEnhancer:
    torch.manual_seed(0)
    return ModelEnhancer(build_model(arch, **{**hush.models.get(arch).tiny_config(), **extra}))


def _stream(s: Streamer, x: np.ndarray, chunk: int) -> np.ndarray:
    outs = [s.process(x[..., i : i + chunk]) for i in range(0, x.shape[-1], chunk)]
    return np.concatenate([*outs, s.flush()], axis=-1)


def _snr(ref: np.ndarray, est: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - est) ** 2), 1e-30)))


@pytest.fixture(scope="module")
def models():
    return {a: _tiny(a) for a in CAUSAL_ARCHS}


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("arch", CAUSAL_ARCHS)
def test_causal_model_at_its_rate_is_offline_delayed(models, arch, chunk):
    enh = models[arch]
    x = _noisy(16000, 0.6)
    s = Streamer(enh, sr=16000)
    assert s.delay == enh.model.stream_delay and s.latency == enh.model.lookahead and not s.chunked
    y = _stream(s, x, chunk)
    ref = hush.enhance(x, 16000, enh)
    assert len(y) == len(x) + s.delay
    assert np.all(y[: s.delay] == 0)
    assert np.abs(y[s.delay :] - ref).max() <= 1e-4  # measured ~3e-8


@pytest.mark.parametrize("chunk", [7, 160, 1000])
@pytest.mark.parametrize("sr", [48000, 8000])
@pytest.mark.parametrize("arch", ["gru", "erbdf"])
def test_causal_model_at_another_rate_matches_offline_resample_enhance_resample(models, arch, sr, chunk):
    enh = models[arch]
    x = _noisy(sr, 0.6)
    s = Streamer(enh, sr=sr)
    assert s.delay == enh.model.stream_delay * sr // 16000
    y = _stream(s, x, chunk)
    ref = hush.enhance(x, sr, enh)  # resampled to 16 kHz -> model -> back, cut to len(x)
    assert len(y) == len(x) + s.delay
    assert _snr(ref, y[s.delay :]) >= 60.0  # the resampler's streaming form is bit-identical to its one-shot form


def test_a_rate_with_a_fractional_delay_is_padded_to_a_whole_sample(models):
    enh = models["gru"]  # stream delay 64 samples at 16 kHz = 176.4 at 44.1 kHz -> padded to 160 -> 441
    s = Streamer(enh, sr=44100)
    assert s.delay == 441
    x = _noisy(44100, 0.5)
    y = _stream(s, x, 160)
    assert len(y) == len(x) + 441
    assert _snr(hush.enhance(x, 44100, enh), y[441:]) >= 60.0  # measured ~81 dB (soxr's 441/160 phase steps)


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("sr", [16000, 48000])
@pytest.mark.parametrize("method", ["mmse-lsa", "wiener"])
def test_classical_methods_stream_exactly_at_any_rate(method, sr, chunk):
    x = _noisy(sr, 0.5)
    s = Streamer(method, sr=sr)
    n_fft = 2 * round(0.016 * sr)
    assert s.delay == n_fft // 2 and s.latency == n_fft - 1  # classical methods work at the caller's rate
    y = _stream(s, x, chunk)
    assert len(y) == len(x) + s.delay and np.all(y[: s.delay] == 0)
    assert np.abs(y[s.delay :] - hush.enhance(x, sr, method)).max() <= 1e-4  # measured 0.0


def test_multichannel_blocks_are_enhanced_per_channel():
    x = np.stack([_noisy(16000, 0.5, seed=1), _noisy(16000, 0.5, seed=2)])
    s = Streamer("wiener", sr=16000)
    y = _stream(s, x, 160)
    assert y.shape == (2, x.shape[1] + s.delay)
    for c in range(2):
        assert np.abs(y[c, s.delay :] - hush.enhance(x[c], 16000, "wiener")).max() <= 1e-4
    s.process(x[:, :100])
    with pytest.raises(AudioError, match="channel"):
        s.process(x[0, :100])


def test_reset_and_flush_start_a_new_identical_run(models):
    x = _noisy(48000, 0.4)
    s = Streamer(models["gru"], sr=48000)
    first = _stream(s, x, 333)  # flush resets
    again = _stream(s, x, 333)
    s.process(_noisy(48000, 0.2, seed=5))  # half a run of something else, then reset
    s.reset()
    third = _stream(s, x, 333)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, third)


def test_latency_bounds_the_wait_of_every_sample(models):
    """Fed one sample at a time, output for input sample i arrives by the call that brings in i + latency."""

    def worst_wait(s: Streamer, x: np.ndarray, chunk: int) -> int:
        n_in = n_out = worst = 0
        for i in range(0, len(x), chunk):
            n_in += len(x[i : i + chunk])
            y = s.process(x[i : i + chunk])
            if len(y):  # the first sample released now was input sample n_out - delay
                worst = max(worst, n_in - 1 - (n_out - s.delay))
                n_out += len(y)
        return worst - (chunk - 1)  # the caller's own block does not count

    s = Streamer(models["gru"], sr=16000)
    assert worst_wait(s, _noisy(16000, 0.3), 1) == s.latency == 127  # n_fft - 1: tight
    s = Streamer(models["gru"], sr=48000)
    measured = worst_wait(s, _noisy(48000, 0.5), 7)
    hold = resampler_holdback(48000, 16000, "LL") * 3 + resampler_holdback(16000, 48000, "LL")
    assert s.latency >= measured > s.delay + hold // 2  # the resamplers hold back 3 ms per direction
    assert s.latency_ms == pytest.approx(1000 * s.latency / 48000)


@pytest.mark.parametrize("arch,extra", [("cnn1d", {"causal": False}), ("erbdf", {"bidirectional": True})])
def test_non_causal_models_fall_back_to_crossfaded_chunks(arch, extra):
    try:
        enh = _tiny(arch, **extra)
    except MethodError:
        pytest.skip(f"{arch} has no option {extra}")
    assert not enh.causal
    x = _noisy(16000, 2.0)
    s = Streamer(enh, sr=16000, chunk_seconds=0.25, overlap_seconds=0.05)  # 8+ chunks
    assert s.chunked and s.delay == 0 and s.latency == 4000 - 1
    y = _stream(s, x, 160)
    assert len(y) == len(x)
    # Each chunk sees only its own context; measured 44.9 dB (cnn1d) and 43.7 dB (bidirectional erbdf).
    assert _snr(hush.enhance(x, 16000, enh), y) >= 35.0


def test_short_and_empty_streams():
    s = Streamer("wiener", sr=16000)
    assert s.flush().shape == (0,)
    rng = np.random.RandomState(0)
    y = _stream(s, 0.1 * rng.randn(160).astype(np.float32), 1)  # shorter than one 512-sample frame
    assert len(y) == 160 + s.delay and np.all(np.isfinite(y))
    enh = _tiny("cnn1d", causal=False)
    s = Streamer(enh, sr=16000, chunk_seconds=0.25, overlap_seconds=0.05)
    assert len(_stream(s, 0.1 * rng.randn(32).astype(np.float32), 7)) == 32  # below the minimum length: padded


def test_backends_and_bad_arguments():
    with pytest.raises(MethodError, match="unknown backend"):
        Streamer("wiener", sr=16000, backend="tensorrt")
    with pytest.raises(AudioError, match="sample rate"):
        Streamer("wiener", sr=0)
    with pytest.raises(MethodError):
        Streamer("no-such-method")
    with pytest.raises(AudioError, match="shape"):
        Streamer("wiener").process(np.zeros((1, 2, 3)))


def test_streamer_is_exported():
    assert hush.Streamer is Streamer
    assert "Streamer" in hush.__all__
