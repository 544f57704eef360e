"""Time–frequency U-Net on the STFT: ``unet`` (real mask or bounded complex ratio mask)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hush.models.base import register
from hush.models.blocks import UNetTimeConv, fit_bins
from hush.models.stft_mask import STFTModel


@register("unet")
class UNet(STFTModel):
    """2-D time–frequency U-Net with skip connections estimating a real mask or a bounded complex ratio mask.

    The U-Net of Ronneberger et al. (2015) is an encoder of strided convolutions whose feature maps are concatenated
    ("skip connections") into a mirrored decoder of transposed convolutions; Jansson et al. (2017, "Singing voice
    separation with deep U-Net convolutional networks") applied it to magnitude spectrograms and Choi et al. (2019,
    "Phase-aware speech enhancement with deep complex U-Net") made it phase-aware with a bounded complex ratio
    mask. Here each encoder layer is a (time_kernel x freq_kernel) convolution with stride 2 along frequency only
    (stride 1 in time, so every layer stays frame-synchronous), batch norm and leaky ReLU; each decoder layer is the
    matching transposed convolution applied to the concatenation of the previous decoder output and the encoder
    skip. Input features are either the normalized log-power spectrum (``input="logmag"``, 1 channel) or the
    power-law compressed (|X|^0.3) real and imaginary parts (``input="ri"``, 2 channels). ``output="mask"`` gives a
    sigmoid magnitude mask; ``output="complex"`` gives the bounded complex ratio mask of DCUNet/DCCRN,
    ``tanh(|M|) * M / |M|`` (magnitude below 1, free phase) from two real output channels. Simplified w.r.t. DCUNet:
    the convolutions are real-valued (real/imag as channels) rather than complex-valued. With ``causal=True`` every
    convolution is padded on the past side only and keeps a buffer of its last ``time_kernel - 1`` input frames, so
    streaming one frame per call equals the offline output (``time_kernel`` defaults to 2). With ``causal=False``
    the time kernels are centred (default 3, one future frame per layer, ``2 * len(channels)`` frames in all, added
    to ``lookahead``) and the model does not stream.
    """

    def __init__(
        self,
        channels: list[int] | tuple[int, ...] = (16, 32, 64, 64, 128),
        time_kernel: int | None = None,
        freq_kernel: int = 5,
        input: str = "ri",
        output: str = "complex",
        causal: bool = True,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        **config: Any,
    ):
        if input not in ("ri", "logmag"):
            raise ValueError(f"unet: input must be 'ri' or 'logmag', not {input!r}")
        if output not in ("complex", "mask"):
            raise ValueError(f"unet: output must be 'complex' or 'mask', not {output!r}")
        channels = [int(c) for c in channels]
        time_kernel = int(time_kernel) if time_kernel is not None else (2 if causal else 3)
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            channels=channels,
            time_kernel=time_kernel,
            freq_kernel=freq_kernel,
            input=input,
            output=output,
            causal=causal,
            min_gain_db=min_gain_db,
            **config,
        )
        self.causal = bool(causal)
        self.input_kind, self.output_kind = input, output
        self.min_gain = 10 ** (min_gain_db / 20)
        c_in = 2 if input == "ri" else 1
        n_out = 2 if output == "complex" else 1
        pf = freq_kernel // 2
        self.in_norm = nn.BatchNorm2d(c_in)
        self.enc = nn.ModuleList()
        self.enc_post = nn.ModuleList()
        prev = c_in
        for c in channels:
            conv = nn.Conv2d(prev, c, (time_kernel, freq_kernel), stride=(1, 2), padding=(0, pf))
            self.enc.append(UNetTimeConv(conv, self.causal))
            self.enc_post.append(nn.Sequential(nn.BatchNorm2d(c), nn.LeakyReLU(0.2)))
            prev = c
        self.dec = nn.ModuleList()
        self.dec_post = nn.ModuleList()
        for i in reversed(range(len(channels))):
            cin = channels[i] * (1 if i == len(channels) - 1 else 2)
            cout = channels[i - 1] if i > 0 else n_out
            conv = nn.ConvTranspose2d(cin, cout, (time_kernel, freq_kernel), stride=(1, 2), padding=(0, pf))
            self.dec.append(UNetTimeConv(conv, self.causal))
            self.dec_post.append(nn.Sequential(nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)) if i > 0 else nn.Identity())

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"channels": [4, 8, 8], "time_kernel": 2, "freq_kernel": 3, "n_fft": 128, "hop": 64}

    @property
    def lookahead_frames(self) -> int:
        return sum(m.look for m in (*self.enc, *self.dec))

    @property
    def lookahead(self) -> int:
        return self.n_fft - 1 + self.hop_size * self.lookahead_frames

    @property
    def supports_streaming(self) -> bool:
        return self.causal

    # ------------------------------------------------------------------ network
    def features(self, spec: torch.Tensor) -> torch.Tensor:
        """``(B, K, F)`` complex spectrum → ``(B, C, K, F)`` network input."""
        power = spec.real.square() + spec.imag.square()
        if self.input_kind == "logmag":
            x = torch.log10(power + 1e-10)[:, None]
        else:
            comp = spec * (power + 1e-12) ** ((0.3 - 1) / 2)  # |X|^0.3 e^{j angle X}
            x = torch.stack([comp.real, comp.imag], dim=1)
        return self.in_norm(x)

    def network(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, torch.Tensor, list]:
        """Returns the gain ``(B, K, F)``, the bottleneck ``(B, C, K, F')`` and the new per-layer buffers."""
        bufs = list(state) if state is not None else [None] * (len(self.enc) + len(self.dec))
        new: list = []
        x = self.features(spec)
        skips = []
        for conv, post in zip(self.enc, self.enc_post, strict=True):
            skips.append(x)
            x, b = conv(x, bufs[len(new)])
            new.append(b)
            x = post(x)
        bottleneck = x
        n = len(self.enc)
        for j, (conv, post) in enumerate(zip(self.dec, self.dec_post, strict=True)):
            i = n - 1 - j  # this layer maps encoder level i's output back to level i's input size
            if j > 0:
                x = torch.cat([x, skips[i + 1]], dim=1)
            x, b = conv(x, bufs[len(new)])
            new.append(b)
            x = post(fit_bins(x, skips[i].shape[-1]))
        if self.output_kind == "complex":
            re, im = x[:, 0], x[:, 1]
            mag = torch.sqrt(re.square() + im.square() + 1e-8)
            scale = torch.tanh(mag) / mag
            gain = torch.complex(re * scale, im * scale)
        else:
            gain = self.min_gain + (1 - self.min_gain) * torch.sigmoid(x[:, 0])
        return gain, bottleneck, new

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        gain, bottleneck, state = self.network(spec, state)
        return spec * gain, {"gain": gain, "bottleneck": bottleneck}, state
