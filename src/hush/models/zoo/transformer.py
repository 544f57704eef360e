"""Temporal self-attention mask network ``transformer``: causal windowed attention with a bounded KV cache."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from hush.methods.base import UNBOUNDED
from hush.models.base import register
from hush.models.stft_mask import FeatureSTFTModel


class _SelfAttention(nn.Module):
    """Multi-head self-attention over frames with a learned relative-position bias per head.

    Causal mode: query ``i`` attends to keys ``i - window + 1 .. i`` (relative offsets ``0 .. window - 1``). The
    offline pass and the streaming pass use the same code: the keys/values of the previous ``window - 1`` frames
    (zeros and masked out before the first frame) are prepended and unfolded into one window per query, so the
    streaming state is a bounded KV cache. Non-causal mode: full attention, relative offsets clipped to
    ``±(window - 1)``.
    """

    def __init__(self, dim: int, heads: int, window: int, causal: bool):
        super().__init__()
        if dim % heads:
            raise ValueError(f"d_model {dim} is not a multiple of heads {heads}")
        self.heads, self.head_dim, self.window, self.causal = heads, dim // heads, window, causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.rel_bias = nn.Parameter(torch.zeros(heads, 2 * window - 1))  # offsets -(W-1) .. W-1

    def _split(self, x: torch.Tensor) -> torch.Tensor:  # (B, K, D) -> (B, H, K, Dh)
        b, k, _ = x.shape
        return x.reshape(b, k, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x: torch.Tensor, cache: dict | None) -> tuple[torch.Tensor, dict | None, torch.Tensor]:
        b, k, d = x.shape
        q, kk, v = (self._split(t) for t in self.qkv(x).chunk(3, dim=-1))
        q = q * self.head_dim**-0.5
        w = self.window
        if not self.causal:
            scores = q @ kk.transpose(-1, -2)  # (B, H, K, K)
            pos = torch.arange(k, device=x.device)
            rel = (pos[None, :] - pos[:, None]).clamp(-(w - 1), w - 1) + (w - 1)
            attn = torch.softmax(scores + self.rel_bias[:, rel][None], dim=-1)
            y = attn @ v
            return self.out(y.transpose(1, 2).reshape(b, k, d)), None, attn
        if cache is None:
            zeros = x.new_zeros(b, self.heads, w - 1, self.head_dim)
            cache = {"k": zeros, "v": zeros, "t": 0}
        keys = torch.cat([cache["k"], kk], dim=2)  # (B, H, W - 1 + K, Dh)
        vals = torch.cat([cache["v"], v], dim=2)
        kw = keys.unfold(2, w, 1)  # (B, H, K, Dh, W): window j of query i = keys[i + j], offset j - (W - 1)
        vw = vals.unfold(2, w, 1)
        scores = torch.einsum("bhkd,bhkdw->bhkw", q, kw) + self.rel_bias[:, :w][None, :, None]
        # key slot j of query i has absolute frame t0 + i - (W - 1) + j; frames before 0 are padding
        idx = cache["t"] + torch.arange(k, device=x.device)[:, None] - (w - 1) + torch.arange(w, device=x.device)
        scores = scores.masked_fill(idx < 0, float("-inf"))
        attn = torch.softmax(scores, dim=-1)
        y = torch.einsum("bhkw,bhkdw->bhkd", attn, vw)
        new = {
            "k": keys[:, :, keys.shape[2] - (w - 1) :],
            "v": vals[:, :, vals.shape[2] - (w - 1) :],
            "t": cache["t"] + k,
        }
        return self.out(y.transpose(1, 2).reshape(b, k, d)), new, attn


class _EncoderLayer(nn.Module):
    """Pre-norm transformer encoder layer: x + MHSA(LN(x)), then x + FFN(LN(x))."""

    def __init__(self, dim: int, heads: int, ffn: int, window: int, causal: bool, dropout: float):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = _SelfAttention(dim, heads, window, causal)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn), nn.GELU(), nn.Dropout(dropout), nn.Linear(ffn, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, cache: dict | None) -> tuple[torch.Tensor, dict | None, torch.Tensor]:
        a, cache, attn = self.attn(self.norm1(x), cache)
        x = x + self.drop(a)
        return x + self.drop(self.ffn(self.norm2(x))), cache, attn


@register("transformer")
class TransformerMask(FeatureSTFTModel):
    """Transformer encoder over STFT frames estimating a real-valued mask.

    The Transformer (Vaswani et al. 2017) stacks layers of multi-head self-attention and position-wise
    feed-forward networks; for enhancement, e.g. T-GSA (Kim et al. 2020), such an encoder runs along time over
    spectral frames and predicts a time-frequency mask. This implementation: per-frame log-power spectrum with
    layer norm, a linear input projection to ``d_model``, ``layers`` pre-norm encoder layers (self-attention over
    frames + GELU feed-forward), and a linear + sigmoid head giving a gain per bin (floored at ``min_gain_db``).
    Position enters only through a learned per-head relative-position bias (no absolute positional encoding), so
    the network is shift-invariant and stream-consistent. ``causal=True`` restricts every query to the last
    ``window`` frames (itself included); the streaming state is a KV cache of ``window - 1`` frames per layer and
    step() equals the offline pass. ``causal=False`` uses full attention over the utterance (relative offsets
    clipped to ``±(window - 1)``), which is not streamable. T-GSA's Gaussian-weighted attention and its complex
    output are not reproduced.

    Reference: A. Vaswani et al., "Attention is all you need", NeurIPS 2017; J. Kim, M. El-Khamy and J. Lee,
    "T-GSA: Transformer with Gaussian-weighted self-attention for speech enhancement", ICASSP 2020.
    """

    def __init__(
        self,
        d_model: int = 256,
        heads: int = 4,
        layers: int = 4,
        ffn: int = 1024,
        window: int = 64,
        causal: bool = True,
        dropout: float = 0.0,
        n_fft: int = 512,
        hop: int = 256,
        min_gain_db: float = -40.0,
        **config: Any,
    ):
        if window < 1:
            raise ValueError("window must be >= 1")
        super().__init__(
            n_fft=n_fft,
            hop=hop,
            d_model=d_model,
            heads=heads,
            layers=layers,
            ffn=ffn,
            window=window,
            causal=causal,
            dropout=dropout,
            min_gain_db=min_gain_db,
            **config,
        )
        self.causal = bool(causal)
        self.min_gain = 10 ** (min_gain_db / 20)
        self.in_norm = nn.LayerNorm(self.n_bins)
        self.proj = nn.Linear(self.n_bins, d_model)
        self.blocks = nn.ModuleList(
            _EncoderLayer(d_model, heads, ffn, window, self.causal, dropout) for _ in range(layers)
        )
        self.out_norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, self.n_bins)

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        return {"d_model": 16, "heads": 2, "layers": 2, "ffn": 32, "window": 8, "n_fft": 128, "hop": 64}

    @property
    def lookahead(self) -> int:
        return super().lookahead if self.causal else UNBOUNDED

    def _run(self, spec: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any, dict[str, torch.Tensor]]:
        x = self.proj(self.in_norm(torch.log10(spec.real.square() + spec.imag.square() + 1e-10)))
        caches = state if state is not None else [None] * len(self.blocks)
        new, attn = [], None
        for block, cache in zip(self.blocks, caches, strict=True):
            x, cache, attn = block(x, cache)
            new.append(cache)
        x = self.out_norm(x)
        gain = self.min_gain + (1 - self.min_gain) * torch.sigmoid(self.head(x))
        return gain, new, {"features": x, "attention": attn}
