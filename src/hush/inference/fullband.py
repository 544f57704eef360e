"""Keep the band above a model's Nyquist frequency when the input is sampled faster than the model works.

A 16 kHz model enhances only 0–8 kHz; resampled back to 48 kHz, its output would lose the air and sibilance of the
input above 8 kHz. :class:`HighBandKeeper` splits the input at the model's rate: the part a down-and-up resampling
removes (``x − up(down(x))``, everything above about 0.95 of the model's Nyquist) is kept aside and added back to
the enhanced output, scaled sample by sample by the gain the model applied to its own top band (the ratio of the
smoothed envelopes of the enhanced and the input signal in the 1.5 kHz below the model's Nyquist, capped at 1). Where
the model keeps speech, the high band stays; where it removes noise, the high band goes with it.

The method's suppression control holds in the high band too: the gain never drops below ``mix * g + (1 - mix)``
(:func:`min_gain`, with ``g = 10^(-atten_lim_db/20)``, 0 without a limit), so ``mix=0`` returns the high band
unchanged and a limit of 6 dB removes at most 6 dB of it, even where the model's top band is silent.

Everything is causal and runs on blocks with carried filter state, so streamed and offline output are identical.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

from hush.audio.resample import LOW_LATENCY, StreamResampler
from hush.methods.base import Enhancer
from hush.methods.control import floor_gain

TOP_BAND_HZ = 1500.0  # width of the model's top band whose gain is carried over
SMOOTH_S = 0.02  # time constant of the envelopes
FLOOR = 1e-10  # envelope (mean square) below which a band counts as silent: gain 0


def min_gain(enhancer: Enhancer) -> float:
    """The smallest high-band gain ``enhancer``'s suppression control allows: ``mix * g + (1 - mix)``."""
    atten_lim_db, mix = enhancer.suppression_control()
    return mix * (floor_gain(atten_lim_db) or 0.0) + (1.0 - mix)


class HighBandKeeper:
    """High band of ``(C, T)`` blocks at ``sr`` for a method working at ``work_sr < sr``.

    Call :meth:`push` with every input block (``last`` on the final one), then :meth:`apply` with every enhanced
    block at ``sr``, which must be aligned with the input except for ``delay`` leading samples (a stream's delay).
    ``lowest``: the smallest gain the high band may get (:func:`min_gain`).
    """

    def __init__(
        self, sr: int, work_sr: int, channels: int, quality: str = LOW_LATENCY, delay: int = 0, lowest: float = 0.0
    ):
        if not work_sr < sr:
            raise ValueError(f"the high band exists only when the model's rate ({work_sr}) is below the input's ({sr})")
        self.channels = channels
        self.lowest = float(lowest)
        self.down = StreamResampler(sr, work_sr, channels, quality)
        self.up = StreamResampler(work_sr, sr, channels, quality)
        self._x = np.zeros((channels, 0), np.float32)  # input waiting for its low band
        self._lead = delay  # leading output samples of a stream (its delay): no high band, filters kept at rest
        self._high = np.zeros((channels, delay), np.float32)  # high band waiting for the enhanced output
        self._low = np.zeros((channels, delay), np.float32)  # low band (the model's input) alongside
        top = 0.95 * work_sr / 2
        self._band = butter(4, [top - TOP_BAND_HZ, top], btype="bandpass", fs=sr, output="sos")
        self._bz = [np.zeros((len(self._band), channels, 2)) for _ in range(2)]  # filters start at rest
        a = math.exp(-1.0 / (SMOOTH_S * sr))
        self._smooth = ([1.0 - a], [1.0, -a])
        self._sz = [np.zeros((channels, 1)) for _ in range(2)]

    def push(self, block: np.ndarray, last: bool = False) -> None:
        self._x = np.concatenate([self._x, np.asarray(block, np.float32)], axis=1)
        low = self.up.process(self.down.process(block, last=last), last=last)
        n = min(low.shape[1], self._x.shape[1])
        self._high = np.concatenate([self._high, self._x[:, :n] - low[:, :n]], axis=1)
        self._low = np.concatenate([self._low, low[:, :n]], axis=1)
        self._x = self._x[:, n:]

    def _envelope(self, x: np.ndarray, k: int) -> np.ndarray:
        band, self._bz[k] = sosfilt(self._band, x, axis=-1, zi=self._bz[k])
        env, self._sz[k] = lfilter(*self._smooth, band.astype(np.float64) ** 2, axis=-1, zi=self._sz[k])
        return env

    def apply(self, enhanced: np.ndarray) -> np.ndarray:
        """``enhanced`` plus the high band of the matching input samples, scaled by the model's top-band gain."""
        n = enhanced.shape[1]
        if n == 0:
            return enhanced
        high, low = self._high[:, :n], self._low[:, :n]
        if high.shape[1] < n:  # resampler rounding at the very end: nothing left to add there
            pad = ((0, 0), (0, n - high.shape[1]))
            high, low = np.pad(high, pad), np.pad(low, pad)
        self._high, self._low = self._high[:, n:], self._low[:, n:]
        k = min(self._lead, n)  # a stream's delay: the resamplers' pre-ringing must not start the envelopes early
        self._lead -= k
        if k == n:
            return enhanced
        e_in, e_out = self._envelope(low[:, k:], 0), self._envelope(enhanced[:, k:], 1)
        gain = np.where(e_in > FLOOR, np.sqrt(np.minimum(e_out / np.maximum(e_in, FLOOR), 1.0)), 0.0)
        gain = np.maximum(gain, self.lowest)
        out = enhanced.copy()
        out[:, k:] += gain * high[:, k:]
        return out.astype(np.float32)
