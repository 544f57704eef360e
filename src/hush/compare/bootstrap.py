"""Paired bootstrap confidence intervals for differences of per-file scores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.mean:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


def paired_bootstrap(a, b, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> Interval:
    """CI of mean(a - b) by resampling files with replacement; pairs with a NaN on either side are dropped."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    if len(d) == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(d), size=(n_boot, len(d)))
    means = d[idx].mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return Interval(float(d.mean()), float(lo), float(hi), len(d))


def paired_bootstrap_ratio(err_a, err_b, length, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> Interval:
    """CI of ``(Σ err_a − Σ err_b) / Σ length`` (a difference of pooled rates such as WER) by resampling files with
    replacement; files with a NaN anywhere are dropped."""
    a, b, n = (np.asarray(v, dtype=np.float64) for v in (err_a, err_b, length))
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(n)
    a, b, n = a[ok], b[ok], n[ok]
    if len(a) == 0 or n.sum() <= 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    idx = np.random.default_rng(seed).integers(0, len(a), size=(n_boot, len(a)))
    d = (a[idx].sum(axis=1) - b[idx].sum(axis=1)) / n[idx].sum(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(d, [alpha, 1 - alpha])
    return Interval(float((a.sum() - b.sum()) / n.sum()), float(lo), float(hi), len(a))
