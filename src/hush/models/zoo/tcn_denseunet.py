"""``tcn-denseunet``: DenseNet blocks in a frequency U-Net around a dilated temporal convolutional network."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from hush.methods.base import UNBOUNDED
from hush.models.base import register
from hush.models.blocks import StateCursor, TimeConv, bounded_complex_mask, make_norm, spec_features
from hush.models.stft_mask import FeatureSTFTModel

FUSION_POSITIONS = ("early", "middle", "late")


def fusion_positions(fusion: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``none``, ``early``, ``middle``, ``late``, ``all`` or a list of positions, as a tuple of positions."""
    names = [fusion] if isinstance(fusion, str) else list(fusion)
    if names == ["none"] or not names:
        return ()
    if names == ["all"]:
        return FUSION_POSITIONS
    bad = [n for n in names if n not in FUSION_POSITIONS]
    if bad:
        raise ValueError(f"fusion must be none, all or positions among {', '.join(FUSION_POSITIONS)}, not {bad[0]!r}")
    return tuple(p for p in FUSION_POSITIONS if p in names)


class _DenseBlock(nn.Module):
    """DenseNet-style block: layer ``i`` sees the concatenation of the block input and all earlier layer outputs;
    a 1x1 transition convolution maps the full concatenation back to ``channels``."""

    def __init__(self, channels: int, layers: int, growth: int, kernel: tuple[int, int], causal: bool, norm: str):
        super().__init__()
        kt, kf = kernel
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i in range(layers):
            conv = nn.Conv2d(channels + i * growth, growth, (kt, kf), padding=(0, kf // 2))
            self.convs.append(TimeConv(conv, causal))
            self.norms.append(make_norm(norm, growth))
        self.transition = nn.Conv2d(channels + layers * growth, channels, 1)
        self.out_norm = make_norm(norm, channels)

    def forward(self, x: torch.Tensor, cur: StateCursor) -> torch.Tensor:
        feats = [x]
        for conv, norm in zip(self.convs, self.norms, strict=True):
            feats.append(F.elu(norm(cur(conv, torch.cat(feats, dim=1)))))
        return F.elu(self.out_norm(self.transition(torch.cat(feats, dim=1))))


class _TCNBlock(nn.Module):
    """Conv-TasNet 1-D conv block: 1x1 conv, PReLU, norm, dilated depthwise conv, PReLU, norm, 1x1 conv, residual."""

    def __init__(self, channels: int, hidden: int, kernel: int, dilation: int, causal: bool, norm: str):
        super().__init__()
        self.inp = nn.Conv1d(channels, hidden, 1)
        self.act1, self.norm1 = nn.PReLU(), make_norm(norm, hidden, dims=1)
        self.dconv = TimeConv(nn.Conv1d(hidden, hidden, kernel, dilation=dilation, groups=hidden), causal)
        self.act2, self.norm2 = nn.PReLU(), make_norm(norm, hidden, dims=1)
        self.res = nn.Conv1d(hidden, channels, 1)

    def forward(self, x: torch.Tensor, cur: StateCursor) -> torch.Tensor:
        y = self.norm1(self.act1(self.inp(x)))
        y = self.norm2(self.act2(cur(self.dconv, y)))
        return x + self.res(y)


@register("tcn-denseunet")
class TCNDenseUNet(FeatureSTFTModel):
    """TCN-DenseUNet: a U-Net over frequency built from dense blocks, with a dilated TCN bottleneck over time.

    In Wang, Wichern and Le Roux's TCN-DenseUNet (used for complex spectral mapping in e.g. "On the compensation
    between magnitude and phase in speech separation", 2021), the real and imaginary STFT components enter a
    U-Net whose encoder alternates DenseNet blocks (densely connected 2-D convolutions) with frequency
    downsampling convolutions; at the bottleneck the channel x frequency features are flattened and processed along
    time by a temporal convolutional network (the stacked, exponentially dilated 1-D residual blocks of Liu & Wang
    / Conv-TasNet); a mirrored decoder upsamples frequency with transposed convolutions and dense blocks, using
    skip connections from the encoder, and outputs real and imaginary parts. This implementation follows that
    layout with configurable sizes: 3-channel input (power-law compressed magnitude, real and imaginary parts), an
    input convolution, ``levels`` x (dense block + stride-2 frequency convolution), a TCN of ``tcn_repeats`` x
    ``tcn_blocks`` blocks with dilations 1, 2, 4, ..., and the mirrored decoder (skip = encoder output at the same
    resolution, concatenated). Since this toolkit applies a gain to the noisy STFT, the output is a tanh-bounded
    complex ratio mask (``output="complex"``) or a sigmoid magnitude mask (``output="mask"``) rather than a
    directly mapped spectrum; the TCN omits Conv-TasNet's separate skip-connection outputs. ``causal=True`` makes
    every time convolution causal (left padding, their last frames kept as streaming state) with per-frame layer
    normalisation (``norm="layer"``); ``causal=False`` centres the time kernels, and its lookahead is the summed
    future context of all time convolutions.

    Reference: Z.-Q. Wang, G. Wichern and J. Le Roux, "On the compensation between magnitude and phase in speech
    separation", IEEE SPL 2021; Z.-Q. Wang, P. Wang and D. Wang, "Multi-microphone complex spectral mapping for
    utterance-wise and continuous speech separation", IEEE/ACM TASLP 2021; Y. Luo and N. Mesgarani, "Conv-TasNet",
    IEEE/ACM TASLP 2019 (TCN).

    Audio-tagging knowledge (``fusion``): the embedding of the frozen AudioSet tagger of :mod:`hush.tagging` on the
    noisy input is mapped by a linear layer to the frequency size ``F'`` of a feature map, tiled over time and
    concatenated as one extra channel at the encoder input (``early``), the TCN input (``middle``), the decoder
    input (``late``) or all three (``all``). ``tagger_window = 0`` uses the clip embedding of the whole input (the
    model is then not causal); ``tagger_window > 0`` a running embedding over the past ``tagger_window`` seconds,
    renewed every ``tagger_step`` seconds (:class:`~hush.models.blocks.tag_fusion.TagEmbedder`), which keeps a causal
    model causal and streamable. The tagger's weights are not stored in model files. The last decoder dense block
    (``decoder``) and the output layer's input (``decoder_out``) are exposed for multi-task heads
    (:mod:`hush.models.blocks.aux_heads`); ``shared_layer`` names the last layer they share with enhancement.
    """

    shared_layer = "dec.0.transition"

    def __init__(
        self,
        channels: int = 32,
        levels: int = 4,
        dense_layers: int = 4,
        growth: int = 16,
        kernel: list[int] | tuple[int, int] = (3, 3),
        tcn_channels: int = 256,
        tcn_hidden: int = 512,
        tcn_kernel: int = 3,
        tcn_blocks: int = 6,
        tcn_repeats: int = 2,
        output: str = "complex",
        norm: str = "layer",
        causal: bool = True,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        fusion: str | list[str] = "none",
        tagger_window: float = 0.0,
        tagger_step: float = 0.5,
        **config: Any,
    ):
        kernel = [int(k) for k in kernel]
        positions = fusion_positions(fusion)
        if output not in ("mask", "complex"):
            raise ValueError(f"output must be 'mask' or 'complex', not {output!r}")
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            channels=channels,
            levels=levels,
            dense_layers=dense_layers,
            growth=growth,
            kernel=kernel,
            tcn_channels=tcn_channels,
            tcn_hidden=tcn_hidden,
            tcn_kernel=tcn_kernel,
            tcn_blocks=tcn_blocks,
            tcn_repeats=tcn_repeats,
            output=output,
            norm=norm,
            causal=causal,
            min_gain_db=min_gain_db,
            **({"fusion": fusion, "tagger_window": tagger_window, "tagger_step": tagger_step} if positions else {}),
            **config,
        )
        self.fusion = positions
        self.causal = bool(causal) and (not positions or tagger_window > 0)
        self.complex = output == "complex"
        self.min_gain = 10 ** (min_gain_db / 20)
        kt, kf = kernel
        pf = kf // 2
        c = channels
        freqs = [self.n_bins]
        for _ in range(levels):
            freqs.append((freqs[-1] + 2 * pf - kf) // 2 + 1)
        self.freqs = freqs

        extra = {p: int(p in positions) for p in FUSION_POSITIONS}  # the embedding's channel at each position
        self.in_conv = TimeConv(nn.Conv2d(3 + extra["early"], c, (kt, kf), padding=(0, pf)), causal)
        self.in_norm = make_norm(norm, c)
        self.enc = nn.ModuleList(_DenseBlock(c, dense_layers, growth, (kt, kf), causal, norm) for _ in range(levels))
        self.down = nn.ModuleList(nn.Conv2d(c, c, (1, kf), stride=(1, 2), padding=(0, pf)) for _ in range(levels))
        self.down_norm = nn.ModuleList(make_norm(norm, c) for _ in range(levels))

        flat = c * freqs[-1]
        self.tcn_in = nn.Conv1d(flat + extra["middle"] * freqs[-1], tcn_channels, 1)
        self.tcn = nn.ModuleList(
            _TCNBlock(tcn_channels, tcn_hidden, tcn_kernel, 2**b, causal, norm)
            for _ in range(tcn_repeats)
            for b in range(tcn_blocks)
        )
        self.tcn_out = nn.Conv1d(tcn_channels, flat, 1)

        self.up = nn.ModuleList()
        for lvl in range(levels):  # up[lvl]: freqs[lvl + 1] -> freqs[lvl]
            op = freqs[lvl] - ((freqs[lvl + 1] - 1) * 2 - 2 * pf + kf)
            c_in = 2 * c + (extra["late"] if lvl == levels - 1 else 0)
            self.up.append(
                nn.ConvTranspose2d(c_in, c, (1, kf), stride=(1, 2), padding=(0, pf), output_padding=(0, op))
            )
        self.up_norm = nn.ModuleList(make_norm(norm, c) for _ in range(levels))
        self.dec = nn.ModuleList(_DenseBlock(c, dense_layers, growth, (kt, kf), causal, norm) for _ in range(levels))
        self.out_conv = nn.Conv2d(2 * c, 2 if self.complex else 1, 1)
        if positions:  # built last, so that the layers before draw their initial weights as without fusion
            from hush.models.blocks.tag_fusion import FusionPlane, TagEmbedder

            self.embedder = TagEmbedder(self.sample_rate, hop, tagger_window, tagger_step)
            sizes = {"early": freqs[0], "middle": freqs[-1], "late": freqs[-1]}
            self.fuse = nn.ModuleDict({p: FusionPlane(sizes[p]) for p in positions})

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {
            "channels": 4,
            "levels": 2,
            "dense_layers": 1,
            "growth": 4,
            "tcn_channels": 16,
            "tcn_hidden": 16,
            "tcn_blocks": 2,
            "tcn_repeats": 1,
            "n_fft": 128,
            "hop": 64,
        }

    @property
    def lookahead(self) -> int:
        if self.fusion and not self.embedder.causal:  # the clip embedding sees the whole input
            return UNBOUNDED
        future = sum(m.future for m in self.modules() if isinstance(m, TimeConv))
        return self.n_fft - 1 + future * self.hop_size

    # The tagger's embedding travels in the estimator state: {"emb": (B, K, 384), "net": conv buffers, "tag": the
    # running embedding's stream state}; without fusion the state is the conv buffers alone.
    def offline_state(self, noisy: torch.Tensor, spec: torch.Tensor) -> Any:
        return {"emb": self.embedder(noisy, spec.shape[1]), "net": None, "tag": None} if self.fusion else None

    def init_estimator_state(self, batch: int) -> Any:
        return {"emb": None, "net": None, "tag": self.embedder.init_state(batch)} if self.fusion else None

    def step(self, hop: torch.Tensor, state: dict[str, Any]) -> tuple[torch.Tensor, dict[str, Any]]:
        if self.fusion:
            emb, tag = self.embedder.stream(hop, state["net"]["tag"])
            state = {**state, "net": {**state["net"], "emb": emb, "tag": tag}}
        return super().step(hop, state)

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, dict[str, torch.Tensor]]:
        emb = state["emb"] if self.fusion else None
        cur = StateCursor(state["net"] if self.fusion else state)
        feats = spec_features(spec, True)
        if "early" in self.fusion:
            feats = torch.cat([feats, self.fuse["early"](emb)], dim=1)
        x0 = F.elu(self.in_norm(cur(self.in_conv, feats)))
        x, skips = x0, []
        for block, down, norm in zip(self.enc, self.down, self.down_norm, strict=True):
            x = F.elu(norm(down(block(x, cur))))
            skips.append(x)
        b, c, k, f = x.shape
        if "middle" in self.fusion:
            x = torch.cat([x, self.fuse["middle"](emb)], dim=1)
        h = self.tcn_in(x.permute(0, 1, 3, 2).reshape(b, -1, k))
        for block in self.tcn:
            h = block(h, cur)
        bottleneck = h
        x = self.tcn_out(h).reshape(b, c, f, k).permute(0, 1, 3, 2)
        if "late" in self.fusion:
            x = torch.cat([x, self.fuse["late"](emb)], dim=1)
        for lvl in range(len(self.up) - 1, -1, -1):
            x = F.elu(self.up_norm[lvl](self.up[lvl](torch.cat([x, skips[lvl]], dim=1))))
            x = self.dec[lvl](x, cur)
        decoder = x
        dec_out = torch.cat([x, x0], dim=1)
        x = self.out_conv(dec_out)
        if self.complex:
            gain = bounded_complex_mask(x[:, 0], x[:, 1])
        else:
            gain = self.min_gain + (1 - self.min_gain) * torch.sigmoid(x[:, 0])
        state = {"emb": None, "net": cur.out, "tag": state["tag"]} if self.fusion else cur.out
        feats = {"bottleneck": bottleneck.transpose(1, 2), "features": skips[-1], "decoder": decoder}
        return gain, state, {**feats, "decoder_out": dec_out}
