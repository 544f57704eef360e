"""Convolutions that handle the time axis frame-synchronously, so that a causal layer run frame by frame (with the
returned buffer) equals one run over all frames.

Two wrappers, because their non-causal padding of an even kernel differs (trained models depend on it):
:class:`TimeConv` puts the extra frame on the future side and takes 1-D or 2-D, dilated layers; :class:`UNetTimeConv`
puts it on the past side and also crops frequency-strided transposed convolutions.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn


class TimeConv(nn.Module):
    """Convolution over ``(B, C, K, F)`` (2-D) or ``(B, C, K)`` (1-D) tensors whose time axis ``K`` is handled here.

    The wrapped layer has no time padding; causal layers prepend the ``context = (kt - 1) * dilation`` previous
    frames (zeros at the start, or the buffer carried in the streaming state) and return the new buffer, so running
    frame by frame equals running on the whole sequence. Non-causal layers pad symmetrically (the extra frame of an
    even kernel goes to the future side) and keep no state. ``transposed=True`` wraps a stride-1-in-time transposed
    convolution, which with time padding ``kt - 1`` is again a causal convolution over the prepended context.
    """

    def __init__(self, layer: nn.Module, causal: bool = True):
        super().__init__()
        self.layer = layer
        self.causal = causal
        kt, dt = layer.kernel_size[0], layer.dilation[0]
        self.context = (kt - 1) * dt
        self.past = self.context if causal else self.context // 2
        self.future = self.context - self.past

    def forward(self, x: torch.Tensor, buf: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.context == 0:
            return self.layer(x), None
        extra = (0, 0) if x.dim() == 4 else ()
        if not self.causal:
            return self.layer(F.pad(x, (*extra, self.past, self.future))), None
        if buf is None:
            buf = x.new_zeros(*x.shape[:2], self.context, *x.shape[3:])
        xx = torch.cat([buf, x], dim=2)
        return self.layer(xx), xx[:, :, xx.shape[2] - self.context :]


class StateCursor:
    """Hands out the streaming buffers of successive :class:`TimeConv` layers and collects the new ones."""

    def __init__(self, bufs: list | None):
        self._in: Iterator | None = iter(bufs) if bufs is not None else None
        self.out: list = []

    def __call__(self, conv: TimeConv, x: torch.Tensor) -> torch.Tensor:
        y, buf = conv(x, next(self._in) if self._in is not None else None)
        self.out.append(buf)
        return y


class UNetTimeConv(nn.Module):
    """A ``Conv2d`` or ``ConvTranspose2d`` (strided along frequency) on ``(B, C, K frames, F bins)`` with stride 1 and
    no padding along time: the encoder/decoder layer of the U-Net families (``unet``, ``ds-unet``).

    Time padding is done here: ``past`` frames on the left (zeros, or the carried buffer of the previous call's last
    frames when streaming) and ``look`` future frames on the right (non-causal only), so the output has exactly K
    frames. With ``causal=True``, ``look == 0`` and calling it frame by frame with the returned buffer equals one
    call over all frames.
    """

    def __init__(self, conv: nn.Conv2d | nn.ConvTranspose2d, causal: bool = True):
        super().__init__()
        self.conv = conv
        self.transposed = isinstance(conv, nn.ConvTranspose2d)
        kt = conv.kernel_size[0]
        if conv.stride[0] != 1 or conv.padding[0] != 0:
            raise ValueError("UNetTimeConv needs stride 1 and no padding along time")
        self.kt = kt
        self.look = 0 if causal else (kt - 1) // 2
        self.past = kt - 1 - self.look

    def forward(self, x: torch.Tensor, buf: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        k = x.shape[2]
        if self.past:
            if buf is None:
                buf = x.new_zeros(x.shape[0], x.shape[1], self.past, x.shape[3])
            x = torch.cat([buf, x], dim=2)
            buf = x[:, :, -self.past :]
        if self.transposed:  # full output index n = input index + tap: frame t sits at kt - 1 + t
            y = self.conv(x)[:, :, self.kt - 1 : self.kt - 1 + k]
        else:
            y = self.conv(F.pad(x, (0, 0, 0, self.look)) if self.look else x)
        return y, buf


def fit_bins(x: torch.Tensor, n: int) -> torch.Tensor:
    """Crop or zero-pad the last (frequency) axis to ``n`` bins."""
    f = x.shape[-1]
    return x[..., :n] if f >= n else F.pad(x, (0, n - f))
