"""``mp-senet``: explicit estimation of magnitude and phase spectra in parallel (Lu, Ai & Ling 2023, "MP-SENet: A
speech enhancement model with parallel denoising of magnitude and phase spectra"; Interspeech 2023 and its TASLP
extension "Explicit estimation of magnitude and phase spectra in parallel for high-quality speech enhancement").

* Input: the power-law compressed noisy magnitude ``|X|^c`` (``c = 0.3``) and the noisy phase, stacked as two
  channels of a ``(B, 2, K, F)`` map; the waveform is first scaled to unit RMS (and the output scaled back).
* Encoder: a 1×1 convolution, a dilated dense block (four ``(2, 3)`` convolutions with time dilation 1, 2, 4, 8,
  each seeing the concatenation of all earlier outputs; instance norm, PReLU) and a ``(1, 3)`` convolution with
  stride 2 along frequency.
* Trunk: ``blocks`` two-stage conformers: a conformer along time for every frequency, then one along frequency for
  every frame, each residual.
* Two decoders in parallel, each a dense block and a ``(1, 3)`` transposed convolution with stride 2 along frequency:
  the magnitude decoder outputs a mask through a learnable sigmoid ``beta · sigmoid(slope_f · x)`` per frequency
  (``beta = 2``: the mask may amplify), applied to the compressed magnitude; the phase decoder outputs two
  channels (pseudo real and imaginary parts) whose ``atan2`` is the phase, so the phase is estimated directly and
  never wraps.
* Output: ``(|X|^c · M)^(1/c) · e^{jφ}``; ``extra`` holds the compressed magnitude and the phase for the losses.

Non-causal: instance norms over the whole utterance and full attention in time. Training as in the paper combines the
metric discriminator (``metric_gan`` in the training config, hush.training.metric_gan), magnitude and complex
losses (``compressed-complex``), the anti-wrapping phase loss (``phase``), the time-frequency consistency loss
(``tf-consistency``) and an L1 waveform loss (``l1``). Differences from the reference code: the analysis is hush's
sqrt-Hann STFT (400/100 by default, as the paper's 400/100 Hann STFT) and the conformers use a relative-position
bias (``hush.models.blocks.conformer``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hush.methods.base import UNBOUNDED
from hush.models.base import register
from hush.models.blocks.conformer import ConformerBlock
from hush.models.blocks.metric_discriminator import LearnableSigmoid
from hush.models.stft_mask import STFTModel


def _conv_norm_act(cin: int, cout: int, kernel, stride=(1, 1), dilation=(1, 1), padding=(0, 0)) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, dilation=dilation, padding=padding),
        nn.InstanceNorm2d(cout, affine=True),
        nn.PReLU(cout),
    )


class DenseBlock(nn.Module):
    """Dilated dense block over ``(B, C, K, F)``: layer ``i`` (time dilation ``2^i``) sees every earlier output."""

    def __init__(self, channels: int, depth: int = 4, kernel: tuple[int, int] = (2, 3)):
        super().__init__()
        kt, kf = kernel
        self.layers = nn.ModuleList()
        self.pads = []
        for i in range(depth):
            dil = 2**i
            total = dil * (kt - 1)  # time padding, split as the reference's "same" padding for even kernels
            self.pads.append((total // 2, total - total // 2))
            self.layers.append(
                _conv_norm_act(channels * (i + 1), channels, kernel, dilation=(dil, 1), padding=(0, (kf - 1) // 2))
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x
        for layer, (lo, hi) in zip(self.layers, self.pads, strict=True):
            x = layer(nn.functional.pad(skip, (0, 0, lo, hi)))
            skip = torch.cat([x, skip], dim=1)
        return x


class TSConformer(nn.Module):
    """Conformer along time (per frequency), then along frequency (per frame), each residual."""

    def __init__(self, channels: int, heads: int, kernel: int, dropout: float):
        super().__init__()
        self.time = ConformerBlock(channels, heads, 4, kernel, dropout)
        self.freq = ConformerBlock(channels, heads, 4, kernel, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, k, f = x.shape
        t = x.permute(0, 3, 2, 1).reshape(b * f, k, c)
        t = self.time(t) + t
        fr = t.view(b, f, k, c).transpose(1, 2).reshape(b * k, f, c)
        fr = self.freq(fr) + fr
        return fr.view(b, k, f, c).permute(0, 3, 1, 2)


@register("mp-senet")
class MPSENet(STFTModel):
    """Two-stage conformer trunk with parallel magnitude-mask and phase decoders (non-causal)."""

    def __init__(
        self,
        n_fft: int = 400,
        hop: int = 100,
        channels: int = 64,
        blocks: int = 4,
        heads: int = 4,
        conformer_kernel: int = 31,
        dense_depth: int = 4,
        compression: float = 0.3,
        beta: float = 2.0,
        dropout: float = 0.0,
        rms_normalize: bool = True,
        **config: Any,
    ):
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            channels=channels,
            blocks=blocks,
            heads=heads,
            conformer_kernel=conformer_kernel,
            dense_depth=dense_depth,
            compression=compression,
            beta=beta,
            dropout=dropout,
            rms_normalize=bool(rms_normalize),
            **config,
        )
        self.causal = False
        self.compression, self.rms_normalize = float(compression), bool(rms_normalize)
        c, f = channels, self.n_bins
        self.enc_in = _conv_norm_act(2, c, (1, 1))
        self.enc_dense = DenseBlock(c, dense_depth)
        self.enc_down = _conv_norm_act(c, c, (1, 3), stride=(1, 2))
        self.trunk = nn.ModuleList([TSConformer(c, heads, conformer_kernel, dropout) for _ in range(blocks)])
        self.mag_dense = DenseBlock(c, dense_depth)
        self.mag_up = nn.ConvTranspose2d(c, c, (1, 3), (1, 2))
        self.mag_out = nn.Sequential(
            nn.Conv2d(c, 1, 1), nn.InstanceNorm2d(1, affine=True), nn.PReLU(1), nn.Conv2d(1, 1, 1)
        )
        self.mask_act = LearnableSigmoid(f, beta)
        self.pha_dense = DenseBlock(c, dense_depth)
        self.pha_up = nn.Sequential(
            nn.ConvTranspose2d(c, c, (1, 3), (1, 2)), nn.InstanceNorm2d(c, affine=True), nn.PReLU(c)
        )
        self.pha_re = nn.Conv2d(c, 1, 1)
        self.pha_im = nn.Conv2d(c, 1, 1)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {
            "n_fft": 128,
            "hop": 64,
            "channels": 8,
            "blocks": 1,
            "heads": 2,
            "conformer_kernel": 7,
            "dense_depth": 2,
        }

    @property
    def lookahead(self) -> int:
        return UNBOUNDED

    def _fit(self, x: torch.Tensor) -> torch.Tensor:
        """Crop or zero-pad the up-sampled frequency axis to the STFT's bins (exact already when n_fft % 4 == 0)."""
        f = self.n_bins
        return x[..., :f] if x.shape[-1] >= f else nn.functional.pad(x, (0, f - x.shape[-1]))

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        mag = spec.abs().clamp_min(1e-8) ** self.compression  # (B, K, F)
        pha = torch.angle(spec)
        x = torch.stack([mag, pha], dim=1)  # (B, 2, K, F)
        x = self.enc_down(self.enc_dense(self.enc_in(x)))
        for block in self.trunk:
            x = block(x)
        m = self._fit(self.mag_out(self.mag_up(self.mag_dense(x))))[:, 0]  # (B, K, F)
        mask = self.mask_act(m)
        p = self._fit(self.pha_up(self.pha_dense(x)))
        phase = torch.atan2(self.pha_im(p)[:, 0], self.pha_re(p)[:, 0])
        mag_c = mag * mask
        out = torch.polar(mag_c.clamp_min(1e-12) ** (1.0 / self.compression), phase)
        return out, {"mask": mask, "compressed_mag": mag_c, "phase": phase}, state

    def forward(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        if not self.rms_normalize:
            return super().forward(noisy)
        g = torch.rsqrt(noisy.square().mean(-1, keepdim=True) + 1e-10)  # unit RMS in, the input's level out
        out = super().forward(noisy * g)
        out["enhanced"] = out["enhanced"] / g
        for key in ("spec", "enhanced_spec"):
            out[key] = out[key] / g[..., None]
        return out
