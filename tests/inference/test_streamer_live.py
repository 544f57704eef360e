"""hush.Streamer as a soundcard callback uses it: (frames, channels) blocks, and low latency at 8-48 kHz."""

from __future__ import annotations

import numpy as np
import pytest

import hush
from hush.errors import AudioError
from tests.helpers.signals import mix_at_snr, speech_like


def _noisy(sr: int, seconds: float = 1.0, seed: int = 1) -> np.ndarray:
    n = int(sr * seconds)
    return mix_at_snr(speech_like(sr, seconds), np.random.RandomState(seed).randn(n), 5.0)


@pytest.mark.parametrize("channels", [1, 2])
def test_frames_by_channels_blocks_come_back_in_the_same_layout(channels):
    x = np.stack([_noisy(48000, 0.5, seed=c + 1) for c in range(channels)], axis=1)  # (T, C), as sounddevice
    s = hush.Streamer("wiener", sr=48000)
    outs = [s.process(x[i : i + 480]) for i in range(0, len(x), 480)]
    assert all(o.ndim == 2 and o.shape[1] == channels for o in outs)
    y = np.concatenate([*outs, s.flush()], axis=0)
    assert y.shape == (len(x) + s.delay, channels)
    for c in range(channels):
        np.testing.assert_allclose(y[s.delay :, c], hush.enhance(x[:, c], 48000, "wiener"), atol=1e-4)


def test_layout_is_fixed_by_the_first_block_or_by_the_caller():
    s = hush.Streamer("wiener", sr=16000)
    s.process(np.zeros((160, 2), np.float32))
    with pytest.raises(AudioError, match="frames by channels"):
        s.process(np.zeros((2, 160), np.float32))
    s = hush.Streamer("wiener", sr=16000, layout="channels_last")
    assert s.process(np.zeros((8, 2), np.float32)).shape[1] == 2  # too short to guess: the caller says
    s = hush.Streamer("wiener", sr=16000)
    assert s.process(np.zeros((2, 8), np.float32)).shape[0] == 2  # (C, T) stays the default reading
    with pytest.raises(ValueError, match="layout"):
        hush.Streamer("wiener", sr=16000, layout="rows")


def test_int16_blocks_are_scaled_like_soundfile():
    x = _noisy(16000, 0.5)
    pcm = np.round(x * 32767).astype(np.int16)
    a, b = hush.Streamer("wiener"), hush.Streamer("wiener")
    ya = np.concatenate([a.process(pcm[i : i + 160]) for i in range(0, len(x), 160)] + [a.flush()])
    yb = np.concatenate([b.process(pcm[i : i + 160] / 32768.0) for i in range(0, len(x), 160)] + [b.flush()])
    np.testing.assert_allclose(ya, yb, atol=1e-6)


@pytest.mark.parametrize(("sr", "most_ms"), [(16000, 30.0), (44100, 40.0), (48000, 40.0), (8000, 45.0)])
def test_default_live_latency(sr, most_ms):
    s = hush.Streamer(sr=sr)
    assert s.latency_ms <= most_ms


@pytest.mark.slow
@pytest.mark.parametrize("sr", [48000, 8000])
def test_measured_wait_of_the_default_model_is_within_its_latency(sr):
    """Fed one sample at a time, no sample waits longer than ``latency`` from entering to leaving ``process``."""
    s = hush.Streamer(sr=sr)
    x = _noisy(sr, 0.3)
    n_in = n_out = worst = 0
    for i in range(len(x)):
        n_in += 1
        y = s.process(x[i : i + 1])
        if len(y):
            worst = max(worst, n_in - 1 - (n_out - s.delay))
            n_out += len(y)
    assert s.latency - 0.002 * sr <= worst <= s.latency
