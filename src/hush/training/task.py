"""The training step, as an overridable object: research methods (distillation, multi-task, GAN) subclass it."""

from __future__ import annotations

import torch
from torch import nn


class Task:
    """Forward the noisy batch, apply the loss. ``training_step`` returns the loss and per-term floats to log."""

    def __init__(self, loss: nn.Module):
        self.loss = loss

    def forward(self, model: nn.Module, batch: dict) -> dict[str, torch.Tensor]:
        """The model's training forward: ``model(noisy)``, or ``model(noisy, target=clean)`` for models that learn
        from the target inside their forward (``needs_target``: generative models such as ``flowse``)."""
        inner = getattr(model, "module", model)  # under DDP the wrapper holds the model
        if getattr(inner, "needs_target", False):
            return model(batch["noisy"], target=batch["clean"])
        return model(batch["noisy"])

    def training_step(self, model: nn.Module, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        out = self.forward(model, batch)
        loss = self.loss(out, batch)
        terms = getattr(self.loss, "last", None) or {}
        return loss, {k: float(v) for k, v in terms.items()}

    def validation_step(self, model: nn.Module, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        """The validation loss of a batch (called under ``no_grad``, model in eval mode): the training loss unless
        overridden (distillation validates the task loss alone)."""
        return self.training_step(model, batch)

    def extra_modules(self) -> dict[str, nn.Module]:
        """Trainable modules besides the model (e.g. distillation adapters); they join the optimizer."""
        return {}

    def checkpoint_modules(self) -> dict[str, nn.Module]:
        """Modules saved in and restored from checkpoints: :meth:`extra_modules` and any module the task trains with
        its own optimizer (a discriminator)."""
        return self.extra_modules()
