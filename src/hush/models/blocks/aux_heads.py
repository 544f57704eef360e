"""Auxiliary multi-task heads that train beside an enhancement model and are not part of it (a model file never
holds them): noise estimation and audio tagging on the features a model exposes (``decoder_out``, ``decoder``).

They follow the multi-task setup of "Improving speech enhancement using audio tagging knowledge from pre-trained
representations and multi-task learning" on TCN-DenseUNet: noise estimation is an extra output of the decoder's
final 1x1 layer (here a separate 1x1 convolution on the same input, which is the same function) giving the noise's
complex ratio mask; audio tagging is a shallow CNN and two linear layers on the last decoder dense block, predicting
the frozen tagger's class probabilities.
"""

from __future__ import annotations

import torch
from torch import nn

from hush.dsp.stft import torch_istft
from hush.models.blocks.features import bounded_complex_mask


class NoiseHead(nn.Module):
    """``out["decoder_out"]`` ``(B, C, K, F)`` -> the noise waveform ``(B, T)``: a bounded complex ratio mask on the
    noisy STFT ``out["spec"]``, synthesised like the model's own output."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, 2, 1)

    def forward(self, out: dict[str, torch.Tensor], model: nn.Module, length: int) -> torch.Tensor:
        x = self.conv(out["decoder_out"])
        spec = out["spec"] * bounded_complex_mask(x[:, 0], x[:, 1])
        return torch_istft(spec, length, model.n_fft, model.hop_size, syn_window=model.syn_window)


class TaggingHead(nn.Module):
    """``out["decoder"]`` ``(B, C, K, F)`` -> ``(B, n_classes)`` clip-level logits: two stride-2 (frequency) 3x3
    convolutions with ELU, average over time and into 4 frequency groups, then two linear layers."""

    def __init__(self, channels: int, n_classes: int, width: int = 32, hidden: int = 256, groups: int = 4):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(channels, width, 3, stride=(1, 2), padding=1),
            nn.ELU(),
            nn.Conv2d(width, width, 3, stride=(1, 2), padding=1),
            nn.ELU(),
            nn.AdaptiveAvgPool2d((1, groups)),
            nn.Flatten(),
        )
        self.fc = nn.Sequential(nn.Linear(width * groups, hidden), nn.ELU(), nn.Linear(hidden, n_classes))

    def forward(self, decoder: torch.Tensor) -> torch.Tensor:
        return self.fc(self.cnn(decoder))
