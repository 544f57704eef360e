"""Discriminators for adversarial training of any enhancement model (real vs enhanced speech).

* :class:`WaveformDiscriminator`: SEGAN's conditional discriminator (Pascual et al. 2017) in a compact form: it
  sees the waveform under test stacked with the noisy input it was enhanced from, and strided 1-D convolutions
  (spectral norm, leaky ReLU) give one real/fake logit per patch of about 1024 samples (SEGAN's virtual batch norm
  is replaced by spectral normalisation, as most later GAN enhancers do).
* :class:`STFTDiscriminator` / :class:`MultiResolutionSTFTDiscriminator`: 2-D convolutions over the real and
  imaginary STFT of the waveform at several resolutions, as in vocoder-style enhancers (UnivNet, HiFi-GAN-2,
  DAC): each resolution sees different time-frequency trade-offs; logits per time-frequency patch.

Every discriminator returns a list of ``(logits, features)`` pairs, one per sub-discriminator: ``logits`` of any
shape (averaged by the losses) and ``features``, the hidden activations that feature matching compares.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

Outputs = list[tuple[Tensor, list[Tensor]]]


class WaveformDiscriminator(nn.Module):
    """Conditional waveform discriminator: ``(B, T)`` signal and ``(B, T)`` noisy condition -> patch logits."""

    def __init__(self, channels: int = 16, layers: int = 5, conditional: bool = True):
        super().__init__()
        self.conditional = bool(conditional)
        convs: list[nn.Module] = [spectral_norm(nn.Conv1d(2 if conditional else 1, channels, 15, padding=7))]
        c = channels
        for _ in range(layers):
            c_out = min(4 * c, 16 * channels)
            convs.append(spectral_norm(nn.Conv1d(c, c_out, 31, stride=4, padding=15, groups=max(c // 16, 1))))
            c = c_out
        convs.append(spectral_norm(nn.Conv1d(c, c, 5, padding=2)))
        self.convs = nn.ModuleList(convs)
        self.out = spectral_norm(nn.Conv1d(c, 1, 3, padding=1))

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Outputs:
        if self.conditional and cond is None:
            raise ValueError("a conditional waveform discriminator needs the noisy input as cond")
        h = torch.stack([x, cond], 1) if self.conditional else x[:, None]
        feats = []
        for conv in self.convs:
            h = nn.functional.leaky_relu(conv(h), 0.2)
            feats.append(h)
        return [(self.out(h).flatten(1), feats)]


class STFTDiscriminator(nn.Module):
    """One resolution: ``(B, T)`` -> logits over patches of its real/imaginary STFT ``(B, 2, frames, bins)``; every
    convolution but the last two halves the frequency axis."""

    def __init__(self, n_fft: int, hop: int, channels: int = 16, layers: int = 3):
        super().__init__()
        self.n_fft, self.hop = int(n_fft), int(hop)
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)
        convs: list[nn.Module] = [weight_norm(nn.Conv2d(2, channels, (3, 9), stride=(1, 2), padding=(1, 4)))]
        for _ in range(layers):
            convs.append(weight_norm(nn.Conv2d(channels, channels, (3, 9), stride=(1, 2), padding=(1, 4))))
        convs.append(weight_norm(nn.Conv2d(channels, channels, 3, padding=1)))
        self.convs = nn.ModuleList(convs)
        self.out = weight_norm(nn.Conv2d(channels, 1, 3, padding=1))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        spec = torch.stft(x, self.n_fft, self.hop, window=self.window, return_complex=True).transpose(1, 2)
        h = torch.stack([spec.real, spec.imag], 1)
        feats = []
        for conv in self.convs:
            h = nn.functional.leaky_relu(conv(h), 0.2)
            feats.append(h)
        return self.out(h).flatten(1), feats


class MultiResolutionSTFTDiscriminator(nn.Module):
    """One :class:`STFTDiscriminator` per ``(n_fft, hop)`` resolution; unconditional (``cond`` is ignored)."""

    def __init__(self, resolutions: list[tuple[int, int]], channels: int = 16, layers: int = 3):
        super().__init__()
        self.discs = nn.ModuleList([STFTDiscriminator(n, h, channels, layers) for n, h in resolutions])

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Outputs:
        return [d(x) for d in self.discs]


class Discriminators(nn.ModuleList):
    """Several discriminators used together: their outputs are concatenated."""

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Outputs:
        return [pair for d in self for pair in d(x, cond)]
