"""Band-limited (telephone) input: speech with no energy above about 4 kHz.

A file sampled at 8 kHz or less is band-limited by its rate. A wider file is band-limited when its speech frames
(the loudest 20 % of 32 ms frames in the 300-3400 Hz band) carry next to no energy above :data:`SPLIT_HZ`: the mean
power per bin in :data:`SPLIT_HZ`-7500 Hz, relative to the 300-3400 Hz band, is below :data:`THRESHOLD_DB`. Measured
on 90 wideband dev files (clean and noisy, SNR -5 to 20 dB) the ratio is -42 to -3 dB; on the same files through an
8 kHz telephone band (resampled down and up) -124 to -101 dB, and -51 to -40 dB with white noise 40 dB below the
speech added afterwards, which the threshold lets through as wideband: noise that fills the high band cannot be
told from speech there by energy alone.

:class:`BandwidthMeter` accumulates block by block (files of any length in bounded memory: two numbers per 32 ms
frame); :func:`is_band_limited` is the one-shot form.
"""

from __future__ import annotations

import numpy as np

SPLIT_HZ = 4300.0  # above the 3.4 kHz telephone band and the 4 kHz Nyquist of 8 kHz audio, with margin
SPEECH_BAND = (300.0, 3400.0)
HIGH_TOP_HZ = 7500.0
THRESHOLD_DB = -60.0  # midway between the wideband (>= -42 dB) and telephone (<= -101 dB) ratios measured
FRAME_S = 0.032
ACTIVE = 0.2  # share of frames, the loudest in the speech band, taken as speech
MIN_FRAMES = 20  # fewer frames (about 0.6 s) are too little to judge: report wideband


class BandwidthMeter:
    """Per-frame band powers of a mono or ``(C, T)`` signal at ``sr``, fed in blocks of any size (two numbers per
    32 ms frame are kept, so files of any length fit)."""

    def __init__(self, sr: int):
        self.sr = int(sr)
        self.n_fft = max(int(round(FRAME_S * sr)), 16)
        f = np.fft.rfftfreq(self.n_fft, 1.0 / sr)
        self._lo = (f >= SPEECH_BAND[0]) & (f <= SPEECH_BAND[1])
        self._hi = (f >= SPLIT_HZ) & (f <= min(HIGH_TOP_HZ, 0.95 * sr / 2))
        self._window = np.hanning(self.n_fft)
        self._rest = np.zeros(0, np.float64)
        self._powers: list[np.ndarray] = []

    def update(self, block: np.ndarray) -> None:
        x = np.asarray(block, np.float64)
        x = x.mean(axis=0) if x.ndim == 2 else x
        buf = np.concatenate([self._rest, x])
        n = len(buf) // self.n_fft
        if n and self._hi.any():
            frames = buf[: n * self.n_fft].reshape(n, self.n_fft) * self._window
            power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
            self._powers.append(np.stack([power[:, self._lo].mean(1), power[:, self._hi].mean(1)], axis=1))
        self._rest = buf[n * self.n_fft :]

    def high_band_db(self) -> float | None:
        """Power per bin above ``SPLIT_HZ`` relative to the speech band in the speech frames, in dB (``-inf`` for
        none); ``None`` when the signal is too short or silent to tell, or its rate leaves no band above."""
        if not self._powers:
            return None
        p = np.concatenate(self._powers)
        if len(p) < MIN_FRAMES:
            return None
        active = p[np.argsort(p[:, 0])[-max(1, int(ACTIVE * len(p))) :]]
        lo, hi = active[:, 0].mean(), active[:, 1].mean()
        if lo < 1e-12:  # digital silence in the speech band: nothing to judge
            return None
        return float(10 * np.log10(hi / lo)) if hi > 0 else float("-inf")

    def band_limited(self) -> bool:
        """True for rates below ``2 * SPLIT_HZ`` (8 kHz files), or when :meth:`high_band_db` is below
        ``THRESHOLD_DB``."""
        if self.sr < 2 * SPLIT_HZ:
            return True
        db = self.high_band_db()
        return db is not None and db < THRESHOLD_DB


def is_band_limited(x: np.ndarray, sr: int) -> bool:
    """Whether ``x`` (``(T,)`` or ``(C, T)`` at ``sr``) is band-limited speech; see the module docstring."""
    meter = BandwidthMeter(sr)
    meter.update(x)
    return meter.band_limited()
