"""PESQ (ITU-T P.862.2 / P.862.1) and STOI / ESTOI, wrapping the optional ``pesq`` and ``pystoi`` packages.

Both packages are imported on first use; when missing, :class:`hush.errors.MissingExtraError` is raised.
Inputs the underlying implementations cannot score (silent, too short, non-finite) give NaN, not an error.
"""

from __future__ import annotations

import warnings

import numpy as np

from hush.metrics._common import NAN, all_finite, as_pair, is_silent, require, resample

PESQ_WB_RATE = 16000
PESQ_NB_RATE = 8000


def _pesq(ref: np.ndarray, est: np.ndarray, sr: int, rate: int, mode: str) -> float:
    pesq = require("pesq", "PESQ")
    r, e = as_pair(ref, est)
    if is_silent(r) or not all_finite(r, e):
        return NAN
    r = resample(r, sr, rate)
    e = resample(e, sr, rate)
    try:
        with np.errstate(all="ignore"):
            return float(pesq.pesq(rate, r, e, mode))
    except Exception:  # NoUtterancesError, BufferTooShortError, ... : the pair cannot be scored
        return NAN


def pesq_wb(ref: np.ndarray, est: np.ndarray, sr: int) -> float:
    """Wide-band PESQ (P.862.2, MOS-LQO, about 1.04 to 4.64); inputs are resampled to 16 kHz with soxr.

    NaN when PESQ cannot score the pair (silent or too short reference, no utterance found, non-finite input).
    """
    return _pesq(ref, est, sr, PESQ_WB_RATE, "wb")


def pesq_nb(ref: np.ndarray, est: np.ndarray, sr: int) -> float:
    """Narrow-band PESQ (P.862 with the P.862.1 MOS-LQO mapping); inputs are resampled to 8 kHz with soxr.

    NaN when PESQ cannot score the pair.
    """
    return _pesq(ref, est, sr, PESQ_NB_RATE, "nb")


def _stoi(ref: np.ndarray, est: np.ndarray, sr: int, extended: bool) -> float:
    pystoi = require("pystoi", "STOI")
    r, e = as_pair(ref, est)
    if is_silent(r) or not all_finite(r, e):
        return NAN
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            value = float(pystoi.stoi(r, e, sr, extended=extended))
        except Exception:  # too short to frame at all
            return NAN
    if any("Not enough STFT frames" in str(w.message) for w in caught):
        return NAN
    return value if np.isfinite(value) else NAN


def stoi(ref: np.ndarray, est: np.ndarray, sr: int) -> float:
    """STOI (Taal et al., 2011), in [0, 1] for usual signals, by ``pystoi`` (which resamples to 10 kHz).

    pystoi drops the frames of ``ref`` more than 40 dB below its loudest frame and needs at least 30 STFT
    frames (256 samples, hop 128 at 10 kHz: about 0.4 s of non-silent speech) to form one 384 ms segment.
    Below that it warns and returns 1e-5; this wrapper returns NaN instead, without the warning.
    NaN as well for a silent reference.
    """
    return _stoi(ref, est, sr, extended=False)


def estoi(ref: np.ndarray, est: np.ndarray, sr: int) -> float:
    """Extended STOI (Jensen & Taal, 2016) via ``pystoi``; same silent-frame rule and NaNs as :func:`stoi`."""
    return _stoi(ref, est, sr, extended=True)
