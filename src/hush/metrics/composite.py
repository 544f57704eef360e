"""Composite quality measures CSIG / CBAK / COVL of Hu & Loizou (2008).

Y. Hu and P. C. Loizou, "Evaluation of objective quality measures for speech enhancement", IEEE Trans. Audio,
Speech, Lang. Process. 16(1), 2008. The three scores are linear regressions on four objective measures, all on
Hann-windowed 30 ms frames with 75 % overlap:

* LLR, log-likelihood ratio of LPC models; mean of the lowest 95 % of frame values;
* WSS, Klatt's weighted spectral slope on 25 critical bands spanning 0-4 kHz; mean of the lowest 95 %;
* segSNR, segmental SNR with frames clamped to [-10, 35] dB (:func:`hush.metrics.sdr.seg_snr`);
* PESQ.

Details follow Loizou's reference MATLAB implementation published with the paper (``composite.m``), so
that the scores are comparable with published tables: LPC order 10 below 10 kHz and 16 above, LLR frame
values not clipped, a tiny constant (``eps``) added to both signals, frame count ``floor((N - win) / hop)``,
and its nearest-peak search for the WSS weights (for a rising slope the band just below the peak is taken
as the local maximum).
"""

from __future__ import annotations

import math

import numpy as np

from hush.metrics._common import NAN, all_finite, as_pair, frames, hann_inner, resample
from hush.metrics.pesq_stoi import pesq_wb
from hush.metrics.sdr import _hu_loizou_frames, seg_snr

COMPOSITE_RATE = 16000
KEEP_FRACTION = 0.95

# Klatt (1982) critical bands as used by Hu & Loizou: 25 bands over 0-4 kHz, centres and widths in Hz.
_CENTRES_HZ = np.array(
    [
        50.0,
        120.0,
        190.0,
        260.0,
        330.0,
        400.0,
        470.0,
        540.0,
        617.372,
        703.378,
        798.717,
        904.128,
        1020.38,
        1148.30,
        1288.72,
        1442.54,
        1610.70,
        1794.16,
        1993.93,
        2211.08,
        2446.71,
        2701.97,
        2978.04,
        3276.17,
        3597.63,
    ]
)
_BANDWIDTHS_HZ = np.array(
    [
        70.0,
        70.0,
        70.0,
        70.0,
        70.0,
        70.0,
        70.0,
        77.3724,
        86.0056,
        95.3398,
        105.411,
        116.256,
        127.914,
        140.423,
        153.823,
        168.154,
        183.457,
        199.776,
        217.153,
        235.631,
        255.255,
        276.072,
        298.126,
        321.465,
        346.136,
    ]
)
_K_MAX = 20.0  # Klatt's weight constants
_K_LOCMAX = 1.0


def _mean_of_lowest(values: np.ndarray, keep: float = KEEP_FRACTION) -> float:
    """Mean of the lowest ``round(keep * n)`` finite values (MATLAB rounding); NaN if there are none."""
    v = np.sort(values[np.isfinite(values)])
    n = int(math.floor(v.size * keep + 0.5))
    return float(np.mean(v[:n])) if n > 0 else NAN


def _windowed_frames(ref: np.ndarray, est: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    win, hop, n_frames = _hu_loizou_frames(ref.size, sr, 30.0, 0.75)
    w = hann_inner(win)
    return frames(ref, win, hop, n_frames) * w, frames(est, win, hop, n_frames) * w


# ----------------------------------------------------------------------------------------------------- LLR
def _autocorrelation(x: np.ndarray, order: int) -> np.ndarray:
    """Biased autocorrelation lags 0..order of each row of ``x``: (F, N) -> (F, order + 1)."""
    n = x.shape[1]
    return np.stack([np.sum(x[:, : n - k] * x[:, k:], axis=1) for k in range(order + 1)], axis=1)


def _levinson(r: np.ndarray, order: int) -> np.ndarray:
    """Prediction-error filters ``[1, a_1, ..., a_p]`` from autocorrelations (F, p + 1), vectorised over F.

    The recursion stops (reflection coefficient 0) once the prediction error is no longer positive.
    """
    a = np.zeros((r.shape[0], order + 1))
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    floor = 1e-12 * r[:, 0]
    for i in range(1, order + 1):
        acc = r[:, i] + np.sum(a[:, 1:i] * r[:, i - 1 : 0 : -1], axis=1)
        ok = err > floor
        k = np.where(ok, -acc / np.where(ok, err, 1.0), 0.0)
        a[:, 1:i] = a[:, 1:i] + k[:, None] * a[:, i - 1 : 0 : -1]
        a[:, i] = k
        err = err * (1.0 - k * k)
    return a


def _toeplitz_quadratic(a: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``a_f^T Toeplitz(r_f) a_f`` for each row f."""
    p = a.shape[1]
    lag = np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    return np.einsum("fi,fij,fj->f", a, r[:, lag], a)


def llr_frames(ref: np.ndarray, est: np.ndarray, sr: int, order: int | None = None) -> np.ndarray:
    """Per-frame log-likelihood ratio ``log(a_e^T R_r a_e / a_r^T R_r a_r)``.

    ``a_r``, ``a_e`` are the LPC error filters of the reference and estimate frames and ``R_r`` is the
    reference autocorrelation matrix. ``order`` defaults to 10 below 10 kHz and 16 otherwise.
    Frames where the ratio is undefined (silent reference frame) are NaN.
    """
    r, e = as_pair(ref, est)
    order = (10 if sr < 10000 else 16) if order is None else int(order)
    rf, ef = _windowed_frames(r, e, sr)
    if rf.shape[0] == 0:
        return np.zeros(0)
    r_ref = _autocorrelation(rf, order)
    a_ref = _levinson(r_ref, order)
    a_est = _levinson(_autocorrelation(ef, order), order)
    with np.errstate(all="ignore"):
        num = _toeplitz_quadratic(a_est, r_ref)
        den = _toeplitz_quadratic(a_ref, r_ref)
        valid = (num > 0) & (den > 0) & np.isfinite(num) & np.isfinite(den)
        return np.where(valid, np.log(np.where(valid, num / np.where(valid, den, 1.0), 1.0)), NAN)


def llr(ref: np.ndarray, est: np.ndarray, sr: int, order: int | None = None) -> float:
    """Log-likelihood ratio: mean of the lowest 95 % of :func:`llr_frames` (0 for identical signals)."""
    r, e = as_pair(ref, est)
    if not all_finite(r, e):
        return NAN
    return _mean_of_lowest(llr_frames(r, e, sr, order))


# ----------------------------------------------------------------------------------------------------- WSS
def _critical_band_filters(sr: int, n_fft: int) -> np.ndarray:
    """Gaussian-shaped critical-band filters (25, n_fft // 2) with equal area, truncated below -30 dB."""
    half = n_fft // 2
    nyquist = sr / 2.0
    bins = np.arange(half)
    centre = np.floor(_CENTRES_HZ / nyquist * half)[:, None]
    width = (_BANDWIDTHS_HZ / nyquist * half)[:, None]
    gain = np.log(_BANDWIDTHS_HZ[0] / _BANDWIDTHS_HZ)[:, None]
    filt = np.exp(-11.0 * ((bins[None, :] - centre) / width) ** 2 + gain)
    filt[filt <= math.exp(-30.0 / (2.0 * 2.303))] = 0.0
    return filt


def _local_peaks(level_db: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Level of the nearest spectral peak for each of the first 24 bands (reference-code convention).

    Rising slope: search upwards to the first non-rising slope index ``n`` and take band ``n - 1``.
    Falling or flat slope: search downwards to the last rising slope index ``m`` and take band ``m + 1``.
    """
    n_slopes = slope.shape[1]
    idx = np.broadcast_to(np.arange(n_slopes), slope.shape)
    next_flat = np.minimum.accumulate(np.where(slope <= 0, idx, n_slopes)[:, ::-1], axis=1)[:, ::-1]
    prev_rise = np.maximum.accumulate(np.where(slope > 0, idx, -1), axis=1)
    band = np.where(slope > 0, next_flat - 1, prev_rise + 1)
    return np.take_along_axis(level_db, band, axis=1)


def _band_weights(level_db: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Klatt weights: emphasis near the global maximum and near the nearest local peak."""
    lev = level_db[:, :-1]
    w_max = _K_MAX / (_K_MAX + level_db.max(axis=1, keepdims=True) - lev)
    w_loc = _K_LOCMAX / (_K_LOCMAX + _local_peaks(level_db, slope) - lev)
    return w_max * w_loc


def wss_frames(ref: np.ndarray, est: np.ndarray, sr: int) -> np.ndarray:
    """Per-frame weighted spectral slope distance (Klatt 1982), normalised by the sum of weights."""
    r, e = as_pair(ref, est)
    rf, ef = _windowed_frames(r, e, sr)
    if rf.shape[0] == 0:
        return np.zeros(0)
    n_fft = 1 << int(math.ceil(math.log2(2 * rf.shape[1])))
    filt = _critical_band_filters(sr, n_fft)
    half = n_fft // 2
    levels, slopes, weights = [], [], []
    for x in (rf, ef):
        power = np.abs(np.fft.fft(x, n_fft, axis=1)[:, :half]) ** 2
        level = 10.0 * np.log10(np.maximum(power @ filt.T, 1e-10))
        slope = np.diff(level, axis=1)
        levels.append(level)
        slopes.append(slope)
        weights.append(_band_weights(level, slope))
    w = 0.5 * (weights[0] + weights[1])
    return np.sum(w * (slopes[0] - slopes[1]) ** 2, axis=1) / np.sum(w, axis=1)


def wss(ref: np.ndarray, est: np.ndarray, sr: int) -> float:
    """Weighted spectral slope: mean of the lowest 95 % of :func:`wss_frames` (0 for identical signals)."""
    r, e = as_pair(ref, est)
    if not all_finite(r, e):
        return NAN
    return _mean_of_lowest(wss_frames(r, e, sr))


# ----------------------------------------------------------------------------------------------- composite
def composite(ref: np.ndarray, est: np.ndarray, sr: int, pesq_score: float | None = None) -> dict[str, float]:
    """CSIG, CBAK and COVL (Hu & Loizou 2008), each clipped to [1, 5]::

        Csig = 3.093 - 1.029 LLR + 0.603 PESQ - 0.009 WSS
        Cbak = 1.634 + 0.478 PESQ - 0.007 WSS + 0.063 segSNR
        Covl = 1.594 + 0.805 PESQ - 0.512 LLR - 0.007 WSS

    The PESQ term is wide-band PESQ (P.862.2) at 16 kHz, as in the evaluation scripts commonly used for
    deep-learning speech enhancement (the paper fitted the regressions with narrow-band raw PESQ on
    8 kHz data).
    All measures are computed at 16 kHz: other rates are resampled with soxr first. ``pesq_score`` lets a
    caller reuse an already computed PESQ-WB of the same pair. Returns ``{"csig", "cbak", "covl"}``, all NaN
    when any measure is undefined (e.g. PESQ found no utterance or the signals are shorter than a frame).
    Needs the ``pesq`` package unless ``pesq_score`` is given.
    """
    r, e = as_pair(ref, est)
    nan = {"csig": NAN, "cbak": NAN, "covl": NAN}
    if not all_finite(r, e):
        return nan
    r = resample(r, sr, COMPOSITE_RATE)
    e = resample(e, sr, COMPOSITE_RATE)
    pesq = pesq_wb(r, e, COMPOSITE_RATE) if pesq_score is None else float(pesq_score)
    eps = np.finfo(np.float64).eps
    r, e = r + eps, e + eps
    llr_v = llr(r, e, COMPOSITE_RATE)
    wss_v = wss(r, e, COMPOSITE_RATE)
    seg_v = seg_snr(r, e, COMPOSITE_RATE)
    if not all(math.isfinite(v) for v in (pesq, llr_v, wss_v, seg_v)):
        return nan

    def clip(v: float) -> float:
        return float(min(max(v, 1.0), 5.0))

    return {
        "csig": clip(3.093 - 1.029 * llr_v + 0.603 * pesq - 0.009 * wss_v),
        "cbak": clip(1.634 + 0.478 * pesq - 0.007 * wss_v + 0.063 * seg_v),
        "covl": clip(1.594 + 0.805 * pesq - 0.512 * llr_v - 0.007 * wss_v),
    }
