"""A low-latency streaming resampler: a short linear-phase polyphase FIR (Kaiser-windowed sinc).

soxr's streaming resampler holds back 20-60 ms per direction between 16 and 48 kHz (more at 8 kHz) because it
works on large internal blocks; that alone would triple a live stream's latency. This one releases every output
sample as soon as the input it needs has arrived: its latency is the filter's half length, ``HALF_WIDTH_S`` (at
most 5 ms). The filter is linear-phase and zero-delay once aligned, so a signal minus its down-and-up resampled
copy leaves only the band above the lower rate, as :mod:`hush.inference.fullband` needs.

Design: stopband attenuation ``ATTEN_DB``; the transition band is the top ``TRANSITION`` of the lower rate's Nyquist
band (7.3-8 kHz at 16 kHz, as soxr's passband of 91 %), its stopband starting at that Nyquist, so nothing aliases;
the filter is as long as that needs, up to ``MAX_HALF_WIDTH_S`` (which widens the transition at rates below about
11 kHz). Streaming output is bit-identical to one-shot output: each output sample is computed from the same input
samples and taps in the same order whatever the block sizes.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import upfirdn
from scipy.signal.windows import kaiser

ATTEN_DB = 70.0
TRANSITION = 0.09  # of the lower rate's Nyquist frequency
MAX_HALF_WIDTH_S = 0.005


def half_width_s(sr_in: int, sr_out: int) -> float:
    """Half the filter length in seconds: the resampler's latency."""
    nyq = min(sr_in, sr_out) / 2
    return min((ATTEN_DB - 7.95) / (14.357 * 2 * TRANSITION * nyq), MAX_HALF_WIDTH_S)


def design(sr_in: int, sr_out: int) -> tuple[int, int, int, np.ndarray]:
    """``(up, down, M, h)``: the rational ratio, the half length ``M`` at the upsampled rate ``sr_in * up`` and the
    ``2 M + 1`` taps of the centred lowpass there (gain ``up``, for zero-stuffed input)."""
    g = math.gcd(sr_in, sr_out)
    up, down = sr_out // g, sr_in // g
    fs = sr_in * up
    m = math.ceil(half_width_s(sr_in, sr_out) * fs)
    nyq = min(sr_in, sr_out) / 2
    width = (ATTEN_DB - 7.95) * fs / (14.357 * 2 * m)  # the transition this length affords
    fc = max(nyq - width / 2, 0.5 * nyq)  # the stopband starts at the lower Nyquist frequency
    k = np.arange(-m, m + 1)
    beta = 0.1102 * (ATTEN_DB - 8.7)
    h = (2 * fc / fs) * np.sinc(2 * fc / fs * k) * kaiser(2 * m + 1, beta)
    return up, down, m, h * (up / h.sum())  # unit gain at DC after zero-stuffing by `up`


class PolyphaseStream:
    """Streaming resampler of ``(channels, n)`` float32 blocks; output aligned with the input (no delay), released
    as soon as the input it depends on has arrived, the rest on ``last``. Total output: ``ceil(n_in * sr_out /
    sr_in)`` samples.

    Output ``n`` sits at index ``n * down`` of the input zero-stuffed by ``up``; the centred filter reaches ``M``
    past it. scipy's ``upfirdn`` runs the polyphase filter over the buffered input, whose first sample is kept at
    an absolute index ``b`` with ``b * up = M (mod down)``, so that its outputs fall on the output grid.
    """

    def __init__(self, sr_in: int, sr_out: int, channels: int):
        self.channels = channels
        self.up, self.down, self.m, self.h = design(sr_in, sr_out)
        self.reach = -(-(2 * self.m + 1) // self.up) + 1  # input samples one output depends on, plus one
        self.reset()

    def reset(self) -> None:
        base = -self.reach
        while (base * self.up - self.m) % self.down:  # the buffer start on the output grid (see the class doc)
            base -= 1
        self._base = base
        self._buf = np.zeros((self.channels, -base), np.float64)  # zeros before the signal
        self._n_in = 0
        self._n_out = 0

    def process(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        block = np.asarray(block, np.float64).reshape(self.channels, -1)
        self._buf = np.concatenate([self._buf, block], axis=1)
        self._n_in += block.shape[1]
        up, down, m = self.up, self.down, self.m
        if last:
            end = -(-self._n_in * up // down)
            need = (max(end - 1, 0) * down + m) // up + 1 - self._base  # zeros after the end of the signal
            if need > self._buf.shape[1]:
                self._buf = np.pad(self._buf, ((0, 0), (0, need - self._buf.shape[1])))
        else:
            end = max((self._n_in * up - 1 - m) // down + 1, 0)
        end = max(end, self._n_out)
        y = np.zeros((self.channels, 0))
        if end > self._n_out:
            offset = (m - self._base * up) // down  # upfirdn output q is output n = q - offset
            y = upfirdn(self.h, self._buf, up, down, axis=-1)[:, self._n_out + offset : end + offset]
        self._n_out = end
        if last:
            self.reset()
        else:  # drop the input no later output needs, by whole multiples of `down` (keeps the grid)
            first = (end * down - m) // up - self.reach - self._base
            drop = max(first, 0) // down * down
            self._buf = self._buf[:, drop:]
            self._base += drop
        return y.astype(np.float32)
