"""The low-latency polyphase resampler: exact streaming, flat passband, no aliasing, a few ms of latency."""

import numpy as np
import pytest

from hush.audio.polyphase import half_width_s
from hush.audio.resample import StreamResampler, resample
from hush.inference.streamer import resampler_holdback

PAIRS = [(48000, 16000), (16000, 48000), (44100, 16000), (16000, 44100), (8000, 16000), (16000, 8000)]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_streaming_is_bit_identical_to_one_shot(a, b):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, a // 2)).astype(np.float32)
    whole = resample(x, a, b, "LL")
    r = StreamResampler(a, b, 2, "LL")
    parts, i = [], 0
    while i < x.shape[1]:
        k = int(rng.integers(0, 700))
        parts.append(r.process(x[:, i : i + k]))
        i += k
    parts.append(r.process(np.zeros((2, 0), np.float32), last=True))
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole)
    assert whole.shape[1] == -(-x.shape[1] * b // a)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_passband_is_flat_and_the_stopband_does_not_alias(a, b):
    low = min(a, b) / 2
    t = np.arange(a) / a
    for f, lo_db, hi_db in [(0.4 * low, -0.01, 0.01), (0.85 * low, -0.1, 0.1), (1.1 * low, -300, -60)]:
        if f >= a / 2:
            continue
        y = resample(np.sin(2 * np.pi * f * t).astype(np.float32), a, b, "LL")[b // 10 : -b // 10]
        level = 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / 0.5)
        assert lo_db <= level <= hi_db, (f, level)


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_hold_back_is_the_filter_half_length(a, b):
    ms = 1000 * resampler_holdback(a, b, "LL") / b
    assert ms <= 1000 * half_width_s(a, b) + 1000 * 2 / min(a, b) and ms <= 5.2


def test_down_and_up_leaves_the_band_below_the_lower_nyquist():
    t = np.arange(96000) / 48000
    x = (np.sin(2 * np.pi * 1000 * t) + np.sin(2 * np.pi * 6500 * t)).astype(np.float32)
    y = resample(resample(x, 48000, 16000, "LL"), 16000, 48000, "LL")[: len(x)]
    err = (x - y)[1000:-1000]
    assert 10 * np.log10(np.sum(err**2) / np.sum(x[1000:-1000] ** 2)) < -60
