"""MetricGAN+'s history buffer: earlier generator outputs with their true scores, replayed to the discriminator so
that it does not forget what older generators did (Fu et al. 2021, section 2.2)."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence


class ReplayBuffer:
    """At most ``capacity`` items ``(reference, output, scores)``, the oldest replaced first once full."""

    def __init__(self, capacity: int):
        self.capacity = int(capacity)
        self.items: list[tuple[Tensor, Tensor, Tensor]] = []
        self.next = 0

    def __len__(self) -> int:
        return len(self.items)

    def add(self, ref: Tensor, sig: Tensor, scores: Tensor) -> None:
        """One item: ``(T,)`` reference and output (valid samples only), ``(K,)`` normalised scores."""
        if self.capacity <= 0 or not torch.isfinite(scores).any():
            return
        item = (ref.detach().clone(), sig.detach().clone(), scores.detach().clone())
        if len(self.items) < self.capacity:
            self.items.append(item)
        else:
            self.items[self.next] = item
        self.next = (self.next + 1) % self.capacity

    def sample(self, n: int) -> tuple[Tensor, Tensor, Tensor] | None:
        """``n`` items drawn with replacement (torch's global generator), zero-padded to a common length:
        ``(n, T)`` references, ``(n, T)`` outputs, ``(n, K)`` scores; ``None`` while empty."""
        if not self.items or n <= 0:
            return None
        idx = torch.randint(len(self.items), (n,)).tolist()
        refs, sigs, scores = zip(*(self.items[i] for i in idx), strict=True)
        return (
            pad_sequence(list(refs), batch_first=True),
            pad_sequence(list(sigs), batch_first=True),
            torch.stack(scores),
        )

    def state(self) -> dict:
        return {"items": [list(it) for it in self.items], "next": self.next}

    def load_state(self, state: dict) -> None:
        self.items = [tuple(it) for it in state["items"]]
        self.next = int(state["next"])
