"""Stream processors built from any Enhancer.

* :class:`ChunkedOffline` runs a (possibly non-causal) ``enhance`` on overlapping chunks and crossfades them, so
  long inputs need bounded memory. Inputs shorter than one chunk are enhanced in one piece, exactly as offline.
* :func:`make_stream` picks the method's own streaming processor when it has one.
"""

from __future__ import annotations

import numpy as np

from hush.methods.base import Enhancer, StreamProcessor


class ChunkedOffline(StreamProcessor):
    """Overlapping-chunk processing with a linear crossfade; output is aligned (``delay == 0``)."""

    delay = 0

    def __init__(self, enhancer: Enhancer, sr: int, chunk: int, overlap: int):
        if not 0 < overlap < chunk:
            raise ValueError("need 0 < overlap < chunk")
        self.enhancer, self.sr = enhancer, sr
        self.chunk, self.overlap = chunk, max(overlap, enhancer.min_length(sr))
        self.reset()

    def reset(self) -> None:
        self._buf = np.zeros(0, np.float32)
        self._tail: np.ndarray | None = None

    def _blend(self, y: np.ndarray) -> np.ndarray:
        if self._tail is not None:
            n = min(len(self._tail), len(y))
            ramp = (np.arange(n, dtype=np.float32) + 0.5) / n
            y[:n] = self._tail[:n] * (1 - ramp) + y[:n] * ramp
        return y

    def process(self, chunk: np.ndarray) -> np.ndarray:
        self._buf = np.concatenate([self._buf, np.asarray(chunk, np.float32)])
        step = self.chunk - self.overlap
        out = []
        while len(self._buf) >= self.chunk + step:  # keep one full chunk back so the last one is never tiny
            y = self._blend(self.enhancer.enhance(self._buf[: self.chunk], self.sr).astype(np.float32))
            out.append(y[:step])
            self._tail = y[step:]
            self._buf = self._buf[step:]
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def flush(self) -> np.ndarray:
        if not len(self._buf):
            return np.zeros(0, np.float32)
        y = self._blend(self.enhancer.enhance(self._buf, self.sr).astype(np.float32))
        self.reset()
        return y


def frame_hop(enhancer: Enhancer) -> int:
    """The hop of a neural model's frame grid (1 for methods without one)."""
    return max(int(getattr(getattr(enhancer, "model", None), "hop_size", 0) or 1), 1)


def grid_step(chunk: int, overlap: int, hop: int) -> int:
    """Chunk step rounded down to a multiple of ``hop`` (at least one hop): chunks then lie on the whole-file
    frame grid."""
    return max((chunk - overlap) // hop * hop, hop)


def make_stream(
    enhancer: Enhancer, sr: int, chunk_seconds: float = 30.0, overlap_seconds: float = 1.0
) -> StreamProcessor:
    """The method's own streaming processor if it is causal, else overlapping chunks."""
    if enhancer.causal:
        try:
            return enhancer.stream(sr)
        except NotImplementedError:
            pass
    chunk, overlap = int(chunk_seconds * sr), int(overlap_seconds * sr)
    overlap = chunk - grid_step(chunk, overlap, frame_hop(enhancer))
    return ChunkedOffline(enhancer, sr, chunk, overlap)
