"""The public Python API: ``hush.enhance``, ``hush.enhance_file``, ``hush.evaluate``, ``hush.load_model``."""

from __future__ import annotations

import os

import numpy as np

from hush.inference.arrays import enhance_array
from hush.inference.files import FileResult
from hush.inference.files import enhance_file as _enhance_file
from hush.methods import Enhancer, resolve

# Fallback when the bundled weights are missing (a source tree without package data): the best classical method.
DEFAULT_METHOD = "mmse-lsa"


def default_method() -> str:
    from hush.methods import names

    return "default" if "default" in names() else DEFAULT_METHOD


def _control(options: dict, atten_lim_db: float | None, mix: float) -> dict:
    """Add the suppression control to ``options`` when set (defaults leave a spec's own values in force)."""
    if atten_lim_db is not None:
        options["atten_lim_db"] = atten_lim_db
    if mix is None or isinstance(mix, bool) or mix != 1.0:
        options["mix"] = mix
    return options


def load_model(name_or_path: str, atten_lim_db: float | None = None, mix: float = 1.0, **options) -> Enhancer:
    """A ready method: classical name, bundled model name (``default``, ``hq``) or model-file path.

    ``atten_lim_db``: most suppression per time-frequency bin in dB (> 0; ``None``: no limit). ``mix``: 0..1,
    ``mix * enhanced + (1 - mix) * input`` (1: fully enhanced). See :mod:`hush.inference.control`.
    """
    return resolve(name_or_path, **_control(options, atten_lim_db, mix))


def enhance(
    audio: np.ndarray,
    sr: int,
    method: str | Enhancer | None = None,
    atten_lim_db: float | None = None,
    mix: float = 1.0,
    **options,
) -> np.ndarray:
    """Enhance ``audio`` (``(T,)``, ``(C, T)`` or soundfile's ``(T, C)``) sampled at ``sr``; same shape out.

    ``atten_lim_db`` and ``mix`` as for :func:`load_model`.
    """
    return enhance_array(audio, sr, method or default_method(), **_control(options, atten_lim_db, mix))


def enhance_file(
    src: str | os.PathLike,
    dst: str | os.PathLike,
    method: str | Enhancer | None = None,
    *,
    overwrite: bool = False,
    atten_lim_db: float | None = None,
    mix: float = 1.0,
    **options,
) -> FileResult:
    """Enhance one audio file into ``dst`` (atomic write, bounded memory, same format as the input).

    ``atten_lim_db`` and ``mix`` as for :func:`load_model`.
    """
    return _enhance_file(
        src, dst, method or default_method(), overwrite=overwrite, **_control(options, atten_lim_db, mix)
    )


def evaluate(clean: np.ndarray, enhanced: np.ndarray, sr: int, metrics: list[str] | None = None) -> dict:
    """Metrics of ``enhanced`` against ``clean`` (mono arrays at ``sr``); see :mod:`hush.metrics`."""
    from hush.metrics import compute_metrics

    clean = np.asarray(clean, dtype=np.float64)
    enhanced = np.asarray(enhanced, dtype=np.float64)
    if clean.ndim > 1:
        clean = clean.mean(axis=0 if clean.shape[0] < clean.shape[-1] else 1)
    if enhanced.ndim > 1:
        enhanced = enhanced.mean(axis=0 if enhanced.shape[0] < enhanced.shape[-1] else 1)
    n = min(len(clean), len(enhanced))
    return compute_metrics(clean[:n], enhanced[:n], sr, metrics)
