"""Energy-ratio and spectral-distance metrics (numpy only).

Every function takes a reference ``ref`` and an estimate ``est`` of the same length, returns a Python
float, and is safe on silent or degenerate input: the result is finite or NaN, and no numpy warning escapes.
Ratios in dB are clipped to ``[-DB_LIMIT, DB_LIMIT]`` so that a perfect estimate gives a finite value.
"""

from __future__ import annotations

import math

import numpy as np

from hush.metrics._common import NAN, all_finite, as_pair, frames, hann_inner

DB_LIMIT = 100.0
"""Magnitude bound, in dB, of the ratio metrics (a bit-exact estimate scores ``DB_LIMIT``)."""


def _ratio_db(num: float, den: float) -> float:
    """``10 log10(num / den)`` clipped to +-DB_LIMIT; NaN when both are zero or either is not finite."""
    if not (math.isfinite(num) and math.isfinite(den)) or (num <= 0.0 and den <= 0.0):
        return NAN
    if den <= 0.0:
        return DB_LIMIT
    if num <= 0.0:
        return -DB_LIMIT
    return float(min(max(10.0 * math.log10(num / den), -DB_LIMIT), DB_LIMIT))


def si_sdr(ref: np.ndarray, est: np.ndarray) -> float:
    """Scale-invariant SDR in dB (Le Roux et al., 2019).

    Both signals are made zero-mean, ``est`` is projected on ``ref`` with the optimal scale
    ``a = <est, ref> / |ref|^2`` and the result is ``10 log10(|a ref|^2 / |est - a ref|^2)``.
    NaN for a silent (or constant) reference or a silent estimate.
    """
    r, e = as_pair(ref, est)
    if r.size == 0 or not all_finite(r, e):
        return NAN
    r = r - r.mean()
    e = e - e.mean()
    ref_energy = float(np.dot(r, r))
    if ref_energy <= 0.0 or not np.any(e):
        return NAN
    target = (float(np.dot(e, r)) / ref_energy) * r
    residual = e - target
    return _ratio_db(float(np.dot(target, target)), float(np.dot(residual, residual)))


def sdr(ref: np.ndarray, est: np.ndarray) -> float:
    """Plain signal-to-distortion ratio ``10 log10(|ref|^2 / |ref - est|^2)`` in dB (no scaling/filtering)."""
    r, e = as_pair(ref, est)
    if r.size == 0 or not all_finite(r, e):
        return NAN
    d = r - e
    return _ratio_db(float(np.dot(r, r)), float(np.dot(d, d)))


def snr(ref: np.ndarray, est: np.ndarray) -> float:
    """Global SNR ``10 log10(sum ref^2 / sum (est - ref)^2)`` in dB, treating ``est - ref`` as the noise.

    Numerically the same quantity as :func:`sdr`; both names are kept because the literature uses both.
    """
    return sdr(ref, est)


def _hu_loizou_frames(n: int, sr: int, frame_ms: float, overlap: float) -> tuple[int, int, int]:
    """(window, hop, n_frames) framed like Loizou's reference code, which drops the last partial hop."""
    win = int(math.floor(frame_ms * sr / 1000.0 + 0.5))
    hop = max(1, int(math.floor(win * (1.0 - overlap))))
    n_frames = (n - win) // hop if n >= win else 0
    return win, hop, n_frames


def seg_snr_frames(
    ref: np.ndarray,
    est: np.ndarray,
    sr: int,
    frame_ms: float = 30.0,
    overlap: float = 0.75,
    min_db: float = -10.0,
    max_db: float = 35.0,
) -> np.ndarray:
    """Per-frame segmental SNR in dB (Hann-windowed frames, each clamped to ``[min_db, max_db]``)."""
    r, e = as_pair(ref, est)
    win, hop, n_frames = _hu_loizou_frames(r.size, sr, frame_ms, overlap)
    if n_frames <= 0:
        return np.zeros(0)
    w = hann_inner(win)
    rf = frames(r, win, hop, n_frames) * w
    df = rf - frames(e, win, hop, n_frames) * w
    eps = np.finfo(np.float64).eps
    signal = np.sum(rf * rf, axis=1)
    noise = np.sum(df * df, axis=1)
    with np.errstate(all="ignore"):
        seg = 10.0 * np.log10(signal / (noise + eps) + eps)
    return np.clip(seg, min_db, max_db)


def seg_snr(
    ref: np.ndarray,
    est: np.ndarray,
    sr: int,
    frame_ms: float = 30.0,
    overlap: float = 0.75,
    min_db: float = -10.0,
    max_db: float = 35.0,
) -> float:
    """Segmental SNR in dB as in Hu & Loizou (2008).

    Mean over Hann-windowed frames (30 ms, 75 % overlap by default) of
    ``10 log10(E_ref / (E_noise + eps) + eps)``, each frame clamped to ``[min_db, max_db]`` = [-10, 35] dB.
    Silent frames are not removed (they score ``min_db``), as in the reference implementation.
    NaN when the signals are shorter than one frame or not finite.
    """
    r, e = as_pair(ref, est)
    if not all_finite(r, e):
        return NAN
    seg = seg_snr_frames(r, e, sr, frame_ms, overlap, min_db, max_db)
    return float(np.mean(seg)) if seg.size else NAN


def log_spectral_distance(
    ref: np.ndarray, est: np.ndarray, sr: int, frame_ms: float = 32.0, floor_db: float = -100.0
) -> float:
    """Log-spectral distance in dB.

    Power spectra of Hann-windowed frames (``frame_ms`` long, 75 % overlap, FFT size = frame length) are taken
    in dB with a floor of ``floor_db`` (absolute, for signals in [-1, 1]); the result is the mean over frames
    of the RMS over frequency of the dB difference. Signals shorter than a frame are zero-padded to one frame.
    NaN for empty or non-finite input.
    """
    r, e = as_pair(ref, est)
    if r.size == 0 or not all_finite(r, e):
        return NAN
    win = max(2, int(round(frame_ms * sr / 1000.0)))
    hop = max(1, win // 4)
    if r.size < win:
        r = np.pad(r, (0, win - r.size))
        e = np.pad(e, (0, win - e.size))
    n_frames = 1 + (r.size - win) // hop
    w = np.hanning(win)
    floor = 10.0 ** (floor_db / 10.0)
    spec_db = []
    for x in (r, e):
        power = np.abs(np.fft.rfft(frames(x, win, hop, n_frames) * w, axis=1)) ** 2
        spec_db.append(10.0 * np.log10(np.maximum(power, floor)))
    diff = spec_db[0] - spec_db[1]
    return float(np.mean(np.sqrt(np.mean(diff * diff, axis=1))))
