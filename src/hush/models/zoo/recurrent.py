"""Recurrent mask networks: ``gru`` and ``lstm`` on log-power STFT features, causal.

A stack of unidirectional recurrent layers over per-frame log-power spectra, followed by a linear layer and a
sigmoid giving a real-valued gain per STFT bin (Wang & Wang's recurrent masking; the 2-layer GRU with 64/128/256
units is the personalization model size family). ``mask_beta > 0`` uses MetricGAN+'s learnable sigmoid instead,
``beta * sigmoid(a_f * x)`` with a learned slope per bin (beta 1.2 in the paper: gains slightly above 1 can restore
speech that the noise masked).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hush.models.base import register
from hush.models.blocks.metric_discriminator import LearnableSigmoid
from hush.models.stft_mask import STFTModel


class _RecurrentMask(STFTModel):
    rnn_type: type[nn.RNNBase] = nn.GRU

    def __init__(
        self,
        hidden: int = 128,
        layers: int = 2,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        mask_beta: float = 0.0,
        **config: Any,
    ):
        if mask_beta:  # only then in the config, so files of models without it keep their exact config
            config["mask_beta"] = float(mask_beta)
        super().__init__(n_fft=n_fft, hop=hop, hidden=hidden, layers=layers, min_gain_db=min_gain_db, **config)
        self.norm = nn.LayerNorm(self.n_bins)
        self.rnn = self.rnn_type(self.n_bins, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, self.n_bins)
        self.min_gain = 10 ** (min_gain_db / 20)
        self.mask_act = LearnableSigmoid(self.n_bins, mask_beta) if mask_beta else nn.Sigmoid()

    def features(self, spec: torch.Tensor) -> torch.Tensor:
        return self.norm(torch.log10(spec.real.square() + spec.imag.square() + 1e-10))

    def estimate(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        h, state = self.rnn(self.features(spec), state)
        gain = self.mask_act(self.head(h))
        return self.min_gain + (1 - self.min_gain) * gain, state


@register("gru")
class GRUMask(_RecurrentMask):
    """Causal GRU mask network on log-power spectra."""

    rnn_type = nn.GRU


@register("lstm")
class LSTMMask(_RecurrentMask):
    """Causal LSTM mask network on log-power spectra."""

    rnn_type = nn.LSTM


for _cls in (GRUMask, LSTMMask):
    _cls.tiny_config = classmethod(lambda cls: {"hidden": 16, "layers": 1, "n_fft": 128, "hop": 64})
