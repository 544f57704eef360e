"""Fully connected regression network ``dnn`` (Xu et al.) on log-power or log-mel STFT features with context frames."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from hush.dsp.filterbanks import mel_filterbank
from hush.errors import MethodError
from hush.models.base import register
from hush.models.blocks import FeatureNorm, log_power, stack_context
from hush.models.blocks.features import EPS
from hush.models.stft_mask import STFTModel


def soft_clamp(x: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
    """``clamp(x, lo, hi)`` whose gradient is that of the smooth ``softplus(x - lo) - softplus(x - hi)``.

    The forward value is the exact clamp; clipped values still receive a (decaying) gradient, so bins whose
    prediction starts outside the range are not frozen.
    """
    smooth = nn.functional.softplus(x - lo) - nn.functional.softplus(x - hi)
    return x.clamp(lo, hi) + (smooth - smooth.detach())


@register("dnn")
class DNNMask(STFTModel):
    """Fully connected regression network on spliced log-spectral frames (Xu et al.).

    Xu, Du, Dai & Lee's DNN maps the log-power spectra of 11 spliced noisy frames (±5, globally mean/variance
    normalised) through 3 sigmoid/ReLU hidden layers of 2048 units with dropout to the normalised log-power
    spectrum of the clean centre frame, and resynthesises with the noisy phase. This implementation keeps the
    spliced-context fully connected structure with ReLU hidden layers and dropout, global MVN of the inputs
    (running statistics, :class:`FeatureNorm`), log-power (or log-mel) inputs, and either (``output="mask"``, the
    default) a sigmoid gain per STFT bin or (``output="mapping"``, the paper's formulation) a prediction of the
    clean log-power, de-normalised with the noisy statistics and turned into the gain
    ``clamp(sqrt(exp(pred) / |X|^2), min_gain, max_gain)`` (clamped on the log-gain with a smooth surrogate gradient, so
    clipped bins still learn) so it plugs into the shared masking/WOLA pipeline.
    Simplified: default size 3 x 1024 units; training is end to end on the waveform loss of the toolkit rather
    than MSE on normalised log-spectra; no noise-aware training or global-variance equalisation. With
    ``causal=True`` (default) the context is past-only (frames ``k-C .. k``, streaming: the last ``C`` feature
    frames are the state); ``causal=False`` splices ``k-C .. k+C``, adding ``C`` frames of lookahead.

    Reference: Y. Xu, J. Du, L.-R. Dai, C.-H. Lee, "A regression approach to speech enhancement based on deep
    neural networks", IEEE/ACM TASLP 2015 (and "An experimental study on speech enhancement based on deep neural
    networks", IEEE SPL 2014).
    """

    def __init__(
        self,
        hidden: int = 1024,
        layers: int = 3,
        context: int = 5,
        dropout: float = 0.2,
        features: str = "logpow",
        n_mels: int = 64,
        output: str = "mask",
        causal: bool = True,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        max_gain: float = 1.0,
        **config: Any,
    ):
        if features not in ("logpow", "logmel"):
            raise MethodError(f"dnn: features must be 'logpow' or 'logmel', not {features!r}")
        if output not in ("mask", "mapping"):
            raise MethodError(f"dnn: output must be 'mask' or 'mapping', not {output!r}")
        if context < 0 or layers < 1:
            raise MethodError("dnn: context must be >= 0 and layers >= 1")
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            hidden=hidden,
            layers=layers,
            context=context,
            dropout=dropout,
            features=features,
            n_mels=n_mels,
            output=output,
            causal=bool(causal),
            min_gain_db=min_gain_db,
            max_gain=max_gain,
            **config,
        )
        self.causal = bool(causal)
        self.context, self.output, self.features_kind = context, output, features
        self.future = 0 if self.causal else context
        self.min_gain, self.max_gain = 10 ** (min_gain_db / 20), float(max_gain)
        if features == "logmel":
            fb = torch.tensor(mel_filterbank(n_mels, n_fft, self.sample_rate), dtype=torch.float32)
            self.register_buffer("mel", fb, persistent=False)
            n_feat = n_mels
        else:
            self.mel = None
            n_feat = self.n_bins
        self.norm = FeatureNorm(n_feat)
        # mapping de-normalises with per-bin statistics of the noisy log-power (shared with the input for logpow)
        self.out_norm = FeatureNorm(self.n_bins) if output == "mapping" and features == "logmel" else None
        width = (context + 1 + self.future) * n_feat
        mlp: list[nn.Module] = []
        for i in range(layers):
            mlp += [nn.Linear(width if i == 0 else hidden, hidden), nn.ReLU(), nn.Dropout(dropout)]
        self.mlp = nn.Sequential(*mlp)
        self.head = nn.Linear(hidden, self.n_bins)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"hidden": 64, "layers": 2, "context": 2, "dropout": 0.1, "n_fft": 128, "hop": 64}

    @property
    def lookahead(self) -> int:
        return self.n_fft - 1 + self.future * self.hop_size

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, torch.Tensor]:
        logp = log_power(spec)  # (B, K, F)
        if self.mel is not None:
            power = spec.real.square() + spec.imag.square()
            feats = torch.log(power @ self.mel.T + EPS)
        else:
            feats = logp
        x, mean, std = self.norm(feats)
        ctx, state = stack_context(x, state, self.context, self.future)
        h = self.mlp(ctx.flatten(2))
        out = self.head(h)
        if self.output == "mask":
            gain = self.min_gain + (1 - self.min_gain) * torch.sigmoid(out)
        else:
            if self.out_norm is not None:
                _, mean, std = self.out_norm(logp)
            pred = out * std + mean  # clean log-power estimate
            gain = torch.exp(soft_clamp(0.5 * (pred - logp), math.log(self.min_gain), math.log(self.max_gain)))
        return gain, state, h

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        gain, state, hidden = self._run(spec, state)
        return spec * gain, {"gain": gain, "features": hidden}, state
