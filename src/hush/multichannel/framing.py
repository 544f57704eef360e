"""Frame-synchronous multi-channel streaming: analysis of every channel, a per-frame source (mask, gain), a
per-frame operation, synthesis.

:class:`FrameStream` is the one streaming path of the beamformers and of linked-channel enhancement. Its input
frames are exactly the offline :func:`hush.dsp.stft.stft` frames, so when the per-frame source and operation are
causal the stream equals the offline computation delayed by ``delay``. A source that needs a few samples of the
future (a neural model's stream delay) makes the frames wait; the stream then leads with that many samples of
zeros, rounded up to whole hops, so that its output keeps pace with the input.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable

import numpy as np

from hush.dsp.stft import StreamingISTFT, StreamingSTFT
from hush.methods.multichannel import MultiStreamProcessor


class MultiSTFT:
    """:class:`~hush.dsp.stft.StreamingSTFT` over every channel: ``(C, n)`` samples in, ``(C, k, F)`` frames out."""

    def __init__(self, channels: int, n_fft: int, hop: int):
        self.stfts = [StreamingSTFT(n_fft, hop) for _ in range(channels)]

    def push(self, block: np.ndarray) -> np.ndarray:
        return np.stack([s.push(np.asarray(c, np.float64)) for s, c in zip(self.stfts, block, strict=True)])

    def flush(self) -> np.ndarray:
        return np.stack([s.flush() for s in self.stfts])

    def reset(self) -> None:
        for s in self.stfts:
            s.reset()

    @property
    def n_in(self) -> int:
        return self.stfts[0].n_in


class FrameSource(ABC):
    """Per-frame side information (a mask ``(F,)``, gains ``(C, F)``), one item per input frame, in order.

    ``lag``: input samples past a frame's end the source needs before it can give that frame's item.
    """

    lag: int = 0

    @abstractmethod
    def push(self, block: np.ndarray, frames: np.ndarray) -> list[np.ndarray]:
        """The new ``(C, n)`` samples and the ``(C, k, F)`` frames they completed; returns the items now ready."""

    @abstractmethod
    def flush(self, frames: np.ndarray) -> list[np.ndarray]:
        """The last frames of the (zero-padded) signal; returns every item still owed."""

    @abstractmethod
    def reset(self) -> None: ...


class FrameStream(MultiStreamProcessor):
    """Analysis -> (frame, item) -> ``op`` -> ``(C_out, F)`` spectrum -> synthesis, for ``C_out`` outputs."""

    def __init__(
        self,
        channels: int,
        n_fft: int,
        hop: int,
        source: FrameSource,
        op: Callable[[np.ndarray, np.ndarray], np.ndarray],
        out_channels: int,
        on_reset: Callable[[], None] | None = None,
    ):
        self.n_fft, self.hop = n_fft, hop
        self.ana = MultiSTFT(channels, n_fft, hop)
        self.syn = [StreamingISTFT(n_fft, hop) for _ in range(out_channels)]
        self.source, self.op, self.on_reset = source, op, on_reset
        self.lead = math.ceil(source.lag / hop) * hop
        self.delay = n_fft - hop + self.lead
        self.reset()

    def reset(self) -> None:
        self.ana.reset()
        for s in self.syn:
            s.reset()
        self.source.reset()
        if self.on_reset is not None:
            self.on_reset()
        self._frames: deque[np.ndarray] = deque()
        self._n_out = 0
        self._lead_due = self.lead

    def _emit(self, items: list[np.ndarray]) -> np.ndarray:
        outs = []
        for item in items:
            spec = self.op(self._frames.popleft(), item)  # (C_out, F)
            outs.append(np.stack([s.push(f[None]) for s, f in zip(self.syn, spec, strict=True)]))
        y = np.concatenate(outs, axis=1) if outs else np.zeros((len(self.syn), 0))
        if self._lead_due and y.shape[1]:
            y = np.concatenate([np.zeros((len(self.syn), self._lead_due)), y], axis=1)
            self._lead_due = 0
        self._n_out += y.shape[1]
        return y.astype(np.float32)

    def _queue(self, frames: np.ndarray) -> None:
        self._frames.extend(frames[:, k] for k in range(frames.shape[1]))

    def process(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block, np.float64)
        frames = self.ana.push(block)
        self._queue(frames)
        return self._emit(self.source.push(block, frames))

    def flush(self) -> np.ndarray:
        frames = self.ana.flush()
        self._queue(frames)
        parts = [self._emit(self.source.flush(frames))]
        target = self.ana.n_in + self.delay
        if self._lead_due:  # nothing came out yet
            parts.append(np.zeros((len(self.syn), self._lead_due), np.float32))
            self._n_out += self._lead_due
            self._lead_due = 0
        zero = np.zeros((1, self.n_fft // 2 + 1), np.complex128)
        while self._n_out < target:  # drain the overlap-add
            blk = np.stack([s.push(zero) for s in self.syn]).astype(np.float32)
            parts.append(blk)
            self._n_out += blk.shape[1]
        y = np.concatenate(parts, axis=1)
        y = y[:, : y.shape[1] - (self._n_out - target)] if self._n_out > target else y
        self.reset()
        return y


class Immediate(FrameSource):
    """A source whose item for each frame is computed from that frame alone, at once: ``fn(frame (C, F))``."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], on_reset: Callable[[], None] | None = None):
        self.fn, self.on_reset = fn, on_reset

    def push(self, block: np.ndarray, frames: np.ndarray) -> list[np.ndarray]:
        return [self.fn(frames[:, k]) for k in range(frames.shape[1])]

    def flush(self, frames: np.ndarray) -> list[np.ndarray]:
        return self.push(np.zeros((frames.shape[0], 0)), frames)

    def reset(self) -> None:
        if self.on_reset is not None:
            self.on_reset()


def run_stream(stream: MultiStreamProcessor, x: np.ndarray) -> np.ndarray:
    """The aligned output of ``stream`` over the whole ``(C, T)`` signal (its delay dropped)."""
    y = np.concatenate([stream.process(x), stream.flush()], axis=1)
    return y[:, stream.delay : stream.delay + x.shape[1]].astype(np.float32)


__all__ = ["FrameSource", "FrameStream", "Immediate", "MultiSTFT", "run_stream"]
