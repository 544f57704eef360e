"""Stream processors built from any Enhancer.

* :class:`ChunkedOffline` runs a (possibly non-causal) ``enhance`` on overlapping chunks and crossfades them, so
  long inputs need bounded memory. Inputs shorter than one chunk are enhanced in one piece, exactly as offline.
* :class:`WholeSignal` enhances the whole input in one piece at ``flush``: the offline path as a processor.
* :func:`make_stream` picks the method's own streaming processor when it has one, else overlapping chunks.
"""

from __future__ import annotations

import numpy as np

from hush.methods.base import Enhancer, StreamProcessor

_EMPTY = np.zeros(0, np.float32)


class ChunkedOffline(StreamProcessor):
    """Overlapping-chunk processing with a linear crossfade; output is aligned (``delay == 0``).

    By default one more step of ``chunk - overlap`` samples is kept back, so that the last chunk is never tiny
    (bounded-memory file enhancement). ``low_latency`` enhances a chunk as soon as it is complete, so that a sample
    waits at most ``chunk - 1`` samples (streaming); ``flush`` then pads a tail shorter than the method's minimum
    length with zeros and cuts the result back.
    """

    delay = 0

    def __init__(self, enhancer: Enhancer, sr: int, chunk: int, overlap: int, low_latency: bool = False):
        if not 0 < overlap < chunk:
            raise ValueError("need 0 < overlap < chunk")
        self.enhancer, self.sr, self.low_latency = enhancer, sr, low_latency
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
        self._buf = np.concatenate([self._buf, np.asarray(chunk, np.float32).reshape(-1)])
        step = self.chunk - self.overlap
        ready = self.chunk if self.low_latency else self.chunk + step
        out = []
        while len(self._buf) >= ready:
            y = self._blend(self.enhancer.enhance(self._buf[: self.chunk], self.sr).astype(np.float32))
            out.append(y[:step])
            self._tail = y[step:]
            self._buf = self._buf[step:]
        return np.concatenate(out) if out else _EMPTY

    def flush(self) -> np.ndarray:
        n = len(self._buf)
        if not n:
            self.reset()
            return _EMPTY
        short = self.enhancer.min_length(self.sr) - n
        x = np.pad(self._buf, (0, short)) if short > 0 else self._buf
        y = self._blend(self.enhancer.enhance(x, self.sr).astype(np.float32)[:n])
        self.reset()
        return y


class WholeSignal(StreamProcessor):
    """Buffers everything and returns ``enhancer.enhance`` of the whole input at ``flush`` (``delay == 0``)."""

    delay = 0

    def __init__(self, enhancer: Enhancer, sr: int):
        self.enhancer, self.sr = enhancer, sr
        self.reset()

    def reset(self) -> None:
        self._parts: list[np.ndarray] = []

    def process(self, chunk: np.ndarray) -> np.ndarray:
        self._parts.append(np.asarray(chunk, np.float32).reshape(-1))
        return _EMPTY

    def flush(self) -> np.ndarray:
        x = np.concatenate(self._parts) if len(self._parts) > 1 else self._parts[0] if self._parts else _EMPTY
        self.reset()
        return self.enhancer.enhance(x, self.sr) if len(x) else _EMPTY


def frame_hop(enhancer: Enhancer) -> int:
    """The hop of a neural model's frame grid (1 for methods without one)."""
    return max(int(getattr(getattr(enhancer, "model", None), "hop_size", 0) or 1), 1)


def chunk_sizes(enhancer: Enhancer, sr: int, chunk_seconds: float, overlap_seconds: float) -> tuple[int, int]:
    """``(chunk, overlap)`` in samples at ``sr`` for the chunked fallback. The chunk step is a whole number of the
    model's hops (at least one), so that every chunk's frames lie on the whole-signal frame grid."""
    hop = frame_hop(enhancer)
    chunk = max(int(round(chunk_seconds * sr)), 2 * hop, 2)
    overlap = min(max(int(round(overlap_seconds * sr)), 1), chunk - 1)
    step = max((chunk - overlap) // hop * hop, hop)
    return chunk, chunk - step


def make_stream(
    enhancer: Enhancer,
    sr: int,
    chunk_seconds: float = 30.0,
    overlap_seconds: float = 1.0,
    low_latency: bool = False,
) -> StreamProcessor:
    """The method's own streaming processor if it is causal and has one, else :class:`ChunkedOffline`."""
    if enhancer.causal:
        try:
            return enhancer.stream(sr)
        except NotImplementedError:
            pass
    chunk, overlap = chunk_sizes(enhancer, sr, chunk_seconds, overlap_seconds)
    return ChunkedOffline(enhancer, sr, chunk, overlap, low_latency)
