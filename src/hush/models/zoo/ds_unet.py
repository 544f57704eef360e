"""Lightweight causal U-Net of depthwise-separable convolutions with squeeze-and-excitation: ``ds-unet``."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hush.models.base import register
from hush.models.blocks import UNetTimeConv, fit_bins
from hush.models.stft_mask import STFTModel


class _SqueezeExcite(nn.Module):
    """SE channel attention (Hu et al. 2018) squeezed over frequency only, per frame, so it stays causal."""

    def __init__(self, channels: int, reduction: int):
        super().__init__()
        hidden = max(channels // reduction, 2)
        self.fc = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        w = self.fc(x.mean(dim=-1).transpose(1, 2)).transpose(1, 2)  # (B, C, K)
        return x * w[..., None], w


class _DSBlock(nn.Module):
    """Depthwise (time x freq) conv, optionally strided in frequency → pointwise conv → BN → PReLU → SE."""

    def __init__(
        self, c_in: int, c_out: int, time_kernel: int, freq_kernel: int, stride: int, reduction: int, causal: bool
    ):
        super().__init__()
        dw = nn.Conv2d(
            c_in,
            c_in,
            (time_kernel, freq_kernel),
            stride=(1, stride),
            padding=(0, freq_kernel // 2),
            groups=c_in,
            bias=False,
        )
        self.depthwise = UNetTimeConv(dw, causal)
        self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
        self.norm = nn.BatchNorm2d(c_out)
        self.act = nn.PReLU(c_out)
        self.se = _SqueezeExcite(c_out, reduction)

    def forward(self, x: torch.Tensor, buf: torch.Tensor | None):
        x, buf = self.depthwise(x, buf)
        x, w = self.se(self.act(self.norm(self.pointwise(x))))
        return x, buf, w


@register("ds-unet")
class DSUNet(STFTModel):
    """Causal magnitude-mask U-Net built from depthwise-separable convolution blocks with squeeze-and-excitation.

    The lightweight in-vehicle U-Net design replaces every standard convolution of a spectrogram U-Net by a
    depthwise-separable one (a per-channel depthwise kernel followed by a 1x1 pointwise mixing, MobileNet-style),
    and recalibrates each block's channels with a squeeze-and-excitation unit (Hu, Shen & Sun, 2018,
    "Squeeze-and-excitation networks"), to get U-Net quality at a small fraction of the parameters and MACs for
    real-time embedded use. Here a causal (time_kernel x 3) stem maps the normalized log-power spectrum to
    ``channels[0]`` maps; each encoder block is a depthwise (time_kernel x freq_kernel) convolution with stride 2 in
    frequency, pointwise convolution, batch norm, PReLU and SE; each decoder block repeats its input along frequency
    (x2, nearest), concatenates the encoder skip and applies a stride-1 block; a 1x1 convolution and a sigmoid give
    a magnitude mask (floored at ``min_gain_db``). Simplification for causality: the SE "squeeze" averages over
    frequency within each frame instead of over the whole time–frequency map, so attention weights are per frame
    (exposed as ``"attention"``). All time convolutions pad on the past side only and keep a buffer of their last
    ``time_kernel - 1`` input frames, so streaming one frame per ``step`` equals the offline output (``causal=False``
    centres the time kernels instead, for offline use only).
    """

    def __init__(
        self,
        channels: list[int] | tuple[int, ...] = (16, 32, 48, 64),
        time_kernel: int | None = None,
        freq_kernel: int = 5,
        se_reduction: int = 4,
        causal: bool = True,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        **config: Any,
    ):
        channels = [int(c) for c in channels]
        if len(channels) < 2:
            raise ValueError("ds-unet: channels needs at least two levels (stem + one encoder block)")
        time_kernel = int(time_kernel) if time_kernel is not None else (2 if causal else 3)
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            channels=channels,
            time_kernel=time_kernel,
            freq_kernel=freq_kernel,
            se_reduction=se_reduction,
            causal=causal,
            min_gain_db=min_gain_db,
            **config,
        )
        self.causal = bool(causal)
        self.min_gain = 10 ** (min_gain_db / 20)
        self.in_norm = nn.BatchNorm2d(1)
        stem = nn.Conv2d(1, channels[0], (time_kernel, 3), padding=(0, 1))
        self.stem = UNetTimeConv(stem, self.causal)
        self.stem_post = nn.Sequential(nn.BatchNorm2d(channels[0]), nn.PReLU(channels[0]))
        self.enc = nn.ModuleList(
            _DSBlock(channels[i], channels[i + 1], time_kernel, freq_kernel, 2, se_reduction, self.causal)
            for i in range(len(channels) - 1)
        )
        self.dec = nn.ModuleList(
            _DSBlock(channels[i + 1] + channels[i], channels[i], time_kernel, freq_kernel, 1, se_reduction, self.causal)
            for i in reversed(range(len(channels) - 1))
        )
        self.head = nn.Conv2d(channels[0], 1, 1)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"channels": [4, 8, 8], "time_kernel": 2, "freq_kernel": 3, "se_reduction": 2, "n_fft": 128, "hop": 64}

    @property
    def lookahead(self) -> int:
        frames = self.stem.look + sum(b.depthwise.look for b in (*self.enc, *self.dec))
        return self.n_fft - 1 + self.hop_size * frames

    @property
    def supports_streaming(self) -> bool:
        return self.causal

    def network(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, Any], list]:
        bufs = list(state) if state is not None else [None] * (1 + len(self.enc) + len(self.dec))
        new: list = []
        x = self.in_norm(torch.log10(spec.real.square() + spec.imag.square() + 1e-10)[:, None])
        x, b = self.stem(x, bufs[0])
        new.append(b)
        x = self.stem_post(x)
        skips, attention = [], []
        for block in self.enc:
            skips.append(x)
            x, b, w = block(x, bufs[len(new)])
            new.append(b)
            attention.append(w)
        bottleneck = x
        for block, skip in zip(self.dec, reversed(skips), strict=True):
            x = fit_bins(x.repeat_interleave(2, dim=-1), skip.shape[-1])
            x, b, w = block(torch.cat([x, skip], dim=1), bufs[len(new)])
            new.append(b)
            attention.append(w)
        gain = self.min_gain + (1 - self.min_gain) * torch.sigmoid(self.head(x)[:, 0])
        return gain, {"bottleneck": bottleneck, "attention": torch.cat(attention, dim=1)}, new

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        gain, extra, state = self.network(spec, state)
        return spec * gain, {"gain": gain, **extra}, state
