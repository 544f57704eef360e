"""Conformer block (Gulati et al. 2020, "Conformer: Convolution-augmented transformer for speech recognition") in the
form MP-SENet and CMGAN use along time and along frequency: half-step feed-forward, multi-head self-attention, the
convolution module, a second half-step feed-forward and a final layer norm, each sub-module residual.

Positions enter through a learned relative-position bias per head (offsets clipped to ``±max_offset``), not the Shaw
et al. relative embeddings of the reference code: the bias costs O(heads · n²) memory shared over the batch, where the
embeddings cost O(batch · heads · n² · head_dim), too much for the thousands of sequences a time × frequency trunk
attends over. Non-causal (full attention, centred depthwise convolution).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4, dropout: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.LayerNorm(dim),
            nn.Linear(dim, dim * mult),
            nn.SiLU(),
            nn.Dropout(dropout),
            nn.Linear(dim * mult, dim),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class RelativeSelfAttention(nn.Module):
    """Multi-head self-attention over ``(N, L, D)`` with a learned bias per head and clipped relative offset."""

    def __init__(self, dim: int, heads: int = 4, dropout: float = 0.0, max_offset: int = 128):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not a multiple of heads {heads}")
        self.heads, self.max_offset, self.dropout = heads, max_offset, dropout
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.rel_bias = nn.Parameter(torch.zeros(heads, 2 * max_offset + 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, length, d = x.shape
        q, k, v = self.qkv(self.norm(x)).view(n, length, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        pos = torch.arange(length, device=x.device)
        rel = (pos[None, :] - pos[:, None]).clamp(-self.max_offset, self.max_offset) + self.max_offset
        bias = self.rel_bias[:, rel].to(q.dtype)  # (H, L, L), broadcast over the N sequences
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=self.dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(n, length, d))


class ConvModule(nn.Module):
    """Pointwise conv with GLU, depthwise conv, batch norm, SiLU, pointwise conv."""

    def __init__(self, dim: int, kernel: int = 31, expansion: int = 2, dropout: float = 0.0):
        super().__init__()
        inner = dim * expansion
        self.norm = nn.LayerNorm(dim)
        self.net = nn.Sequential(
            nn.Conv1d(dim, 2 * inner, 1),
            nn.GLU(dim=1),
            nn.Conv1d(inner, inner, kernel, padding=kernel // 2, groups=inner),
            nn.BatchNorm1d(inner),
            nn.SiLU(),
            nn.Conv1d(inner, dim, 1),
            nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.norm(x).transpose(1, 2)).transpose(1, 2)


class ConformerBlock(nn.Module):
    """``x + ½FF(x)``, ``+ MHSA``, ``+ Conv``, ``+ ½FF``, then LayerNorm; ``(N, L, D) -> (N, L, D)``."""

    def __init__(
        self, dim: int, heads: int = 4, ffn_mult: int = 4, kernel: int = 31, dropout: float = 0.0, max_offset: int = 128
    ):
        super().__init__()
        self.ff1 = FeedForward(dim, ffn_mult, dropout)
        self.attn = RelativeSelfAttention(dim, heads, dropout, max_offset)
        self.conv = ConvModule(dim, kernel, dropout=dropout)
        self.ff2 = FeedForward(dim, ffn_mult, dropout)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + 0.5 * self.ff1(x)
        x = x + self.attn(x)
        x = x + self.conv(x)
        x = x + 0.5 * self.ff2(x)
        return self.norm(x)
