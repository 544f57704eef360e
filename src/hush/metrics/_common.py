"""Shared helpers for the metrics: input checks, framing, resampling and lazy optional imports."""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

from hush.errors import MissingExtraError

NAN = float("nan")


def as_mono(x: object, name: str = "signal") -> np.ndarray:
    """Return ``x`` as a 1-D float64 array; (1, T) and (T, 1) are squeezed, other shapes are rejected."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 2 and 1 in a.shape:
        a = a.reshape(-1)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a mono 1-D signal, got shape {np.shape(x)}")
    return a


def as_pair(ref: object, est: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate a (reference, estimate) pair: mono float64 arrays of the same length."""
    r = as_mono(ref, "ref")
    e = as_mono(est, "est")
    if r.shape != e.shape:
        raise ValueError(f"ref and est must have the same length, got {r.size} and {e.size} samples")
    return r, e


def all_finite(*xs: np.ndarray) -> bool:
    return all(bool(np.isfinite(x).all()) for x in xs)


def is_silent(x: np.ndarray) -> bool:
    return x.size == 0 or not np.any(x)


def hann_inner(n: int) -> np.ndarray:
    """Symmetric Hann window without its zero end points (MATLAB ``hanning(n)``)."""
    return 0.5 * (1.0 - np.cos(2.0 * np.pi * np.arange(1, n + 1) / (n + 1)))


def frames(x: np.ndarray, win: int, hop: int, n_frames: int) -> np.ndarray:
    """Read-only view of ``n_frames`` frames ``x[k*hop : k*hop + win]`` as an (n_frames, win) array."""
    if n_frames <= 0 or x.size < win:
        return np.zeros((0, win), dtype=x.dtype)
    view = np.lib.stride_tricks.sliding_window_view(x, win)
    return view[: (n_frames - 1) * hop + 1 : hop]


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """High-quality resampling with soxr (a no-op when the rates match)."""
    if int(sr_in) == int(sr_out) or x.size == 0:
        return x
    import soxr

    return np.asarray(soxr.resample(x, int(sr_in), int(sr_out), quality="HQ"), dtype=np.float64)


def require(module: str, what: str, extra: str = "metrics") -> ModuleType:
    """Import an optional dependency, or raise :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingExtraError(what, extra) from err
