"""A meta-learned starting point for personalization (Reptile, Nichol et al. 2018).

Each task is one generalist speaker's PSE+DP problem: their speech mixed with premixture noise stands in for their
recordings. For every outer step a task is drawn, ``inner_steps`` PSE(+DP) steps of Adam are taken from the current
initialisation ``θ`` to ``θ'``, and ``θ ← θ + outer_lr · (θ' − θ)``: the initialisation moves towards weights from
which a few personalization steps go far. The result is an ordinary model file, used as ``--init FILE``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from hush.data.mixing.pse import PSEDataset
from hush.models.base import SEModel
from hush.models.snr import SNRPredictor
from hush.training.personalize import FrameWeights, pse_loss, pse_step


@dataclass
class ReptileConfig:
    outer_steps: int = 300
    inner_steps: int = 5
    inner_lr: float = 1e-3
    outer_lr: float = 0.5  # linearly decayed to 0 over the outer steps
    batch_size: int = 8
    segment_seconds: float = 1.0
    snr_range: tuple[float, float] = (-5.0, 5.0)
    seed: int = 0


def reptile(
    model: SEModel,
    tasks: Sequence[Sequence[np.ndarray]],
    noises: Sequence[np.ndarray],
    cfg: ReptileConfig,
    predictor: SNRPredictor | None = None,
    frame_len: int = 1024,
    hop: int = 256,
    log: Callable[[int, float], object] | None = None,
) -> SEModel:
    """Meta-train ``model``'s weights in place on ``tasks`` (each a speaker's premixture recordings at 16 kHz) with
    PSE+DP inner loops (PSE without a ``predictor``); returns the model in eval mode."""
    weigh = FrameWeights(predictor, frame_len, hop)
    loss_fn = pse_loss(weigh)
    seg = int(cfg.segment_seconds * 16000)
    sets = [PSEDataset(t, noises, seg, size=1 << 62, snr_range=cfg.snr_range, seed=cfg.seed + i)
            for i, t in enumerate(tasks)]  # fmt: skip
    rng = np.random.default_rng(cfg.seed)
    model.train()
    for outer in range(cfg.outer_steps):
        start = {k: v.detach().clone() for k, v in model.state_dict().items()}
        opt = torch.optim.Adam(model.parameters(), lr=cfg.inner_lr)
        ds = sets[int(rng.integers(len(sets)))]
        first = outer * cfg.inner_steps * cfg.batch_size
        total = 0.0
        for inner in range(cfg.inner_steps):
            total += pse_step(model, opt, loss_fn, ds.batch(first + inner * cfg.batch_size, cfg.batch_size), weigh)
        eps = cfg.outer_lr * (1 - outer / cfg.outer_steps)
        with torch.no_grad():
            for k, v in model.state_dict().items():
                if v.is_floating_point():
                    v.copy_(start[k] + eps * (v - start[k]))
        if log is not None and (outer % 20 == 0 or outer == cfg.outer_steps - 1):
            log(outer, total / cfg.inner_steps)
    return model.eval()
