"""``erbdf``: an efficient causal model in the DeepFilterNet style — ERB-band gains plus deep filtering.

Two complementary outputs from one recurrent trunk (Schröter et al. 2022, "DeepFilterNet: A low complexity speech
enhancement framework for full-band audio based on deep filtering"; Schröter et al. 2023, DeepFilterNet3):

* a real gain per ERB band, expanded to the STFT bins: cheap coarse envelope enhancement over the whole band;
* complex deep-filter coefficients for the lowest ``df_bins`` bins, applied over the current and ``df_order - 1``
  past frames, ``Y(k, f) = Σ_i C_i(k, f) · X(k - i, f)``: it restores the periodic (harmonic) structure that a
  gain per band cannot.

Simplifications against DeepFilterNet: a small GRU trunk instead of the convolutional encoder + grouped GRUs, no
lookahead frames (so the algorithmic latency is one analysis window, 20 ms with the default 320/160 STFT), and
features normalised by fixed affine maps plus a learned layer instead of exponential running means. Everything
is causal along frames; the streaming state is the GRU state plus the last ``df_order - 1`` spectra.

``lookahead_frames=L`` (causal trunk only) lets each output frame see ``L`` more frames: the trunk output at frame
``k`` sets the gains and deep-filter coefficients of frame ``k - L`` (DeepFilterNet's feature lookahead), for
``L`` hops more latency (``L=1``: 20 + 10 = 30 ms with the default STFT).

``spec_conv=C`` (0: off) adds a per-frame encoder over the full-resolution log spectrum: three strided
convolutions along frequency (``C`` channels, kernel 5), whose flattened output is projected onto the trunk input
and added to it. It sees the harmonic fine structure above the deep-filter band, which the ERB features average
away, and needs no streaming state (it looks at one frame). Its projection starts at zero, so a model grown from
a checkpoint without it (``train.init_missing_ok``) starts out computing exactly what the checkpoint did.

``post_filter_beta=β`` (0: off) sharpens the ERB-band gains at inference with the perceptual post-filter of
PercepNet (Valin et al. 2020) as DeepFilterNet2 uses it: ``g' = (1 + β) g / (1 + β / sin²(π g / 2))``.
It leaves gains near 1 unchanged and pushes low gains (bands dominated by noise) further down, trading a little
speech distortion for less residual noise. It is a pure function of the current frame's gains, so it adds no
latency or streaming state.

``feature_floor=P`` (0: off, the bundled models before v2) adds ``P`` to every power the input features are
computed from: the ERB log powers, the spectrum that ``spec_conv`` sees, and the magnitude of the compressed
complex spectrum (``(|X|² + P)^(c/2) − P^(c/2)``, so silence still maps to 0). Below the floor, input differences
barely move the features, so digital silence, rounding and dither far below audibility cannot steer the trunk into
different states. The STFT is unnormalised (sqrt-Hann, 320 points): white noise of RMS ``σ`` gives a power of
about ``160 σ²`` per bin, so ``P = 1e-6`` sits near white noise at −82 dBFS. The floor is added per bin, before
the ERB bands sum their bins.

``bidirectional=True`` makes the trunk a bidirectional GRU: a non-causal, offline-only variant (the bundled ``hq``
model) that sees the whole utterance; the deep filter stays over past frames.

``trunk="dual_path"`` replaces the GRU trunk by dual-path recurrent blocks over a time × frequency map (DPDFNet:
DeepFilterNet2 with DPRNN blocks; :mod:`hush.models.blocks.dual_path`). Each frame becomes a sequence of
``erb_bands + ceil(df_bins / dp_df_group)`` positions with ``dp_channels`` channels: one per ERB band (from its log
power) and one per group of ``dp_df_group`` deep-filter bins (from their compressed real and imaginary parts), plus
a learned embedding per position. ``dp_blocks`` dual-path blocks run a bidirectional GRU across the positions of each
frame and a unidirectional GRU along time for each position; a linear layer maps the flattened map onto the
``hidden`` features the output heads read. Causal in time (``bidirectional`` makes the time GRUs bidirectional);
the streaming state is every position's time-GRU state. ``spec_conv`` applies to the GRU trunk only.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from hush.dsp.filterbanks import erb_band_matrix
from hush.methods.base import UNBOUNDED
from hush.models.base import register
from hush.models.blocks.dual_path import DualPathBlock
from hush.models.stft_mask import STFTModel


def perceptual_post_filter(gain: torch.Tensor, beta: float) -> torch.Tensor:
    """PercepNet's gain post-filter ``(1 + β) g / (1 + β / sin²(π g / 2))`` for gains in [0, 1]."""
    if beta == 0:
        return gain
    s = torch.sin(0.5 * torch.pi * gain.clamp(0.0, 1.0))
    return (1.0 + beta) * gain * s.square() / (s.square() + beta)


def _compressed(spec: torch.Tensor, power: torch.Tensor, c: float, floor: float) -> torch.Tensor:
    """``spec`` with its magnitude raised to ``c`` (power-law compression), with an additive power floor."""
    if not floor:
        mag = spec.abs().clamp_min(1e-10)
        return spec * (mag.pow(c) / mag)
    mag = power.sqrt().clamp_min(1e-10)
    return spec * (((power + floor).pow(0.5 * c) - floor ** (0.5 * c)) / mag)


def _log_feature(power: torch.Tensor) -> torch.Tensor:
    """Log power mapped to roughly [-2, 2] for speech levels (the fixed feature normalisation)."""
    return (torch.log10(power + 1e-10) + 5.0) / 2.5


@register("erbdf")
class ERBDeepFilter(STFTModel):
    """ERB-band gains + low-band deep filtering on a causal GRU trunk."""

    # may be set when loading a trained file (hush.models.model_file.load)
    INFERENCE_OPTIONS = ("post_filter_beta", "feature_floor")

    def __init__(
        self,
        n_fft: int = 320,
        hop: int = 160,
        erb_bands: int = 32,
        df_bins: int = 64,
        df_order: int = 3,
        hidden: int = 192,
        layers: int = 2,
        compression: float = 0.3,
        min_gain_db: float = -60.0,
        bidirectional: bool = False,
        lookahead_frames: int = 0,
        spec_conv: int = 0,
        post_filter_beta: float = 0.0,
        feature_floor: float = 0.0,
        trunk: str = "gru",
        dp_channels: int = 32,
        dp_blocks: int = 2,
        dp_df_group: int = 4,
        **config: Any,
    ):
        if trunk not in ("gru", "dual_path"):
            raise ValueError(f"trunk must be 'gru' or 'dual_path', not {trunk!r}")
        if trunk == "dual_path" and spec_conv:
            raise ValueError("spec_conv applies to the gru trunk only")
        if lookahead_frames and bidirectional:
            raise ValueError("lookahead_frames applies to the causal trunk only (bidirectional sees everything)")
        if int(lookahead_frames) < 0:
            raise ValueError(f"lookahead_frames must be >= 0, got {lookahead_frames}")
        extra = {"lookahead_frames": int(lookahead_frames)} if lookahead_frames else {}
        if spec_conv:
            extra["spec_conv"] = int(spec_conv)
        if post_filter_beta < 0:
            raise ValueError(f"post_filter_beta must be >= 0, got {post_filter_beta}")
        if post_filter_beta:
            extra["post_filter_beta"] = float(post_filter_beta)
        if feature_floor < 0:
            raise ValueError(f"feature_floor must be >= 0, got {feature_floor}")
        if feature_floor:
            extra["feature_floor"] = float(feature_floor)
        if trunk != "gru":  # only then: configs of GRU-trunk files stay as they were
            extra.update(
                trunk=trunk, dp_channels=int(dp_channels), dp_blocks=int(dp_blocks), dp_df_group=int(dp_df_group)
            )
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            erb_bands=erb_bands,
            df_bins=df_bins,
            df_order=df_order,
            hidden=hidden,
            layers=layers,
            compression=compression,
            min_gain_db=min_gain_db,
            bidirectional=bool(bidirectional),
            **extra,
            **config,
        )
        self.causal = not bidirectional
        self.lookahead_frames = int(lookahead_frames)
        erb = torch.tensor(erb_band_matrix(erb_bands, n_fft, self.sample_rate), dtype=torch.float32)
        self.register_buffer("erb", erb, persistent=False)  # (bands, bins), columns sum to 1
        self.n_erb = erb.shape[0]
        self.df_bins, self.df_order, self.compression = min(df_bins, self.n_bins), df_order, compression
        self.min_gain = 10 ** (min_gain_db / 20)
        self.trunk_kind = trunk
        if trunk == "dual_path":
            c, g = int(dp_channels), int(dp_df_group)
            self.dp_group = g
            self.dp_positions = self.n_erb + math.ceil(self.df_bins / g)
            self.dp_erb_in = nn.Linear(1, c)
            self.dp_df_in = nn.Linear(2 * g, c)
            self.dp_pos = nn.Parameter(0.02 * torch.randn(self.dp_positions, c))
            self.dp = nn.ModuleList([DualPathBlock(c, bool(bidirectional)) for _ in range(dp_blocks)])
            self.dp_out = nn.Sequential(nn.Linear(self.dp_positions * c, hidden), nn.ReLU())
            out = hidden
        else:
            self.erb_in = nn.Sequential(nn.Linear(self.n_erb, hidden), nn.ReLU())
            self.df_in = nn.Sequential(nn.Linear(2 * self.df_bins, hidden), nn.ReLU())
            self.trunk = nn.GRU(
                2 * hidden, hidden, num_layers=layers, batch_first=True, bidirectional=bool(bidirectional)
            )
            out = 2 * hidden if bidirectional else hidden
        self.erb_head = nn.Linear(out, self.n_erb)
        self.df_head = nn.Linear(out, 2 * self.df_bins * df_order)
        self.df_alpha = nn.Linear(out, 1)  # per-frame mix between deep filter and gain in the low band
        self.spec_conv = int(spec_conv)
        self.post_filter_beta = float(post_filter_beta)
        self.feature_floor = float(feature_floor)
        if self.spec_conv:
            c, width = self.spec_conv, self.n_bins
            layers_: list[nn.Module] = []
            for i in range(3):
                layers_ += [nn.Conv1d(1 if i == 0 else c, c, 5, stride=2, padding=2), nn.ReLU()]
                width = (width - 1) // 2 + 1
            self.spec_enc = nn.Sequential(*layers_)
            self.spec_proj = nn.Linear(c * width, 2 * hidden)
            nn.init.zeros_(self.spec_proj.weight)
            nn.init.zeros_(self.spec_proj.bias)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"n_fft": 128, "hop": 64, "erb_bands": 8, "df_bins": 16, "df_order": 2, "hidden": 16, "layers": 1}

    def features(self, spec: torch.Tensor, power: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if power is None:
            power = spec.real.square() + spec.imag.square()
        floor = self.feature_floor
        erb = _log_feature((power + floor) @ self.erb.T)  # a floor per bin: wide bands get a wider one
        low = spec[..., : self.df_bins]
        comp = _compressed(low, power[..., : self.df_bins], self.compression, floor)
        return erb, torch.cat([comp.real, comp.imag], dim=-1) * 4.0

    @property
    def lookahead(self) -> int:
        return super().lookahead if self.causal else UNBOUNDED

    def init_estimator_state(self, batch: int) -> Any:
        return None

    def _dual_path(self, erb_f: torch.Tensor, df_f: torch.Tensor, states: list | None) -> tuple[torch.Tensor, list]:
        """The dual-path trunk: ``(B, K, hidden)`` features and the time-GRU states of every block."""
        b, k, _ = erb_f.shape
        d, g = self.df_bins, self.dp_group
        groups = self.dp_positions - self.n_erb
        re, im = df_f[..., :d], df_f[..., d:]
        pad = groups * g - d
        if pad:
            re, im = nn.functional.pad(re, (0, pad)), nn.functional.pad(im, (0, pad))
        df_pos = torch.cat([re.view(b, k, groups, g), im.view(b, k, groups, g)], dim=-1)
        x = torch.cat([self.dp_erb_in(erb_f[..., None]), self.dp_df_in(df_pos)], dim=2) + self.dp_pos
        new = []
        for i, block in enumerate(self.dp):
            x, s = block(x, None if states is None else states[i])
            new.append(s)
        return self.dp_out(x.reshape(b, k, -1)), new

    def enhance_spec(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, dict[str, torch.Tensor], Any]:
        b, k, f = spec.shape
        la = self.lookahead_frames
        if la:
            rnn_state, past, pending = (None, None, None) if state is None else state
        else:
            rnn_state, past = (None, None) if state is None else state
        power = spec.real.square() + spec.imag.square()
        erb_f, df_f = self.features(spec, power)
        if self.trunk_kind == "dual_path":
            h, rnn_state = self._dual_path(erb_f, df_f, rnn_state)
        else:
            x = torch.cat([self.erb_in(erb_f), self.df_in(df_f)], dim=-1)
            if self.spec_conv:
                enc = self.spec_enc(_log_feature(power + self.feature_floor).reshape(b * k, 1, f)).reshape(b, k, -1)
                x = x + self.spec_proj(enc)
            h, rnn_state = self.trunk(x, rnn_state)
        if la:  # enhance the frames L behind the input: h[k] (seeing frame k) drives frame k - L
            if pending is None:
                pending = spec.new_zeros(b, la, f)
            queue = torch.cat([pending, spec], dim=1)
            spec, pending = queue[:, :k], queue[:, k:]
        band_gain = torch.sigmoid(self.erb_head(h))
        if self.post_filter_beta:
            band_gain = perceptual_post_filter(band_gain, self.post_filter_beta)
        gain = self.min_gain + (1 - self.min_gain) * (band_gain @ self.erb)  # (B, K, F)
        out = spec * gain
        # deep filter over the current and df_order-1 past frames of the low band
        low = spec[..., : self.df_bins]
        if past is None:
            past = low.new_zeros(b, self.df_order - 1, self.df_bins)
        hist = torch.cat([past, low], dim=1)  # (B, order-1+K, D)
        coef = self.df_head(h).view(b, k, self.df_order, self.df_bins, 2)
        coef = torch.complex(coef[..., 0], coef[..., 1])
        df = torch.zeros_like(low)
        for i in range(self.df_order):  # tap i multiplies frame k - i
            start = self.df_order - 1 - i
            df = df + coef[:, :, i] * hist[:, start : start + k]
        alpha = torch.sigmoid(self.df_alpha(h))  # (B, K, 1)
        out = torch.cat([alpha * df + (1 - alpha) * out[..., : self.df_bins], out[..., self.df_bins :]], dim=-1)
        new_past = hist[:, hist.shape[1] - (self.df_order - 1) :] if self.df_order > 1 else past
        extra = {"gain": gain, "band_gain": band_gain, "df_alpha": alpha, "embedding": h}
        if la:
            return out, {**extra, "input_spec": spec}, (rnn_state, new_past, pending)
        return out, extra, (rnn_state, new_past)
