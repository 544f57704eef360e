"""Adversarial training of any enhancement model against real/fake discriminators (SEGAN, Pascual et al. 2017;
the multi-resolution STFT discriminators of vocoder-style enhancers). See docs/adversarial.md.

Per step, after the model's forward:

1. the discriminators (:mod:`hush.models.blocks.discriminators`) take one step of their own optimizer on clean
   speech (real) against the detached enhanced output (fake), each conditioned on the noisy input where it is
   conditional: LSGAN ``(D(real) - 1)² + D(fake)²`` or hinge ``relu(1 - D(real)) + relu(1 + D(fake))``;
2. the model's loss is its reconstruction loss (``loss:``, the usual terms with their weights) plus
   ``weight`` times the generator's adversarial term (LSGAN ``(D(fake) - 1)²``, hinge ``-D(fake)``) and
   ``feature_matching`` times the L1 distance between the discriminators' hidden features of clean and enhanced
   speech (each layer's distance divided by the mean magnitude of its clean features), with the discriminators
   frozen.

Any zoo model works: the discriminators only see waveforms.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from hush.models.blocks.discriminators import (
    Discriminators,
    MultiResolutionSTFTDiscriminator,
    Outputs,
    WaveformDiscriminator,
)
from hush.training.config import AdversarialConfig
from hush.training.critic import Critic, frozen
from hush.training.task import Task


def build_discriminators(cfg: AdversarialConfig) -> Discriminators:
    discs: list[nn.Module] = []
    for name in cfg.discriminators:
        if name == "waveform":
            discs.append(WaveformDiscriminator(cfg.channels, cfg.waveform_layers, cfg.conditional))
        else:
            discs.append(MultiResolutionSTFTDiscriminator([tuple(r) for r in cfg.resolutions], cfg.channels))
    return Discriminators(discs)


def discriminator_loss(real: Outputs, fake: Outputs, kind: str) -> Tensor:
    """The discriminators' loss, summed over sub-discriminators."""
    terms = []
    for (r, _), (f, _) in zip(real, fake, strict=True):
        if kind == "hinge":
            terms.append(torch.relu(1 - r).mean() + torch.relu(1 + f).mean())
        else:
            terms.append((r - 1).square().mean() + f.square().mean())
    return torch.stack(terms).sum()


def generator_loss(fake: Outputs, kind: str) -> Tensor:
    """The generator's adversarial term, averaged over sub-discriminators."""
    terms = [-f.mean() if kind == "hinge" else (f - 1).square().mean() for f, _ in fake]
    return torch.stack(terms).mean()


def feature_matching(real: Outputs, fake: Outputs) -> Tensor:
    """Mean over layers of ``mean|F_real - F_fake| / mean|F_real|`` (real features are targets, detached)."""
    terms = []
    for (_, fr), (_, ff) in zip(real, fake, strict=True):
        for a, b in zip(fr, ff, strict=True):
            a = a.detach()
            terms.append((a - b).abs().mean() / a.abs().mean().clamp_min(1e-8))
    return torch.stack(terms).mean()


class AdversarialTask(Task):
    def __init__(self, loss: nn.Module, cfg: AdversarialConfig):
        super().__init__(loss)
        self.cfg = cfg
        self.critic = Critic(build_discriminators(cfg), cfg.lr, cfg.betas, cfg.grad_clip)

    def checkpoint_modules(self) -> dict[str, nn.Module]:
        return {"discriminators": self.critic}

    def validation_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        """The reconstruction loss alone: comparable with runs trained without the adversarial terms."""
        return Task.training_step(self, model, batch)

    def training_step(self, model: nn.Module, batch: dict) -> tuple[Tensor, dict[str, float]]:
        out = self.forward(model, batch)
        total = self.loss(out, batch)
        terms = {k: float(v) for k, v in (getattr(self.loss, "last", None) or {}).items()}
        mask = batch.get("mask")
        valid = (lambda x: x) if mask is None else (lambda x: x * mask)
        clean, noisy, est = valid(batch["clean"]), valid(batch["noisy"]), valid(out["enhanced"])
        disc = self.critic.disc
        d_loss = discriminator_loss(disc(clean, noisy), disc(est.detach(), noisy), self.cfg.loss)
        terms["disc"] = self.critic.step(d_loss)
        with frozen(disc):
            fake = disc(est, noisy)
            adv = generator_loss(fake, self.cfg.loss)
            if self.cfg.feature_matching > 0:
                with torch.no_grad():
                    real = disc(clean, noisy)
                fm = feature_matching(real, fake)
            else:
                fm = adv.new_zeros(())
        terms["adversarial"], terms["feature_matching"] = float(adv.detach()), float(fm.detach())
        return total + self.cfg.weight * adv + self.cfg.feature_matching * fm, terms
