"""Compute a set of metrics for one (reference, estimate) pair, and average them over a test set."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from hush.errors import MissingExtraError
from hush.metrics._common import as_pair
from hush.metrics.composite import composite
from hush.metrics.dnsmos import dnsmos
from hush.metrics.pesq_stoi import estoi, pesq_nb, pesq_wb, stoi
from hush.metrics.sdr import log_spectral_distance, sdr, seg_snr, si_sdr, snr

logger = logging.getLogger("hush.metrics")

AVAILABLE_METRICS: list[str] = [
    "pesq_wb",
    "pesq_nb",
    "stoi",
    "estoi",
    "si_sdr",
    "sdr",
    "snr",
    "seg_snr",
    "lsd",
    "csig",
    "cbak",
    "covl",
    "dnsmos_sig",
    "dnsmos_bak",
    "dnsmos_ovrl",
    "dnsmos_p808",
]
"""Every name :func:`compute_metrics` understands."""

DEFAULT_METRICS: list[str] = list(AVAILABLE_METRICS)
"""What :func:`compute_metrics` computes when no list is given: all of them (those whose optional
dependencies are missing are skipped)."""

# Optional-dependency group of each metric that needs one (named in the skip message).
_GROUP = {
    "pesq_wb": "PESQ",
    "pesq_nb": "PESQ",
    "csig": "PESQ",
    "cbak": "PESQ",
    "covl": "PESQ",
    "stoi": "STOI",
    "estoi": "STOI",
    "dnsmos_sig": "DNSMOS",
    "dnsmos_bak": "DNSMOS",
    "dnsmos_ovrl": "DNSMOS",
    "dnsmos_p808": "DNSMOS",
}
_warned_groups: set[str] = set()

_Pair = Callable[[np.ndarray, np.ndarray, int], float]
_SIMPLE: dict[str, _Pair] = {  # pesq_wb is cached separately (composite reuses it)
    "pesq_nb": pesq_nb,
    "stoi": stoi,
    "estoi": estoi,
    "si_sdr": lambda r, e, sr: si_sdr(r, e),
    "sdr": lambda r, e, sr: sdr(r, e),
    "snr": lambda r, e, sr: snr(r, e),
    "seg_snr": seg_snr,
    "lsd": log_spectral_distance,
}


def _skip(group: str) -> None:
    """Log, once per process and group, that a group of metrics is skipped for a missing extra."""
    if group not in _warned_groups:
        _warned_groups.add(group)
        logger.warning("%s skipped: pip install 'hush[metrics]'", group)


def compute_metrics(
    ref: np.ndarray, est: np.ndarray, sr: int, metrics: Iterable[str] | None = None
) -> dict[str, float]:
    """Compute ``metrics`` (default :data:`DEFAULT_METRICS`) for one pair, in the requested order.

    ``ref`` and ``est`` are mono signals of the same length at ``sr``; the DNSMOS scores use ``est`` only.
    Metrics whose optional dependencies (pesq, pystoi, onnxruntime + speechmos) are missing are left out of
    the result, with one log warning per missing group per process. Undefined values are NaN.
    """
    names = list(DEFAULT_METRICS if metrics is None else metrics)
    unknown = [n for n in names if n not in AVAILABLE_METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; available: {', '.join(AVAILABLE_METRICS)}")
    r, e = as_pair(ref, est)
    cache: dict[str, Any] = {}

    def cached_pesq_wb() -> float:
        if "pesq_wb" not in cache:
            cache["pesq_wb"] = pesq_wb(r, e, sr)
        return cache["pesq_wb"]

    def value(name: str) -> float:
        if name == "pesq_wb":
            return cached_pesq_wb()
        if name in _SIMPLE:
            return float(_SIMPLE[name](r, e, sr))
        if name in ("csig", "cbak", "covl"):
            if "composite" not in cache:
                cache["composite"] = composite(r, e, sr, pesq_score=cached_pesq_wb())
            return cache["composite"][name]
        if "dnsmos" not in cache:
            cache["dnsmos"] = dnsmos(e, sr)
        return cache["dnsmos"][name]

    out: dict[str, float] = {}
    missing: set[str] = set()
    for name in dict.fromkeys(names):
        group = _GROUP.get(name)
        if group in missing:
            continue
        try:
            out[name] = float(value(name))
        except MissingExtraError:
            if group is None:
                raise
            missing.add(group)
            _skip(group)
    return out


def mean_metrics(rows: Iterable[Mapping[str, float]]) -> tuple[dict[str, float], dict[str, int]]:
    """Average per-file metric rows: ``(means, nan_counts)``.

    Means exclude NaN values (a metric that is NaN in every row has a NaN mean); ``nan_counts`` gives, per
    metric, how many rows had NaN there. Keys appear in first-seen order; a row without a key does not count.
    """
    values: dict[str, list[float]] = {}
    nan_counts: dict[str, int] = {}
    for row in rows:
        for key, value in row.items():
            values.setdefault(key, [])
            nan_counts.setdefault(key, 0)
            v = float(value)
            if math.isnan(v):
                nan_counts[key] += 1
            else:
                values[key].append(v)
    means = {k: (math.fsum(v) / len(v) if v else math.nan) for k, v in values.items()}
    return means, nan_counts
