"""Conditioning a network on a frozen AudioSet tagger's embedding (:mod:`hush.tagging`).

:class:`TagEmbedder` gives one 384-d embedding per STFT frame of the noisy input:

* ``window_s = 0``: the clip embedding of the whole input (the same for every frame; not causal);
* ``window_s > 0``: a running embedding over the past only. Every ``step_s`` seconds the tagger embeds the last
  ``window_s`` seconds (zeros before the start); frame ``k``, whose last input sample is ``(k + 1) * hop - 1``,
  uses the newest window that ends at or before ``(k + 1) * hop`` samples, and frames before the first window use
  the embedding of silence. Each window is resampled to 32 kHz on its own, so the embedding is causal and
  streaming (:meth:`TagEmbedder.stream`) equals offline.

The tagger is frozen and is not part of the model's state dict or parameters: model files stay small and the
weights come from :func:`hush.tagging.load_tagger`.

:class:`FusionPlane` is the fusion of Xu et al.'s tagging-aware enhancement: a linear layer maps the embedding to
``F'`` values (the frequency size of the feature map it joins), tiled over time as one extra channel of the
``(C, T, F')`` map.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from hush.tagging import EMBEDDING_DIM, load_tagger


class TagEmbedder(nn.Module):
    def __init__(self, sample_rate: int, hop: int, window_s: float = 0.0, step_s: float = 0.5):
        super().__init__()
        if window_s < 0 or (window_s > 0 and not 0 < step_s <= window_s):
            raise ValueError(f"tagger window {window_s} s / step {step_s} s: need window >= 0 and 0 < step <= window")
        self.sample_rate, self.hop = int(sample_rate), int(hop)
        self.window = int(round(window_s * sample_rate))
        self.step = int(round(step_s * sample_rate)) if window_s > 0 else 0
        # A private frozen copy outside the module tree: no state-dict entries, no parameters, moved by ``_apply``.
        object.__setattr__(self, "tagger", copy.deepcopy(load_tagger()))

    @property
    def causal(self) -> bool:
        return self.window > 0

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        self.tagger._apply(fn)
        return self

    def train(self, mode: bool = True):
        super().train(mode)
        self.tagger.eval()  # frozen: batch norm keeps its statistics
        return self

    @torch.no_grad()
    def embed(self, windows: torch.Tensor) -> torch.Tensor:
        """``(B, N)`` model-rate audio -> ``(B, 384)``, each row tagged on its own."""
        return self.tagger.at_rate(windows, self.sample_rate)[1]

    def window_index(self, frames: torch.Tensor) -> torch.Tensor:
        """For frame numbers ``k``: the index ``m`` of the window used (window ``m`` ends at ``m * step`` samples;
        window 0 is silence)."""
        return torch.div((frames + 1) * self.hop, self.step, rounding_mode="floor")

    def forward(self, noisy: torch.Tensor, n_frames: int) -> torch.Tensor:
        """``(B, T)`` noisy audio -> ``(B, n_frames, 384)`` embeddings."""
        b = noisy.shape[0]
        if not self.causal:
            return self.embed(noisy)[:, None].expand(b, n_frames, EMBEDDING_DIM)
        frames = torch.arange(n_frames, device=noisy.device)
        m = self.window_index(frames)
        n_win = int(m[-1]) + 1
        need = (n_win - 1) * self.step + self.window
        xp = torch.nn.functional.pad(noisy, (self.window, 0))
        xp = torch.nn.functional.pad(xp, (0, max(0, need - xp.shape[-1])))[:, :need]
        wins = xp.unfold(-1, self.window, self.step)  # (B, n_win, window): window m covers [m*step - window, m*step)
        emb = self.embed(wins.reshape(b * n_win, self.window)).reshape(b, n_win, EMBEDDING_DIM)
        return emb[:, m]

    # ------------------------------------------------------------------------------------------- streaming
    def init_state(self, batch: int) -> dict[str, Any]:
        device = self.tagger.logmel.window.device
        return {
            "buf": torch.zeros(batch, self.window, device=device),  # the input's last ``window`` samples
            "frames": 0,
            "window": -1,  # index of the current window (-1: none computed yet)
            "emb": torch.zeros(batch, EMBEDDING_DIM, device=device),
        }

    def stream(self, hops: torch.Tensor, state: dict[str, Any]) -> tuple[torch.Tensor, dict[str, Any]]:
        """Consume ``(B, n * hop)`` new samples: the ``(B, n, 384)`` embeddings of their ``n`` frames."""
        n = hops.shape[-1] // self.hop
        k0 = state["frames"]
        buf = torch.cat([state["buf"], hops], dim=-1)  # input samples [k0*hop - window, (k0 + n)*hop)
        start = k0 * self.hop - self.window
        cur = state["window"]
        m = self.window_index(torch.arange(k0, k0 + n)).tolist()
        embs = {cur: state["emb"]}
        wanted = sorted(set(m) - {cur})  # windows that ended since the last call (frame windows never go back)
        if wanted:
            wins = torch.stack([buf[:, w * self.step - self.window - start : w * self.step - start] for w in wanted], 1)
            new = self.embed(wins.reshape(-1, self.window)).reshape(buf.shape[0], len(wanted), EMBEDDING_DIM)
            embs.update({w: new[:, i] for i, w in enumerate(wanted)})
        state = {"buf": buf[:, -self.window :], "frames": k0 + n, "window": m[-1], "emb": embs[m[-1]]}
        return torch.stack([embs[v] for v in m], 1), state


class FusionPlane(nn.Module):
    """``(B, K, 384)`` embeddings -> ``(B, 1, K, F')``: one extra channel for a ``(B, C, K, F')`` feature map."""

    def __init__(self, freqs: int):
        super().__init__()
        self.proj = nn.Linear(EMBEDDING_DIM, freqs)

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        return self.proj(emb)[:, None]
