"""Weighted sums of losses and :func:`build_loss`, which turns a config spec into one."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Real

import torch
from torch import Tensor, nn

from hush.losses.base import Loss, LossSpecError, create_loss


class WeightedSum(nn.Module):
    """``sum_i weight_i * loss_i(out, batch)``.

    After each call, :attr:`last` maps every term's label to its unweighted value (floats, converted lazily so
    no device sync happens unless they are read) and :attr:`last_total` gives the total. Terms with weight 0 are
    evaluated without gradient, for logging only.
    """

    def __init__(self, terms: Iterable[tuple[str, float, Loss]]):
        super().__init__()
        terms = list(terms)
        labels = [t[0] for t in terms]
        if len(set(labels)) != len(labels):
            raise LossSpecError(f"duplicate loss labels: {labels}")
        self.labels = labels
        self.weights = [_check_weight(label, w) for label, w, _ in terms]
        self.losses = nn.ModuleList([t[2] for t in terms])
        self._last: dict[str, Tensor] = {}
        self._last_total: Tensor | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, label: str) -> Loss:
        return self.losses[self.labels.index(label)]

    def terms(self) -> list[tuple[str, float, Loss]]:
        return list(zip(self.labels, self.weights, self.losses, strict=True))

    def set_weight(self, label: str, weight: float) -> None:
        """Changes one term's weight (e.g. for a schedule)."""
        self.weights[self.labels.index(label)] = _check_weight(label, weight)

    def extra_repr(self) -> str:
        return ", ".join(f"{label}*{w:g}" for label, w in zip(self.labels, self.weights, strict=True))

    def forward(self, out: dict[str, Tensor], batch: dict[str, Tensor]) -> Tensor:
        total: Tensor | None = None
        last: dict[str, Tensor] = {}
        for label, weight, loss in zip(self.labels, self.weights, self.losses, strict=True):
            if weight == 0:
                with torch.no_grad():
                    value = loss(out, batch)
            else:
                value = loss(out, batch)
                total = weight * value if total is None else total + weight * value
            last[label] = value.detach()
        if total is None:  # logging-only configuration
            total = next(iter(last.values())).new_zeros(()) if last else torch.zeros(())
        self._last = last
        self._last_total = total.detach()
        return total

    @property
    def last(self) -> dict[str, float]:
        """Unweighted value of every term at the last call."""
        return {k: float(v) for k, v in self._last.items()}

    @property
    def last_total(self) -> float | None:
        return None if self._last_total is None else float(self._last_total)


def _check_weight(label: str, weight) -> float:
    if isinstance(weight, bool) or not isinstance(weight, Real) or not math.isfinite(weight):
        raise LossSpecError(f"loss {label!r}: weight must be a finite number, got {weight!r}")
    return float(weight)


def _unique(label: str, used: set[str]) -> str:
    if label not in used:
        return label
    i = 2
    while f"{label}#{i}" in used:
        i += 1
    return f"{label}#{i}"


def build_loss(spec) -> WeightedSum:
    """Builds a :class:`WeightedSum` from a spec:

    * a name: ``"si-snr"`` (weight 1);
    * a mapping name -> weight, or name -> options with an optional ``weight``:
      ``{"mr-stft": 1.0, "si-snr": {"weight": 0.1, "eps": 1e-6}}``;
    * a list of names / mappings with ``name``, optional ``weight`` (1), optional ``label`` (for logging; repeated
      labels get ``#2``, ``#3``...) and loss options: ``[{"name": "mse", "weight": 0.5, "est_key": "student",
      "ref_key": "teacher", "label": "distill"}]``;
    * a :class:`Loss` (weight 1) or a :class:`WeightedSum` (returned as is).
    """
    if isinstance(spec, WeightedSum):
        return spec
    if isinstance(spec, (str, Loss)):
        items = [spec]
    elif isinstance(spec, Mapping):
        items = []
        for name, val in spec.items():
            if isinstance(val, Mapping):
                items.append({"name": name, **val})
            else:
                items.append({"name": name, "weight": val})
    elif isinstance(spec, Iterable):
        items = list(spec)
    else:
        raise LossSpecError(f"bad loss spec {spec!r}: expected a name, a mapping or a list")
    if not items:
        raise LossSpecError("empty loss spec")

    terms, used = [], set()
    for item in items:
        if isinstance(item, str):
            label, weight, loss = item, 1.0, create_loss(item)
        elif isinstance(item, Loss):
            label, weight, loss = item.name or type(item).__name__, 1.0, item
        elif isinstance(item, Mapping):
            opts = dict(item)
            if "name" not in opts:
                raise LossSpecError(f"loss spec item {item!r} has no 'name'")
            name = opts.pop("name")
            weight = opts.pop("weight", 1.0)
            label = str(opts.pop("label", name))
            loss = create_loss(name, **opts)
        else:
            raise LossSpecError(f"bad loss spec item {item!r}")
        label = _unique(label, used)
        used.add(label)
        terms.append((label, _check_weight(label, weight), loss))
    return WeightedSum(terms)
