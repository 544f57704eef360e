"""GradNorm (Chen, Badrinarayanan, Lee and Rabinovich, "GradNorm: gradient normalization for adaptive loss
balancing in deep multitask networks", ICML 2018): learned weights ``w_i`` of a sum of task losses.

At each step, with ``W`` the last layer the tasks share:

* ``G_i = ||grad_W (w_i L_i)||`` and its mean ``G``;
* the inverse training rate ``r_i = L~_i / mean(L~)``, with ``L~_i = L_i(t) / L_i(0)`` the loss relative to the
  first step (for a loss in decibels, such as the negative SI-SNR, ``10^((L_i(t) - L_i(0)) / 10)``: the ratio of
  the underlying power ratios, since such a loss is not positive);
* ``L_grad = sum_i |G_i - G r_i^alpha|``, the targets ``G r_i^alpha`` held constant; its gradient updates only the
  weights (own Adam optimiser), which are then renormalised to sum to the number of tasks.

The network is trained on ``sum_i w_i(t) L_i`` with the weights before the update. A task that trains slower than
the others (larger ``r_i``) or whose gradient is smaller than its target gains weight; ``alpha`` sets how strongly
training rates are equalised (0: only gradient magnitudes). Any task can use it
(:class:`hush.training.mtl.MultiTaskTask` does); the weights and their optimiser state travel in the training
checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

SCALES = ("linear", "db")


class GradNorm(nn.Module):
    def __init__(
        self,
        n_tasks: int,
        alpha: float = 1.5,
        lr: float = 0.025,
        init: Sequence[float] | None = None,
        scales: Sequence[str] | None = None,
    ):
        super().__init__()
        init = [1.0] * n_tasks if init is None else [float(v) for v in init]
        if len(init) != n_tasks or n_tasks < 2 or min(init) <= 0:
            raise ValueError(f"GradNorm needs at least 2 tasks with positive initial weights, got {init}")
        self.scales = list(scales or ["linear"] * n_tasks)
        if len(self.scales) != n_tasks or any(s not in SCALES for s in self.scales):
            raise ValueError(f"GradNorm scales must be {n_tasks} of {', '.join(SCALES)}, got {self.scales}")
        self.alpha, self.n = float(alpha), n_tasks
        w = torch.tensor(init, dtype=torch.float32)
        self.weights = nn.Parameter(w * n_tasks / w.sum())
        self.register_buffer("initial", torch.full((n_tasks,), float("nan")))
        self.opt = torch.optim.Adam([self.weights], lr=lr)

    def get_extra_state(self) -> Any:
        return {"optimizer": self.opt.state_dict()}

    def set_extra_state(self, state: Any) -> None:
        self.opt.load_state_dict(state["optimizer"])

    def relative_losses(self, losses: Tensor) -> Tensor:
        """``L~_i``: each loss relative to its value at the first step."""
        out = []
        for i, scale in enumerate(self.scales):
            if scale == "db":
                out.append(10.0 ** ((losses[i] - self.initial[i]) / 10.0))
            else:
                out.append(losses[i] / self.initial[i].clamp_min(1e-12))
        return torch.stack(out).clamp_min(1e-12)

    def combine(self, losses: Sequence[Tensor], shared: Sequence[Tensor]) -> tuple[Tensor, dict[str, float]]:
        """The weighted total for the network's backward pass; updates the weights as a side effect."""
        values = torch.stack([v.detach().float() for v in losses])
        if torch.isnan(self.initial).any():
            self.initial.copy_(values)
        norms = []
        for v in losses:
            grads = torch.autograd.grad(v, list(shared), retain_graph=True, allow_unused=True)
            sq = sum((g.float().square().sum() for g in grads if g is not None), torch.zeros(()))
            norms.append(sq.sqrt())
        w = self.weights
        g = w * torch.stack(norms).to(w.device)  # G_i = w_i ||grad_W L_i||, differentiable in w only
        ratio = self.relative_losses(values).to(w.device)
        target = (g.mean() * (ratio / ratio.mean()) ** self.alpha).detach()
        l_grad = (g - target).abs().sum()
        used = w.detach().clone()
        self.opt.zero_grad(set_to_none=True)
        (w.grad,) = torch.autograd.grad(l_grad, [w])
        self.opt.step()
        with torch.no_grad():
            w.clamp_(min=1e-4)
            w.mul_(self.n / w.sum())
        total = sum(used[i] * v for i, v in enumerate(losses))
        info = {"gradnorm_loss": float(l_grad.detach())}
        info.update({f"grad_norm{i}": float(g[i].detach()) for i in range(self.n)})
        return total, info
