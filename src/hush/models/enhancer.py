"""Adapter from a neural :class:`~hush.models.base.SEModel` to the inference :class:`Enhancer` interface."""

from __future__ import annotations

import copy

import numpy as np
import torch

from hush.methods.base import Enhancer, HopStream, StreamProcessor
from hush.models.base import SEModel

MAX_BLOCK_FRAMES = 256  # hops per step() call: offline speed with bounded memory (2.6 s at 16 kHz / 160)


class ModelStream(HopStream):
    """Feeds every complete hop buffered so far to ``model.step``, up to ``max_frames`` hops per call (one forward
    pass over many frames, with the recurrent and convolution state carried between calls); output is the offline
    output delayed by ``delay``."""

    def __init__(self, model: SEModel, max_frames: int = MAX_BLOCK_FRAMES):
        self.model = model
        self.max_frames = max(int(max_frames), 1)
        self.hop = model.hop_size
        self.delay = model.stream_delay
        self.reset()

    def _reset_state(self) -> None:
        self._state = self.model.init_state(1)
        self._buf = np.zeros(0, np.float32)

    @torch.no_grad()
    def _run(self, x: np.ndarray) -> np.ndarray:
        self._buf = np.concatenate([self._buf, x.astype(np.float32)])
        n = len(self._buf) // self.hop
        outs = []
        for i in range(0, n, self.max_frames):
            k = min(self.max_frames, n - i)
            block = torch.from_numpy(self._buf[i * self.hop : (i + k) * self.hop])[None]
            y, self._state = self.model.step(block, self._state)
            outs.append(y[0].numpy())
        self._buf = self._buf[n * self.hop :]
        return np.concatenate(outs) if outs else np.zeros(0, np.float32)


class ModelEnhancer(Enhancer):
    """Runs a model at its own rate (the caller resamples); causal models stream through ``step``."""

    def __init__(self, model: SEModel, name: str | None = None, description: str = ""):
        self.model = model.eval()
        self.name = name or model.arch
        self.description = description or f"{model.arch} model"
        self.sample_rate = model.sample_rate
        self.causal = model.causal
        # a model file says so in its metadata once it is trained and measured on telephone speech
        self.handles_band_limited = bool(getattr(model, "meta", {}).get("handles_band_limited", False))

    def lookahead(self, sr: int) -> int:
        return self.model.lookahead

    def min_length(self, sr: int) -> int:
        return self.model.min_length

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        return np.asarray(self.model.enhance(np.asarray(x, np.float32)), np.float32)

    def stream(self, sr: int) -> StreamProcessor:
        if not self.model.supports_streaming:
            raise NotImplementedError(f"{self.name} does not support streaming")
        return ModelStream(self.model, MAX_BLOCK_FRAMES)

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer | None:
        """STFT models apply the limit and mix on their own spectrum (``STFTModel.post_spec``): no added latency.

        The copy shares the weights with this enhancer; only its model's control attributes differ.
        """
        from hush.models.stft_mask import STFTModel

        if not isinstance(self.model, STFTModel):
            return None
        new = copy.copy(self)
        new.model = copy.copy(self.model)  # shallow: same parameters and buffers, own attributes
        new.model.atten_lim_db, new.model.mix = atten_lim_db, float(mix)
        return new

    def suppression_control(self) -> tuple[float | None, float]:
        return getattr(self.model, "atten_lim_db", None), float(getattr(self.model, "mix", 1.0))

    def set_threads(self, n: int) -> None:
        torch.set_num_threads(max(int(n), 1))
