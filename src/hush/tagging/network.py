"""EfficientAT ``mn04_as``: a MobileNetV3 at 0.4x width with an MLP head, 527 AudioSet classes.

Rebuilt from the layer table of the upstream model (Schmid, Koutini and Widmer, "Efficient large-scale audio tagging
via transformer-to-CNN knowledge distillation", ICASSP 2023; ``github.com/fschmid56/EfficientAT``, MIT licence); the
module names follow upstream's, so its state dict loads with ``strict=True``. Every convolution is bias-free and
followed by batch norm with eps 1e-3; squeeze-excitation uses a logistic sigmoid.
"""

from __future__ import annotations

import torch
from torch import nn

BN_EPS = 1e-3
N_CLASSES = 527
EMBEDDING_DIM = 384

# in, kernel, expansion, out, SE squeeze width (0: none), activation (RE: ReLU, HS: Hardswish), stride
BLOCKS: tuple[tuple[int, int, int, int, int, str, int], ...] = (
    (8, 3, 8, 8, 0, "RE", 1),
    (8, 3, 24, 16, 0, "RE", 2),
    (16, 3, 32, 16, 0, "RE", 1),
    (16, 5, 32, 16, 8, "RE", 2),
    (16, 5, 48, 16, 16, "RE", 1),
    (16, 5, 48, 16, 16, "RE", 1),
    (16, 3, 96, 32, 0, "HS", 2),
    (32, 3, 80, 32, 0, "HS", 1),
    (32, 3, 72, 32, 0, "HS", 1),
    (32, 3, 72, 32, 0, "HS", 1),
    (32, 3, 192, 48, 48, "HS", 1),
    (48, 3, 272, 48, 72, "HS", 1),
    (48, 5, 272, 64, 72, "HS", 2),
    (64, 5, 384, 64, 96, "HS", 1),
    (64, 5, 384, 64, 96, "HS", 1),
)


def _conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1, act: str | None = None):
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out, eps=BN_EPS),
    ]
    if act is not None:
        layers.append(nn.ReLU() if act == "RE" else nn.Hardswish())
    return nn.Sequential(*layers)


class _SqueezeExcite(nn.Module):
    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.fc1 = nn.Linear(channels, squeeze)
        self.fc2 = nn.Linear(squeeze, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean(dim=(2, 3))
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class _ConcurrentSE(nn.Module):
    """Upstream's container of one SE branch (its max over one branch is the identity); kept for the key names."""

    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.conc_se_layers = nn.ModuleList([_SqueezeExcite(channels, squeeze)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conc_se_layers[0](x)


class _InvertedResidual(nn.Module):
    def __init__(self, c_in: int, kernel: int, exp: int, c_out: int, se: int, act: str, stride: int):
        super().__init__()
        layers: list[nn.Module] = []
        if exp != c_in:
            layers.append(_conv_bn(c_in, exp, 1, act=act))
        layers.append(_conv_bn(exp, exp, kernel, stride, groups=exp, act=act))
        if se:
            layers.append(_ConcurrentSE(exp, se))
        layers.append(_conv_bn(exp, c_out, 1))
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.residual else y


class MobileNetTagger(nn.Module):
    """``(B, 1, 128, T)`` log-mel -> ``(logits (B, 527), embedding (B, 384))``."""

    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = [_conv_bn(1, 8, 3, stride=2, act="HS")]
        layers += [_InvertedResidual(*cfg) for cfg in BLOCKS]
        layers.append(_conv_bn(64, EMBEDDING_DIM, 1, act="HS"))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(EMBEDDING_DIM, 512),
            nn.Hardswish(),
            nn.Dropout(0.2),
            nn.Linear(512, N_CLASSES),
        )

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.features(mel)
        embedding = x.mean(dim=(2, 3))
        return self.classifier[2:](embedding), embedding
