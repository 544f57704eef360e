"""Training and scoring of the frame-wise SNR predictor (:class:`hush.models.snr.SNRPredictor`).

Mixtures of many speakers' clean speech and noise are made on the fly (:func:`hush.data.mixing.pse.snr_batch`);
the loss is the L1 distance in dB to the per-frame SegSNR target. :func:`score_predictor` reports the frame-wise
mean absolute error and the Pearson correlation on mixtures of held-out speech and noise, and the error of the
best constant (the median target), the baseline a useful predictor must beat.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from hush.data.mixing.pse import snr_batch
from hush.models.snr import SNRPredictor


@dataclass
class SNRTrainConfig:
    steps: int = 3000
    batch_size: int = 16
    seconds: tuple[float, float] = (1.0, 4.0)  # segment length, drawn per batch
    snr_range: tuple[float, float] = (-10.0, 25.0)
    lr: float = 2e-3
    seed: int = 0
    minutes: float | None = None  # wall-time budget, None: no limit


def train_predictor(
    speech: Sequence[np.ndarray],
    noises: Sequence[np.ndarray],
    cfg: SNRTrainConfig,
    model: SNRPredictor | None = None,
    log: Callable[[int, float], object] | None = None,
) -> SNRPredictor:
    """Train ``model`` (a new default :class:`SNRPredictor` when None) and return it in eval mode."""
    torch.manual_seed(cfg.seed)
    model = model or SNRPredictor()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps, eta_min=cfg.lr * 0.05)
    sr = model.sample_rate
    t0 = time.monotonic()
    model.train()
    for step in range(cfg.steps):
        rng = np.random.default_rng([cfg.seed, step])
        n = int(rng.uniform(*cfg.seconds) * sr)
        x, target = snr_batch(rng, speech, noises, cfg.batch_size, n, model.frame_len, model.hop, cfg.snr_range)
        loss = (model(x) - target).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        if log is not None and (step % 100 == 0 or step == cfg.steps - 1):
            log(step, loss.item())
        if cfg.minutes is not None and time.monotonic() - t0 > 60 * cfg.minutes:
            break
    return model.eval()


def score_predictor(
    model: SNRPredictor,
    speech: Sequence[np.ndarray],
    noises: Sequence[np.ndarray],
    items: int = 200,
    seconds: float = 3.0,
    snr_range: tuple[float, float] = (-10.0, 25.0),
    seed: int = 12345,
) -> dict[str, float]:
    """On ``items`` seeded mixtures: frame-wise MAE (dB), Pearson correlation, the constant predictor's MAE, the MAE
    on frames whose target lies in −10…20 dB (``mae_db_mid``) and the mean absolute error of the data-purification
    weights ``sigmoid(dB)`` (``weight_mae``, and that of the best constant weight)."""
    rng = np.random.default_rng(seed)
    preds, targets = [], []
    for start in range(0, items, 16):
        x, target = snr_batch(
            rng,
            speech,
            noises,
            min(16, items - start),
            int(seconds * model.sample_rate),
            model.frame_len,
            model.hop,
            snr_range,
        )
        preds.append(model.predict(x).flatten().numpy())
        targets.append(target.flatten().numpy())
    p, t = np.concatenate(preds), np.concatenate(targets)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    mid = (t >= -10) & (t <= 20)  # where sigmoid weights are neither 0 nor 1
    return {
        "mae_db": float(np.mean(np.abs(p - t))),
        "corr": float(np.corrcoef(p, t)[0, 1]),
        "constant_mae_db": float(np.mean(np.abs(t - np.median(t)))),
        "mae_db_mid": float(np.mean(np.abs(p[mid] - t[mid]))),
        "weight_mae": float(np.mean(np.abs(sig(p) - sig(t)))),
        "constant_weight_mae": float(np.mean(np.abs(sig(t) - np.median(sig(t))))),
        "frames": int(len(t)),
    }
