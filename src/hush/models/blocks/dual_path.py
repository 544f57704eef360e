"""Dual-path recurrent block over a ``(B, K frames, P positions, C channels)`` feature map (Luo et al. 2020, DPRNN;
as DPDFNet inserts it into DeepFilterNet2): an intra-frame RNN runs across the positions (frequency) of each frame,
bidirectionally, then an inter-frame RNN runs along time for each position, with shared weights. Each path is
residual with a layer norm over channels.

The inter-frame RNN is unidirectional unless ``bidirectional``, so the block is causal in time: the intra-frame path
looks at one frame only, and the state to carry between calls is the inter-frame GRU state of every position.
"""

from __future__ import annotations

import torch
from torch import nn


class DualPathBlock(nn.Module):
    def __init__(self, channels: int, bidirectional_time: bool = False):
        super().__init__()
        c = channels
        self.intra = nn.GRU(c, c, batch_first=True, bidirectional=True)
        self.intra_proj = nn.Linear(2 * c, c)
        self.intra_norm = nn.LayerNorm(c)
        self.inter = nn.GRU(c, c, batch_first=True, bidirectional=bidirectional_time)
        self.inter_proj = nn.Linear(2 * c if bidirectional_time else c, c)
        self.inter_norm = nn.LayerNorm(c)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``x``: ``(B, K, P, C)``; ``state``: the inter-frame GRU state ``(dirs, B * P, C)`` or ``None``."""
        b, k, p, c = x.shape
        intra, _ = self.intra(x.reshape(b * k, p, c))
        x = x + self.intra_norm(self.intra_proj(intra)).view(b, k, p, c)
        seq = x.transpose(1, 2).reshape(b * p, k, c)
        inter, state = self.inter(seq, state)
        inter = self.inter_norm(self.inter_proj(inter)).view(b, p, k, c).transpose(1, 2)
        return x + inter, state
