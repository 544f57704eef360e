"""Normalisation layers that are causal and streaming-safe."""

from __future__ import annotations

import torch
from torch import nn


class FrameNorm(nn.Module):
    """Layer normalisation over channels (and frequency) of each time frame: causal and streaming-safe."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = (1, 3) if x.dim() == 4 else (1,)
        mean = x.mean(dims, keepdim=True)
        var = (x - mean).square().mean(dims, keepdim=True)
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return (x - mean) * torch.rsqrt(var + self.eps) * self.weight.view(shape) + self.bias.view(shape)


def make_norm(kind: str, channels: int, dims: int = 2) -> nn.Module:
    """``"batch"`` (BatchNorm: running statistics in eval mode, hence causal/streamable only in eval mode) or
    ``"layer"`` (:class:`FrameNorm`, causal in both modes)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels) if dims == 2 else nn.BatchNorm1d(channels)
    if kind == "layer":
        return FrameNorm(channels)
    raise ValueError(f"norm must be 'batch' or 'layer', not {kind!r}")


class FeatureNorm(nn.Module):
    """Per-dimension mean/variance normalisation of ``(B, K, D)`` features with running statistics.

    Stands in for the global MVN that Xu et al. compute on the training set: while training, the statistics of
    the batch (all utterances and frames) are used and accumulated; in eval mode the running statistics are
    used, so every frame is normalised independently (causal, streaming-safe). Returns the normalised features
    and the ``(mean, std)`` used, so a mapping output can be de-normalised with them.
    """

    def __init__(self, dim: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.register_buffer("running_mean", torch.zeros(dim))
        self.register_buffer("running_var", torch.ones(dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        flat = x.reshape(-1, x.shape[-1])
        if self.training and flat.shape[0] > 1:
            mean, var = flat.mean(0), flat.var(0, unbiased=False)
            with torch.no_grad():
                self.running_mean.lerp_(mean.detach(), self.momentum)
                self.running_var.lerp_(flat.var(0, unbiased=True).detach(), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        std = torch.sqrt(var + self.eps)
        return (x - mean) / std, mean, std
