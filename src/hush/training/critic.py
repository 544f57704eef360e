"""A discriminator trained by a task with its own optimizer, and the freezing the generator step needs.

:class:`Critic` keeps the optimizer's state in the module's ``state_dict`` (as extra state), so a task that lists
its critics in ``checkpoint_modules`` resumes them exactly; only the generator goes into the model file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor, nn


class Critic(nn.Module):
    """``disc`` and an AdamW optimizer over its parameters; :meth:`step` applies one update from a loss."""

    def __init__(self, disc: nn.Module, lr: float, betas: tuple[float, float] | list[float], grad_clip: float = 0.0):
        super().__init__()
        self.disc = disc
        self.grad_clip = float(grad_clip)
        self.opt = torch.optim.AdamW(self.disc.parameters(), lr=lr, betas=tuple(betas))

    def step(self, loss: Tensor) -> float:
        """One optimizer step on ``loss`` (which only the discriminator's parameters may require)."""
        self.disc.train()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.grad_clip > 0:
            nn.utils.clip_grad_norm_(self.disc.parameters(), self.grad_clip)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return float(loss.detach())

    def get_extra_state(self) -> Any:
        return {"optimizer": self.opt.state_dict()}

    def set_extra_state(self, state: Any) -> None:
        self.opt.load_state_dict(state["optimizer"])


@contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """``module`` with ``requires_grad`` off for the duration: a generator's loss through it leaves it untouched
    (no ``.grad``), while gradients still flow to its input."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p in params:
            p.requires_grad_(True)
