"""Base class and registry of neural enhancement models (architectures: ``register``, ``get``, ``names``).

A model maps a noisy waveform batch ``(B, T)`` at ``sample_rate`` to a dict whose ``"enhanced"`` entry is the
``(B, T)`` estimate; other entries expose intermediate features for losses (distillation, multi-task heads).

``lookahead`` is the smallest L such that ``output[:t]`` does not depend on ``input[t + L:]``: it includes the
analysis window and any lookahead frames. Causal models also implement ``init_state`` / ``step``: feeding
``hop_size`` samples at a time gives the offline output delayed by ``stream_delay`` samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from hush.errors import MethodError
from hush.registry import Registry


def _name_class(name: str, cls: type[SEModel]) -> None:
    cls.arch = name


ARCHITECTURES: Registry[type[SEModel]] = Registry("architecture", MethodError, on_register=_name_class)
register = ARCHITECTURES.register  # class decorator: @register("erbdf"); sets ``cls.arch``
get = ARCHITECTURES.get
names = ARCHITECTURES.names


def build_model(name: str, **config: Any) -> SEModel:
    """An instance of the registered architecture ``name`` with ``config``."""
    cls = get(name)
    try:
        return cls(**config)
    except TypeError as e:
        raise MethodError(f"{name}: bad model option ({e})") from None


class SEModel(nn.Module):
    """Base of every architecture. Subclasses call ``super().__init__(**config)`` with their JSON-able config."""

    arch: str = ""
    sample_rate: int = 16000
    causal: bool = True
    hop_size: int = 0  # samples consumed per step() for causal models

    def __init__(self, **config: Any):
        super().__init__()
        self.config = dict(config)

    # ---------------------------------------------------------------- properties
    @property
    def lookahead(self) -> int:
        raise NotImplementedError

    @property
    def latency_ms(self) -> float:
        return 1000.0 * self.lookahead / self.sample_rate

    @property
    def stream_delay(self) -> int:
        """Samples by which step() output lags the offline output."""
        return 0

    @property
    def min_length(self) -> int:
        return 1

    @property
    def supports_streaming(self) -> bool:
        return self.causal and type(self).step is not SEModel.step

    @classmethod
    def tiny_config(cls) -> dict[str, Any]:
        """Options for a very small instance, used by the test suite (override per architecture)."""
        return {}

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # ---------------------------------------------------------------- computation
    def forward(self, noisy: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    @torch.no_grad()
    def enhance(self, waveform: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """Enhance ``(T,)`` or ``(B, T)`` audio at ``sample_rate``; returns the same type and shape."""
        was_numpy = isinstance(waveform, np.ndarray)
        x = torch.as_tensor(np.asarray(waveform, dtype=np.float32)) if was_numpy else waveform.float()
        squeeze = x.dim() == 1
        x = x[None] if squeeze else x
        training = self.training
        self.eval()
        y = self(x)["enhanced"]
        self.train(training)
        y = y[0] if squeeze else y
        return y.numpy() if was_numpy else y

    def init_state(self, batch: int = 1) -> Any:
        raise NotImplementedError(f"{self.arch} is not a streaming model")

    def step(self, hop: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        """Consume ``(B, n * hop_size)`` samples (``n >= 1`` whole hops) and return as many output samples and the
        next state. Feeding many hops per call gives the same output as one hop at a time (to float rounding) at
        close to offline speed; ``ModelStream`` feeds blocks of up to ``MAX_BLOCK_FRAMES`` hops."""
        raise NotImplementedError(f"{self.arch} is not a streaming model")
