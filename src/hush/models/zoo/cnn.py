"""Convolutional mask networks on log-power STFT features: ``cnn1d`` (1-D convs along time or frequency) and
``cnn2d`` (2-D convs over time x frequency), causal along time with per-layer streaming buffers."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from hush.errors import MethodError
from hush.models.base import register
from hush.models.blocks import FeatureNorm, log_power, stack_context
from hush.models.stft_mask import STFTModel


def _per_layer(value: int | list[int] | None, n: int, default: list[int], name: str) -> list[int]:
    if value is None:
        return list(default)
    if isinstance(value, int):
        return [value] * n
    value = [int(v) for v in value]
    if len(value) != n:
        raise MethodError(f"{name} needs one value per layer ({n}), got {len(value)}")
    return value


def _split(total: int, causal: bool) -> tuple[int, int]:
    """(left, right) padding of ``total`` frames: all on the left when causal, centred otherwise."""
    return (total, 0) if causal else (total - total // 2, total // 2)


class _Conv(nn.Module):
    """Conv -> BatchNorm -> ReLU (+ residual when the widths match) on ``(B, C, K)`` or ``(B, C, K, F)``.

    ``k_t``/``dilation`` act on the time axis (dim 2): causal padding keeps the last ``(k_t-1)*dilation`` input
    frames as streaming state, otherwise zero padding is centred. 2-D layers (``k_f`` given) pad frequency "same".
    With ``freq_1d`` the layer is a per-frame 1-D conv along the last axis (frequency) of ``(N, C, F)`` input:
    ``k_t``/``dilation`` then apply to frequency with "same" padding and there is no time extent or state.
    """

    def __init__(
        self, cin: int, cout: int, k_t: int, dilation: int, causal: bool, k_f: int | None = None, freq_1d: bool = False
    ):
        super().__init__()
        self.causal, self.two_d, self.freq_1d = causal, k_f is not None, freq_1d
        self.pad_t = (k_t - 1) * dilation
        self.left, self.right = _split(self.pad_t, causal)
        if freq_1d:  # 1-D conv along the last axis (frequency), no time extent
            self.conv = nn.Conv1d(cin, cout, k_t, dilation=dilation)
            self.pad_f = _split(self.pad_t, False)
            self.pad_t = self.left = self.right = 0
        elif self.two_d:
            self.conv = nn.Conv2d(cin, cout, (k_t, k_f), dilation=(dilation, 1))
            self.pad_f = _split(k_f - 1, False)
        else:
            self.conv = nn.Conv1d(cin, cout, k_t, dilation=dilation)
        self.norm = nn.BatchNorm2d(cout) if self.two_d else nn.BatchNorm1d(cout)
        self.residual = cin == cout

    def forward(self, x: torch.Tensor, buf: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        inp = x
        if self.freq_1d:
            x = F.pad(x, self.pad_f)
        else:
            if self.two_d:
                x = F.pad(x, self.pad_f)
            if self.causal and self.pad_t:
                if buf is None:
                    buf = x.new_zeros(*x.shape[:2], self.pad_t, *x.shape[3:])
                x = torch.cat([buf, x], dim=2)
                buf = x[:, :, x.shape[2] - self.pad_t :]
            elif self.pad_t:
                pad = (0, 0, self.left, self.right) if self.two_d else (self.left, self.right)
                x = F.pad(x, pad)
        y = torch.relu(self.norm(self.conv(x)))
        return (y + inp if self.residual else y), buf


class _ConvMask(STFTModel):
    """Shared pipeline: normalised log-power -> conv stack -> sigmoid gain per bin; ``features`` = last hidden map."""

    future_frames = 0  # lookahead frames beyond the current one (non-causal models)

    @property
    def lookahead(self) -> int:
        return self.n_fft - 1 + self.future_frames * self.hop_size

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, torch.Tensor]:
        raise NotImplementedError

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        gain, state, hidden = self._run(spec, state)
        return spec * gain, {"gain": gain, "features": hidden}, state

    def _gain(self, logits: torch.Tensor) -> torch.Tensor:
        return self.min_gain + (1 - self.min_gain) * torch.sigmoid(logits)

    def _stack(self, x: torch.Tensor, bufs: list | None) -> tuple[torch.Tensor, list]:
        bufs = bufs if bufs is not None else [None] * len(self.layers)
        new = []
        for layer, buf in zip(self.layers, bufs, strict=True):
            x, buf = layer(x, buf)
            new.append(buf)
        return x, new


@register("cnn1d")
class CNN1DMask(_ConvMask):
    """1-D convolutional mask network, convolving along time (bins as channels) or along frequency (per frame).

    ``axis="time"`` (default): the normalised log-power bins of each frame are the input channels of a stack of
    dilated 1-D convolutions along time (kernel 3, dilations 1, 2, 4, ... as in temporal convolutional networks),
    each followed by batch norm and ReLU with residual connections between equal widths, and a 1x1 convolution
    with sigmoid gives the gain per bin. With ``causal=True`` the padding is all on the past and each layer keeps
    its last ``(k-1)*dilation`` input frames as streaming state; ``causal=False`` centres the kernels, adding
    ``sum((k-1)*d//2)`` frames of lookahead. ``axis="frequency"`` follows Park & Lee's redundant convolutional
    encoder-decoder (R-CED): each frame (with ``context`` past frames spliced as input channels, 8 frames in the
    paper) is processed by 1-D convolutions along frequency without pooling, widths 12-16-20-24-32-24-20-16-12 and
    kernels 13-11-9-7-7-7-9-11-13, batch norm and ReLU, and a final convolution to one channel; this is causal
    frame by frame (streaming state = the last ``context`` feature frames; ``causal=False`` splices ``context``
    future frames too). Simplified: R-CED regresses the clean magnitude, here a sigmoid mask (bounded below by
    ``min_gain``) is predicted and trained end to end on the waveform.

    References: S. R. Park, J. Lee, "A fully convolutional neural network for speech enhancement", Interspeech 2017;
    S.-W. Fu, Y. Tsao, X. Lu, H. Kawai, "Raw waveform-based speech enhancement by fully convolutional networks",
    APSIPA 2017 (fully convolutional enhancement); S. Bai, J. Z. Kolter, V. Koltun, "An empirical evaluation of
    generic convolutional and recurrent networks for sequence modeling", 2018 (dilated causal convolutions).
    """

    def __init__(
        self,
        axis: str = "time",
        channels: list[int] | None = None,
        kernel_size: int | list[int] | None = None,
        dilations: list[int] | None = None,
        context: int | None = None,
        causal: bool = True,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        **config: Any,
    ):
        if axis not in ("time", "frequency"):
            raise MethodError(f"cnn1d: axis must be 'time' or 'frequency', not {axis!r}")
        if axis == "time":
            channels = list(channels) if channels is not None else [256] * 6
            n = len(channels)
            kernel_size = _per_layer(kernel_size, n, [3] * n, "cnn1d kernel_size")
            dilations = _per_layer(dilations, n, [2**i for i in range(n)], "cnn1d dilations")
            if context:
                raise MethodError("cnn1d: context frames apply to axis='frequency' only")
            context = 0
        else:
            channels = list(channels) if channels is not None else [12, 16, 20, 24, 32, 24, 20, 16, 12]
            n = len(channels)
            default_k = [13, 11, 9, 7, 7, 7, 9, 11, 13] if n == 9 else [9] * n
            kernel_size = _per_layer(kernel_size, n, default_k, "cnn1d kernel_size")
            dilations = _per_layer(dilations, n, [1] * n, "cnn1d dilations")
            context = 7 if context is None else int(context)
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            axis=axis,
            channels=channels,
            kernel_size=kernel_size,
            dilations=dilations,
            context=context,
            causal=bool(causal),
            min_gain_db=min_gain_db,
            **config,
        )
        self.causal, self.axis, self.context = bool(causal), axis, context
        self.min_gain = 10 ** (min_gain_db / 20)
        self.norm = FeatureNorm(self.n_bins)
        layers = []
        if axis == "time":
            cin = self.n_bins
            for c, k, d in zip(channels, kernel_size, dilations, strict=True):
                layers.append(_Conv(cin, c, k, d, self.causal))
                cin = c
            self.head = nn.Conv1d(cin, self.n_bins, 1)
            self.future_frames = sum(layer.right for layer in layers)
        else:
            self.future_frames = 0 if self.causal else context
            cin = context + 1 + self.future_frames
            for c, k, d in zip(channels, kernel_size, dilations, strict=True):
                layers.append(_Conv(cin, c, k, d, False, freq_1d=True))
                cin = c
            self.head = nn.Conv1d(cin, 1, kernel_size[-1])
            self.head_pad = _split(kernel_size[-1] - 1, False)
        self.layers = nn.ModuleList(layers)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"channels": [32, 32, 32], "kernel_size": 3, "dilations": [1, 2, 4], "n_fft": 128, "hop": 64}

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, torch.Tensor]:
        x, _, _ = self.norm(log_power(spec))  # (B, K, F)
        b, k, f = x.shape
        if self.axis == "time":
            h, bufs = self._stack(x.transpose(1, 2), state)  # (B, C, K)
            gain = self._gain(self.head(h)).transpose(1, 2)
            return gain, bufs, h.transpose(1, 2)
        ctx, state = stack_context(x, state, self.context, self.future_frames)  # (B, K, W, F)
        h, _ = self._stack(ctx.reshape(b * k, -1, f), None)  # (B*K, C, F)
        gain = self._gain(self.head(F.pad(h, self.head_pad))).reshape(b, k, f)
        return gain, state, h.reshape(b, k, -1, f)


@register("cnn2d")
class CNN2DMask(_ConvMask):
    """2-D convolutional mask network over the (time, frequency) log-power spectrogram.

    Fully convolutional 2-D CNNs for spectral masking (e.g. Fu et al.'s SNR-aware CNN, Park & Lee's fully
    convolutional networks) stack small 2-D kernels over the noisy log-spectrogram, with batch norm and ReLU,
    keeping full frequency resolution and ending in a per-bin mask. This implementation uses ``len(channels)``
    such layers with kernel ``(k_t, k_f)`` (default 3 x 5), time dilations 1, 2, 4, ... to grow the temporal
    receptive field, residual connections between equal widths, and a 1x1 convolution to a sigmoid gain per bin.
    With ``causal=True`` the time padding is all on the past and each layer keeps its last ``(k_t-1)*dilation``
    input frames as streaming state (step() equals the offline pass); ``causal=False`` centres the time kernels
    (lookahead ``sum((k_t-1)*d//2)`` frames). Simplified: no pooling/upsampling (see the U-Net family for that)
    and the mask is trained end to end on the waveform.

    References: S.-W. Fu, Y. Tsao, X. Lu, "SNR-aware convolutional neural network modeling for speech
    enhancement", Interspeech 2016; S. R. Park, J. Lee, "A fully convolutional neural network for speech
    enhancement", Interspeech 2017.
    """

    def __init__(
        self,
        channels: list[int] | None = None,
        kernel_size: list[int] | None = None,
        dilations: list[int] | None = None,
        causal: bool = True,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        **config: Any,
    ):
        channels = list(channels) if channels is not None else [32] * 5
        n = len(channels)
        kernel_size = [int(v) for v in kernel_size] if kernel_size is not None else [3, 5]
        if len(kernel_size) != 2:
            raise MethodError("cnn2d: kernel_size is [k_time, k_freq]")
        dilations = _per_layer(dilations, n, [2**i for i in range(n)], "cnn2d dilations")
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            channels=channels,
            kernel_size=kernel_size,
            dilations=dilations,
            causal=bool(causal),
            min_gain_db=min_gain_db,
            **config,
        )
        self.causal = bool(causal)
        self.min_gain = 10 ** (min_gain_db / 20)
        self.norm = FeatureNorm(self.n_bins)
        k_t, k_f = kernel_size
        layers, cin = [], 1
        for c, d in zip(channels, dilations, strict=True):
            layers.append(_Conv(cin, c, k_t, d, self.causal, k_f=k_f))
            cin = c
        self.layers = nn.ModuleList(layers)
        self.head = nn.Conv2d(cin, 1, 1)
        self.future_frames = sum(layer.right for layer in layers)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"channels": [8, 8, 8], "kernel_size": [3, 3], "dilations": [1, 2, 4], "n_fft": 128, "hop": 64}

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, torch.Tensor]:
        x, _, _ = self.norm(log_power(spec))  # (B, K, F)
        h, bufs = self._stack(x[:, None], state)  # (B, C, K, F)
        gain = self._gain(self.head(h))[:, 0]
        return gain, bufs, h
