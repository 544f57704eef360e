"""Metric discriminator of MetricGAN (Fu et al. 2019) in the form MP-SENet uses: it sees a reference and an estimate
(compressed magnitude spectrograms ``(B, K, F)``) and predicts their normalised quality score in [0, 1] (PESQ mapped
from [1, 4.5]); trained to predict the true score, it becomes a differentiable stand-in for the metric that the
enhancer is then trained to maximise.

Four spectrally normalised stride-2 convolutions (instance norm, PReLU), global max pooling, a two-layer head and a
learnable sigmoid ``beta * sigmoid(slope * x)``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


class LearnableSigmoid(nn.Module):
    """``beta * sigmoid(slope * x)`` with a learned slope per feature (MP-SENet's learnable sigmoid)."""

    def __init__(self, features: int, beta: float = 1.0):
        super().__init__()
        self.beta = float(beta)
        self.slope = nn.Parameter(torch.ones(features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.beta * torch.sigmoid(self.slope * x)


class MetricDiscriminator(nn.Module):
    def __init__(self, channels: int = 16, dropout: float = 0.3):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 2
        for i in range(4):
            cout = channels * 2**i
            layers += [
                spectral_norm(nn.Conv2d(cin, cout, 4, 2, 1, bias=False)),
                nn.InstanceNorm2d(cout, affine=True),
                nn.PReLU(cout),
            ]
            cin = cout
        self.convs = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
            spectral_norm(nn.Linear(cin, cin // 2)),
            nn.Dropout(dropout),
            nn.PReLU(cin // 2),
            spectral_norm(nn.Linear(cin // 2, 1)),
            LearnableSigmoid(1),
        )

    def forward(self, reference: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
        """``(B, K, F)`` magnitudes (at least 16 frames and bins) -> ``(B,)`` predicted normalised scores."""
        x = torch.stack([reference, estimate], dim=1)
        return self.head(self.convs(x)).squeeze(-1)
