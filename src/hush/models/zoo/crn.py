"""Convolutional recurrent network ``crn`` (Tan & Wang 2018), with magnitude-mask or complex-ratio-mask output."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hush.models.base import register
from hush.models.blocks import StateCursor, TimeConv, bounded_complex_mask, make_norm, spec_features
from hush.models.stft_mask import FeatureSTFTModel


@register("crn")
class CRN(FeatureSTFTModel):
    """Convolutional recurrent network (Tan & Wang 2018) for real-time enhancement.

    The paper's CRN is an encoder-decoder on the 161-bin magnitude spectrogram (20 ms frames, 10 ms hop): five
    causal 2-D convolutions (kernel 2x3 in time x frequency, stride 2 along frequency, 16-32-64-128-256 channels,
    batch norm + ELU), two LSTM layers of 1024 units over the flattened 256x4 bottleneck, and a mirrored decoder of
    transposed convolutions, each fed the concatenation of the previous decoder output and the matching encoder
    output (skip connections); the output layer maps the clean magnitude. This implementation follows that
    layout with the same default sizes, but estimates a bounded magnitude mask (``output="magnitude"``, sigmoid)
    instead of mapping the magnitude, and adds ``output="complex"``: the encoder then also sees the (compressed)
    real and imaginary parts and the decoder emits two channels forming a complex ratio mask whose magnitude is
    tanh-bounded, in the spirit of complex spectral mapping with a CRN (Tan & Wang 2019, GCRN; simplified to one
    shared decoder and plain convolutions instead of two decoders with gated convolutions). Inputs are power-law
    compressed (exponent 0.5). Causal along time: every convolution keeps its last frame as streaming state and the
    LSTMs their hidden states. ``norm="batch"`` (the paper's) is causal in eval mode; ``norm="layer"`` normalises
    each frame and is causal in training too.

    Reference: K. Tan and D. Wang, "A convolutional recurrent neural network for real-time speech enhancement",
    Interspeech 2018; K. Tan and D. Wang, "Learning complex spectral mapping with gated convolutional recurrent
    networks for monaural speech enhancement", IEEE/ACM TASLP 2020 (GCRN).
    """

    def __init__(
        self,
        channels: list[int] | tuple[int, ...] = (16, 32, 64, 128, 256),
        kernel: list[int] | tuple[int, int] = (2, 3),
        lstm_hidden: int | None = None,
        lstm_layers: int = 2,
        output: str = "magnitude",
        norm: str = "batch",
        n_fft: int = 320,
        hop: int = 160,
        min_gain_db: float = -40.0,
        **config: Any,
    ):
        channels, kernel = [int(c) for c in channels], [int(k) for k in kernel]
        if output not in ("magnitude", "complex"):
            raise ValueError(f"output must be 'magnitude' or 'complex', not {output!r}")
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            channels=channels,
            kernel=kernel,
            lstm_hidden=lstm_hidden,
            lstm_layers=lstm_layers,
            output=output,
            norm=norm,
            min_gain_db=min_gain_db,
            **config,
        )
        self.causal = True
        self.complex = output == "complex"
        self.min_gain = 10 ** (min_gain_db / 20)
        kt, kf = kernel
        freqs = [self.n_bins]
        for _ in channels:
            freqs.append((freqs[-1] - kf) // 2 + 1)
        if freqs[-1] < 1:
            raise ValueError(f"{len(channels)} stride-2 layers need more than {self.n_bins} frequency bins")
        self.freqs = freqs
        in_ch = 3 if self.complex else 1
        out_ch = 2 if self.complex else 1

        self.enc = nn.ModuleList()
        self.enc_norm = nn.ModuleList()
        cin = in_ch
        for c in channels:
            self.enc.append(TimeConv(nn.Conv2d(cin, c, (kt, kf), stride=(1, 2))))
            self.enc_norm.append(make_norm(norm, c))
            cin = c
        flat = channels[-1] * freqs[-1]
        hidden = lstm_hidden or flat
        self.lstm = nn.LSTM(flat, hidden, num_layers=lstm_layers, batch_first=True)
        self.proj = nn.Linear(hidden, flat) if hidden != flat else nn.Identity()

        self.dec = nn.ModuleList()
        self.dec_norm = nn.ModuleList()
        n = len(channels)
        for i in range(n - 1, -1, -1):  # decoder layer mirroring encoder layer i
            cout = channels[i - 1] if i > 0 else out_ch
            f_in, f_out = freqs[i + 1], freqs[i]
            pad_f = f_out - ((f_in - 1) * 2 + kf)
            layer = nn.ConvTranspose2d(
                2 * channels[i], cout, (kt, kf), stride=(1, 2), padding=(kt - 1, 0), output_padding=(0, pad_f)
            )
            self.dec.append(TimeConv(layer))
            self.dec_norm.append(make_norm(norm, cout) if i > 0 else nn.Identity())

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"channels": [4, 8, 8, 8, 8], "lstm_hidden": 16, "lstm_layers": 1, "n_fft": 128, "hop": 64}

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, dict[str, torch.Tensor]]:
        cur = StateCursor(state["conv"] if state is not None else None)
        x = spec_features(spec, self.complex)  # (B, C, K, F)
        skips = []
        for conv, norm in zip(self.enc, self.enc_norm, strict=True):
            x = F.elu(norm(cur(conv, x)))
            skips.append(x)
        b, c, k, f = x.shape
        rnn_state = state["rnn"] if state is not None else None
        h, rnn_state = self.lstm(x.permute(0, 2, 1, 3).reshape(b, k, c * f), rnn_state)
        bottleneck = h
        x = self.proj(h).reshape(b, k, c, f).permute(0, 2, 1, 3)
        for i, (conv, norm) in enumerate(zip(self.dec, self.dec_norm, strict=True)):
            x = cur(conv, torch.cat([x, skips[-1 - i]], dim=1))
            if i < len(self.dec) - 1:
                x = F.elu(norm(x))
        if self.complex:
            gain = bounded_complex_mask(x[:, 0], x[:, 1])
        else:
            gain = self.min_gain + (1 - self.min_gain) * torch.sigmoid(x[:, 0])
        return gain, {"conv": cur.out, "rnn": rnn_state}, {"bottleneck": bottleneck, "features": skips[-1]}
