"""The weighted segmental MSE of data purification equals its formula, and all-ones weights give the PSE loss."""

import numpy as np
import pytest
import torch

from hush.losses import create_loss
from hush.losses.base import num_frames

N, H = 256, 64


def _formula(est: np.ndarray, ref: np.ndarray, p: np.ndarray) -> float:
    """L = (1/J) Σ_j p_j (1/N) Σ_i (w_i s_ji - w_i y_ji)², averaged over the rows, frames zero-padded at the end."""
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N) / N)  # periodic Hann
    rows = []
    for e, r, pr in zip(est, ref, p, strict=True):
        j = num_frames(len(e), N, H)
        pad = (j - 1) * H + N - len(e)
        e, r = np.pad(e, (0, pad)), np.pad(r, (0, pad))
        terms = [pr[k] * np.mean((w * r[k * H : k * H + N] - w * e[k * H : k * H + N]) ** 2) for k in range(j)]
        rows.append(np.sum(terms) / j)
    return float(np.mean(rows))


@pytest.fixture
def signals():
    rng = np.random.default_rng(3)
    ref = rng.standard_normal((3, 2000))
    est = ref + 0.3 * rng.standard_normal((3, 2000))
    return est, ref, rng.uniform(0, 1, (3, num_frames(2000, N, H)))


def _loss(est, ref, p):
    loss = create_loss("seg-weighted-mse", frame_len=N, hop=H, window="hann", average="frames")
    t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    return float(loss({"enhanced": t(est)}, {"clean": t(ref), "frame_weights": t(p)}))


def test_weighted_segmental_mse_equals_the_formula(signals):
    est, ref, p = signals
    assert _loss(est, ref, p) == pytest.approx(_formula(est, ref, p), rel=1e-10)


def test_all_ones_weights_give_the_unweighted_pse_loss(signals):
    est, ref, p = signals
    ones = np.ones_like(p)
    assert _loss(est, ref, ones) == pytest.approx(_formula(est, ref, ones), rel=1e-10)
    # the weights are not renormalised: halving every p_j halves the loss (average="weights" would not change)
    assert _loss(est, ref, p / 2) == pytest.approx(_loss(est, ref, p) / 2, rel=1e-12)


def test_bad_window_or_average_is_refused():
    with pytest.raises(ValueError, match="window must be rect or hann"):
        create_loss("seg-weighted-mse", window="hamming")
