"""Adversarial training against a metric discriminator (MetricGAN, Fu et al. 2019; the form MP-SENet trains with).

At every step the discriminator ``D`` (:class:`hush.models.blocks.metric_discriminator.MetricDiscriminator`) first
learns, with its own optimizer, to predict the normalised quality score of the batch's current outputs:
``(D(clean, clean) - 1)² + (D(clean, enhanced) - q)²``, with ``q`` the true metric (PESQ-WB by default, mapped from
[1, 4.5] to [0, 1]) computed per item on the valid samples; items whose metric cannot be computed are left out.
The enhancer then gets ``weight · (D(clean, enhanced) - 1)²`` added to its loss, with ``D`` frozen: it is pushed
towards outputs the discriminator scores as perfect. Both see power-law compressed magnitude spectrograms.

The discriminator and its optimizer state are saved in the training checkpoint, so a resumed run continues exactly;
only the enhancer goes into the model file.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from hush.losses.base import power, spectrum
from hush.metrics import compute_metrics
from hush.models.blocks.metric_discriminator import MetricDiscriminator
from hush.training.config import MetricGANConfig
from hush.training.task import Task

_RANGE = {"pesq_wb": (1.0, 4.5), "pesq_nb": (1.0, 4.5), "estoi": (0.0, 1.0)}


class _Critic(nn.Module):
    """The discriminator with its optimizer, whose state travels in ``state_dict`` (as extra state)."""

    def __init__(self, cfg: MetricGANConfig):
        super().__init__()
        self.disc = MetricDiscriminator(cfg.channels)
        self.opt = torch.optim.AdamW(self.disc.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))

    def get_extra_state(self) -> Any:
        return {"optimizer": self.opt.state_dict()}

    def set_extra_state(self, state: Any) -> None:
        self.opt.load_state_dict(state["optimizer"])


class MetricGANTask(Task):
    def __init__(self, loss: nn.Module, cfg: MetricGANConfig, sample_rate: int):
        super().__init__(loss)
        self.cfg, self.sample_rate = cfg, int(sample_rate)
        self.critic = _Critic(cfg)

    def checkpoint_modules(self) -> dict[str, nn.Module]:
        return {"metric_discriminator": self.critic}

    def magnitudes(self, x: Tensor) -> Tensor:
        """Compressed magnitude spectrogram ``(B, K, F)`` of ``(B, T)`` audio."""
        spec = spectrum(x, self.cfg.n_fft, self.cfg.hop)
        return (power(spec) + 1e-12).pow(0.5 * self.cfg.compression)

    def scores(self, clean: Tensor, enhanced: Tensor, mask: Tensor | None) -> Tensor:
        """The normalised metric of every item, NaN where it cannot be computed."""
        lo, hi = _RANGE[self.cfg.metric]
        out = []
        for i in range(clean.shape[0]):
            n = int(mask[i].sum()) if mask is not None else clean.shape[-1]
            ref = clean[i, :n].detach().double().numpy()
            est = enhanced[i, :n].detach().double().numpy()
            try:
                value = compute_metrics(ref, est, self.sample_rate, [self.cfg.metric])[self.cfg.metric]
            except Exception:  # a silent or too short item has no score: it is left out
                value = float("nan")
            out.append((value - lo) / (hi - lo) if math.isfinite(value) else float("nan"))
        return torch.tensor(np.asarray(out, dtype=np.float32))

    def discriminator_step(self, ref: Tensor, est: Tensor, q: Tensor) -> float:
        d = self.critic.disc
        d.train()
        loss = (d(ref, ref) - 1.0).square().mean()
        ok = torch.isfinite(q)
        if ok.any():
            loss = loss + (d(ref[ok], est[ok]) - q[ok]).square().mean()
        self.critic.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.critic.opt.step()
        self.critic.opt.zero_grad(set_to_none=True)
        return float(loss.detach())

    def adversarial(self, ref: Tensor, est: Tensor) -> Tensor:
        """``mean((D(clean, enhanced) - 1)²)`` with the discriminator's weights held fixed."""
        params = list(self.critic.disc.parameters())
        for p in params:
            p.requires_grad_(False)
        try:
            return (self.critic.disc(ref, est) - 1.0).square().mean()
        finally:
            for p in params:
                p.requires_grad_(True)

    def training_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        out = self.forward(model, batch)
        total = self.loss(out, batch)
        terms = {k: float(v) for k, v in (getattr(self.loss, "last", None) or {}).items()}
        mask = batch.get("mask")
        est = out["enhanced"] if mask is None else out["enhanced"] * mask
        ref_mag, est_mag = self.magnitudes(batch["clean"]), self.magnitudes(est)
        q = self.scores(batch["clean"], est, mask)
        terms["disc"] = self.discriminator_step(ref_mag, est_mag.detach(), q)
        terms["metric_target"] = float(np.nanmean(q.numpy())) if torch.isfinite(q).any() else float("nan")
        adv = self.adversarial(ref_mag, est_mag)
        terms["metric_gan"] = float(adv.detach())
        return total + self.cfg.weight * adv, terms

    def validation_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """The enhancer's loss without the adversarial term: comparable with runs trained without it."""
        return Task.training_step(self, model, batch)
