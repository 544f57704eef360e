"""Time-domain 1-D U-Net: ``wave-u-net`` (Stoller, Ewert & Dixon 2018), non-causal by default, optional causal."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hush.models.base import SEModel, register


class _Conv(nn.Module):
    """``Conv1d`` with stride 1 whose time padding is done here: ``past`` samples on the left (zeros or the carried
    buffer) and ``look`` on the right (zeros, non-causal only); the output keeps the input length."""

    def __init__(self, c_in: int, c_out: int, kernel: int, causal: bool):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel)
        self.look = 0 if causal else (kernel - 1) // 2
        self.past = kernel - 1 - self.look

    def forward(self, x: torch.Tensor, buf: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.past:
            if buf is None:
                buf = x.new_zeros(x.shape[0], x.shape[1], self.past)
            x = torch.cat([buf, x], dim=-1)
            buf = x[..., -self.past :]
        return self.conv(F.pad(x, (0, self.look)) if self.look else x), buf


def _upsample(x: torch.Tensor, causal: bool, prev: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Linear interpolation by 2 of ``(B, C, n)`` (sample m sits at position 2m, as kept by the decimation).

    Non-causal: ``out[2m] = x[m]``, ``out[2m+1] = (x[m] + x[m+1]) / 2`` (last sample repeated at the end).
    Causal: the same line delayed by one output sample, ``out[2m] = (x[m-1] + x[m]) / 2``, ``out[2m+1] = x[m]``,
    with ``x[-1]`` taken from ``prev`` (the previous block's last sample, zeros at the start).
    """
    if causal:
        if prev is None:
            prev = x.new_zeros(x.shape[0], x.shape[1], 1)
        before = torch.cat([prev, x[..., :-1]], dim=-1)
        pair = (0.5 * (before + x), x)
        prev = x[..., -1:]
    else:
        after = torch.cat([x[..., 1:], x[..., -1:]], dim=-1)
        pair = (x, 0.5 * (x + after))
    return torch.stack(pair, dim=-1).flatten(-2), prev


@register("wave-u-net")
class WaveUNet(SEModel):
    """Wave-U-Net: a 1-D U-Net on the raw waveform with decimation downsampling and linear-interpolation upsampling.

    Stoller, Ewert & Dixon (2018), "Wave-U-Net: A multi-scale neural network for end-to-end audio source
    separation" (applied to speech enhancement by Macartney & Weyde, 2018). The paper's network has L downsampling
    blocks (a width-15 convolution with ``F_c * (i + 1)`` filters and leaky ReLU, then decimation by 2, keeping the
    pre-decimation features for a skip connection), a width-15 bottleneck convolution, and L upsampling blocks
    (linear interpolation by 2, concatenation with the skip features, a width-5 convolution and leaky ReLU); the
    last features are concatenated with the input mixture and a 1x1 convolution with tanh (or linear) output gives
    the estimate. This follows it with zero-padded ("same") convolutions, i.e. the paper's baseline rather than its
    context-aware valid-convolution variant; the input is zero-padded to a multiple of ``2**levels`` and the output
    cropped back. The default is non-causal (centred kernels, the paper's version); its ``lookahead`` is the
    receptive-field half-width in samples (about 1.1 s for the defaults). ``causal=True`` uses past-only
    convolutions and a causal (one-sample-delayed) linear interpolation, so ``lookahead`` is 0 and the model
    streams block-wise: ``step`` consumes ``2**levels`` samples and carries each layer's last input samples, which
    reproduces the offline output exactly (``stream_delay`` 0, but a block latency of ``2**levels`` samples).
    """

    def __init__(
        self,
        levels: int = 10,
        base_filters: int = 24,
        down_kernel: int = 15,
        up_kernel: int = 5,
        output: str = "tanh",
        causal: bool = False,
        **config: Any,
    ):
        if output not in ("tanh", "linear"):
            raise ValueError(f"wave-u-net: output must be 'tanh' or 'linear', not {output!r}")
        super().__init__(
            levels=levels,
            base_filters=base_filters,
            down_kernel=down_kernel,
            up_kernel=up_kernel,
            output=output,
            causal=causal,
            **config,
        )
        self.causal = bool(causal)
        self.levels, self.output_kind = int(levels), output
        self.hop_size = 2**self.levels
        fc = base_filters
        self.down = nn.ModuleList(
            _Conv(1 if i == 0 else fc * i, fc * (i + 1), down_kernel, self.causal) for i in range(self.levels)
        )
        self.bottom = _Conv(fc * self.levels, fc * (self.levels + 1), down_kernel, self.causal)
        self.up = nn.ModuleList(
            _Conv(fc * (i + 2) + fc * (i + 1), fc * (i + 1), up_kernel, self.causal)
            for i in reversed(range(self.levels))
        )
        self.out = nn.Conv1d(fc + 1, 1, 1)
        self.act = nn.LeakyReLU(0.2)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"levels": 3, "base_filters": 4, "down_kernel": 5, "up_kernel": 3, "causal": True}

    @property
    def lookahead(self) -> int:
        if self.causal:
            return 0
        lv = self.levels
        down = sum(2**i * self.down[i].look for i in range(lv)) + 2**lv * self.bottom.look
        up = sum(2**i * (1 + self.up[lv - 1 - i].look) for i in range(lv))  # +1: interpolation reads x[m + 1]
        return down + up

    @property
    def supports_streaming(self) -> bool:
        return self.causal

    # ------------------------------------------------------------------ network
    def network(self, x: torch.Tensor, state: list | None) -> tuple[torch.Tensor, torch.Tensor, list]:
        """``(B, T)`` with T a multiple of ``2**levels`` → output ``(B, T)``, bottleneck and new buffers."""
        bufs = list(state) if state is not None else [None] * (1 + 3 * self.levels)
        new: list = []
        inp = x[:, None]
        h = inp
        skips = []
        for conv in self.down:
            h, b = conv(h, bufs[len(new)])
            new.append(b)
            h = self.act(h)
            skips.append(h)
            h = h[..., ::2]  # decimation
        h, b = self.bottom(h, bufs[len(new)])
        new.append(b)
        h = self.act(h)
        bottleneck = h
        for conv, skip in zip(self.up, reversed(skips), strict=True):
            h, b = _upsample(h, self.causal, bufs[len(new)])
            new.append(b)
            h, b = conv(torch.cat([h, skip], dim=1), bufs[len(new)])
            new.append(b)
            h = self.act(h)
        y = self.out(torch.cat([h, inp], dim=1))[:, 0]
        if self.output_kind == "tanh":
            y = torch.tanh(y)
        return y, bottleneck, new

    def forward(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        t = noisy.shape[-1]
        x = F.pad(noisy, (0, -t % self.hop_size))
        y, bottleneck, _ = self.network(x, None)
        return {"enhanced": y[..., :t], "bottleneck": bottleneck}

    # ------------------------------------------------------------------ streaming (causal only)
    def init_state(self, batch: int = 1) -> list | None:
        if not self.causal:
            raise NotImplementedError("wave-u-net streams only with causal=True")
        return None  # every layer buffer starts as zeros

    def step(self, hop: torch.Tensor, state: list | None) -> tuple[torch.Tensor, list]:
        y, _, state = self.network(hop, state)
        return y, state
