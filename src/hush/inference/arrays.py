"""Enhancement of in-memory arrays: resampling to the method's rate, channels, layout."""

from __future__ import annotations

import warnings

import numpy as np

from hush.audio.checks import validate_array
from hush.audio.resample import resample
from hush.methods import Enhancer, resolve


def _to_channel_first(audio: np.ndarray) -> tuple[np.ndarray, bool]:
    """Accept (T,), (C, T) or soundfile's (T, C); returns (C, T) and whether it was transposed."""
    x = np.asarray(audio)
    if x.ndim == 1:
        return x[None], False
    if x.ndim != 2:
        raise ValueError(f"audio must be 1-D or 2-D, got shape {x.shape}")
    if x.shape[1] <= 16 < x.shape[0]:  # (samples, channels) as returned by soundfile.read
        return x.T, True
    return x, False


def fit_length(x: np.ndarray, n: int) -> np.ndarray:
    """Trim or zero-pad the last axis to ``n`` samples."""
    if x.shape[-1] >= n:
        return x[..., :n]
    pad = [(0, 0)] * (x.ndim - 1) + [(0, n - x.shape[-1])]
    return np.pad(x, pad)


def enhance_array(audio: np.ndarray, sr: int, method: str | Enhancer = "default", **options) -> np.ndarray:
    """Enhance ``audio`` at rate ``sr`` and return it in the same shape, layout and rate (float32).

    Channels are enhanced independently unless the method is multi-channel. Silent or clipped input is
    processed with a :class:`UserWarning`; empty, non-finite or too-short input raises ``AudioError``.
    """
    enh = resolve(method, **options)
    x, transposed = _to_channel_first(audio)
    x = x.astype(np.float32, copy=False)
    work_sr = enh.sample_rate or sr
    min_len = int(np.ceil(enh.min_length(work_sr) * sr / work_sr))
    for w in validate_array(x, sr, min_len):
        warnings.warn(w, UserWarning, stacklevel=2)
    z = resample(x, sr, work_sr)
    if enh.multichannel:
        y = enh.enhance(z, work_sr)
    else:
        y = np.stack([enh.enhance(c, work_sr) for c in z])
    y = fit_length(resample(y.astype(np.float32), work_sr, sr), x.shape[-1])
    y = y.T if transposed else y
    return y[0] if np.ndim(audio) == 1 else y
