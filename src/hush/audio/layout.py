"""Array layouts: the one rule for telling ``(C, T)`` from soundfile's ``(T, C)``, and length fitting."""

from __future__ import annotations

import numpy as np

MAX_CHANNELS = 16  # more rows than this, with at most this many columns, is read as (T, C)


def channels_first(audio: np.ndarray) -> tuple[np.ndarray, bool]:
    """``(T,)``, ``(C, T)`` or soundfile's ``(T, C)`` as ``(C, T)``, and whether it was transposed."""
    x = np.asarray(audio)
    if x.ndim == 1:
        return x[None], False
    if x.ndim != 2:
        raise ValueError(f"audio must be 1-D or 2-D, got shape {x.shape}")
    if x.shape[1] <= MAX_CHANNELS < x.shape[0]:
        return x.T, True
    return x, False


def to_mono(audio: np.ndarray) -> np.ndarray:
    """The channel mean of ``(T,)``, ``(C, T)`` or ``(T, C)`` audio (as :func:`channels_first` reads it)."""
    return channels_first(audio)[0].mean(axis=0)


def fit_length(x: np.ndarray, n: int) -> np.ndarray:
    """Trim or zero-pad the last axis to ``n`` samples."""
    if x.shape[-1] >= n:
        return x[..., :n]
    pad = [(0, 0)] * (x.ndim - 1) + [(0, n - x.shape[-1])]
    return np.pad(x, pad)
