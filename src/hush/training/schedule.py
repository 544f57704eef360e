"""Learning-rate schedules: linear warm-up, then cosine decay, plateau reduction, or constant."""

from __future__ import annotations

import math

import torch


class WarmupSchedule:
    """Multiplies the base learning rate by a factor computed from the step (and, for plateau, the validation)."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        kind: str,
        warmup: int,
        total: int,
        min_ratio: float = 0.05,
        plateau_factor: float = 0.5,
        plateau_patience: int = 3,
    ):
        self.opt, self.kind, self.warmup, self.total = optimizer, kind, warmup, total
        self.min_ratio, self.factor, self.patience = min_ratio, plateau_factor, plateau_patience
        self.base = [g["lr"] for g in optimizer.param_groups]
        self.plateau_scale, self.best, self.bad = 1.0, -math.inf, 0
        self.step_num = 0
        self._apply()

    def ratio(self) -> float:
        s = self.step_num
        warm = min(1.0, (s + 1) / self.warmup) if self.warmup else 1.0
        if self.kind == "cosine":
            p = min(max(s - self.warmup, 0) / max(self.total - self.warmup, 1), 1.0)
            return warm * (self.min_ratio + (1 - self.min_ratio) * 0.5 * (1 + math.cos(math.pi * p)))
        if self.kind == "plateau":
            return warm * self.plateau_scale
        return warm

    def _apply(self) -> None:
        r = self.ratio()
        for g, b in zip(self.opt.param_groups, self.base, strict=True):
            g["lr"] = b * r

    def step(self) -> None:
        self.step_num += 1
        self._apply()

    def observe(self, score: float) -> None:
        """Plateau schedule: reduce after ``patience`` validations without a higher score."""
        if self.kind != "plateau" or not math.isfinite(score):
            return
        if score > self.best:
            self.best, self.bad = score, 0
        else:
            self.bad += 1
            if self.bad >= self.patience:
                self.plateau_scale = max(self.plateau_scale * self.factor, self.min_ratio)
                self.bad = 0
        self._apply()

    def state_dict(self) -> dict:
        return {"step_num": self.step_num, "plateau_scale": self.plateau_scale, "best": self.best, "bad": self.bad}

    def load_state_dict(self, d: dict) -> None:
        self.step_num, self.plateau_scale, self.best, self.bad = d["step_num"], d["plateau_scale"], d["best"], d["bad"]
        self._apply()
