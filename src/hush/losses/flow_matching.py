"""``flow-matching``: the conditional flow-matching objective (Lipman et al. 2023), ``mean |v - u|²`` between the
velocity a generative model predicts at a point of its probability path (``out["velocity"]``) and the conditional
velocity of that path (``out["target_velocity"]``), both from the model's training forward (e.g. ``flowse``).
Complex tensors count their real and imaginary parts; real tensors are taken as they are.

Its expectation over the path's noise is minimised by the marginal velocity ``E[u | x_t]``, which is what sampling
integrates. The sample mask is not applied (the velocities live on the model's spectrogram grid).
"""

from __future__ import annotations

import torch
from torch import Tensor

from hush.losses.base import Loss, register


@register("flow-matching")
class FlowMatchingLoss(Loss):
    def __init__(self, est_key: str = "velocity", ref_key: str = "target_velocity", **kw):
        super().__init__(est_key=est_key, ref_key=ref_key, **kw)

    def forward(self, out: dict[str, Tensor], batch: dict[str, Tensor]) -> Tensor:
        v = self._fetch(self.est_key, out, batch, "estimate")
        u = self._fetch(self.ref_key, batch, out, "reference")
        if self.detach_ref:
            u = u.detach()
        if v.shape != u.shape:
            raise ValueError(f"loss {self.name!r}: velocity {tuple(v.shape)} and target {tuple(u.shape)} differ")
        if v.is_complex():
            v, u = torch.view_as_real(v), torch.view_as_real(u)
        return (v - u).square().mean()
