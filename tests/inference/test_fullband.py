"""A 16 kHz method on 48 kHz input: the band above 8 kHz survives with speech and goes with the noise."""

from __future__ import annotations

import numpy as np
import pytest

import hush
from hush.inference.streamer import Streamer
from hush.methods.base import Enhancer, StreamProcessor

SR = 48000


class _Gate(StreamProcessor):
    def __init__(self, gain):
        self.gain, self.n, self.delay = gain, 0, 0

    def process(self, chunk):
        y = chunk * self.gain(self.n + np.arange(len(chunk)))
        self.n += len(chunk)
        return y.astype(np.float32)

    def flush(self):
        self.n = 0
        return np.zeros(0, np.float32)


class OracleGate(Enhancer):
    """A 16 kHz 'model' that knows where the speech is: gain 1 there, -60 dB elsewhere."""

    name, sample_rate, causal = "oracle-gate", 16000, True

    def __init__(self, start_s: float, stop_s: float):
        self.start, self.stop = int(start_s * 16000), int(stop_s * 16000)

    def _gain(self, idx):
        return np.where((idx >= self.start) & (idx < self.stop), 1.0, 1e-3)

    def enhance(self, x, sr):
        return (x * self._gain(np.arange(len(x)))).astype(np.float32)

    def stream(self, sr):
        return _Gate(self._gain)


def high_band(y: np.ndarray, above_hz: float = 9000.0) -> np.ndarray:
    spec = np.fft.rfft(y)
    spec[np.fft.rfftfreq(len(y), 1 / SR) < above_hz] = 0
    return np.fft.irfft(spec, len(y))


@pytest.fixture(scope="module")
def signal():
    """Speech-like harmonics of 200 Hz up to 12 kHz during 1.0-2.0 s, white noise throughout."""
    t = np.arange(3 * SR) / SR
    voiced = sum(np.sin(2 * np.pi * 200 * k * t + k) / np.sqrt(k) for k in range(1, 60)) * 0.02
    noise = 0.005 * np.random.default_rng(0).standard_normal(len(t))
    return (voiced * ((t >= 1.0) & (t < 2.0)) + noise).astype(np.float32)


def band_db(y, x, a, b) -> float:
    sl = slice(int(a * SR), int(b * SR))
    return float(10 * np.log10(np.mean(high_band(y[sl]) ** 2) / np.mean(high_band(x[sl]) ** 2)))


def test_high_band_follows_the_model(signal):
    method = OracleGate(1.0, 2.0)
    y = hush.enhance(signal, SR, method=method)
    assert band_db(y, signal, 1.2, 1.9) > -1.0  # speech: air and sibilance kept
    assert band_db(y, signal, 0.2, 0.9) < -30.0 and band_db(y, signal, 2.2, 2.9) < -30.0  # noise: removed


def test_high_band_streams_like_offline(signal):
    method = OracleGate(1.0, 2.0)
    offline = hush.enhance(signal, SR, method=method)
    st = Streamer(method, SR)
    out = [st.process(signal[i : i + 480]) for i in range(0, len(signal), 480)] + [st.flush()]
    y = np.concatenate(out)[st.delay : st.delay + len(signal)]
    np.testing.assert_allclose(y, offline, atol=1e-5)


def test_a_model_at_the_input_rate_is_left_alone(signal):
    from hush.inference.pipeline import ChannelPipeline

    assert ChannelPipeline(lambda: _Gate(lambda i: 1.0), SR, SR, 1).high is None
    assert ChannelPipeline(lambda: _Gate(lambda i: 1.0), SR, 16000, 1).high is not None
