"""The pipeline for methods that see the whole array (beamformers, linked channels, cascades that start with one).

:class:`ArrayPipeline` is :class:`~hush.inference.pipeline.ChannelPipeline` with one multi-channel processor in
place of one processor per channel: ``(C, T)`` blocks are resampled to the method's rate, handed to the processor
whole, and its ``C_out`` output channels (1 for a beamformer: the reference channel) resampled back. With an input
rate above the method's, the high band of the reference channel (or of every channel, when all come out) is kept
as for single-channel methods. :func:`make_pipeline` picks the pipeline a method needs.

Non-causal array methods stream through :class:`ArrayChunked`, overlapping chunks enhanced offline and crossfaded,
as single-channel ones do through :class:`~hush.inference.chunked.ChunkedOffline`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hush.audio.resample import LOW_LATENCY, StreamResampler
from hush.inference.chunked import chunk_sizes, make_stream
from hush.inference.fullband import HighBandKeeper, min_gain
from hush.inference.pipeline import ChannelPipeline, whole_sample_pad
from hush.methods.base import Enhancer
from hush.methods.multichannel import MultiChannelEnhancer, MultiStreamProcessor, is_multichannel


class ArrayChunked(MultiStreamProcessor):
    """Overlapping ``(C, chunk)`` pieces through ``enhance_multi``, crossfaded; aligned output (``delay == 0``).

    ``whole``: no chunking, the whole signal at ``flush`` (in-memory arrays). Otherwise as
    :class:`~hush.inference.chunked.ChunkedOffline`, ``low_latency`` included.
    """

    delay = 0

    def __init__(self, enhancer: MultiChannelEnhancer, sr: int, chunk: int = 0, overlap: int = 0, low_latency=False):
        self.enhancer, self.sr, self.low_latency = enhancer, sr, low_latency
        self.whole = chunk <= 0
        if not self.whole and not 0 < overlap < chunk:
            raise ValueError("need 0 < overlap < chunk")
        self.chunk, self.overlap = chunk, max(overlap, enhancer.min_length(sr)) if not self.whole else 0
        self.reset()

    def reset(self) -> None:
        self._buf: np.ndarray | None = None
        self._tail: np.ndarray | None = None

    def _blend(self, y: np.ndarray) -> np.ndarray:
        if self._tail is not None:
            n = min(self._tail.shape[1], y.shape[1])
            ramp = (np.arange(n, dtype=np.float32) + 0.5) / n
            y[:, :n] = self._tail[:, :n] * (1 - ramp) + y[:, :n] * ramp
        return y

    def _enh(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.enhancer.enhance_multi(x, self.sr), np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block, np.float32)
        self._buf = block if self._buf is None else np.concatenate([self._buf, block], axis=1)
        n_out = self.enhancer.out_channels(block.shape[0])
        if self.whole:
            return np.zeros((n_out, 0), np.float32)
        step = self.chunk - self.overlap
        ready = self.chunk if self.low_latency else self.chunk + step
        out = []
        while self._buf.shape[1] >= ready:
            y = self._blend(self._enh(self._buf[:, : self.chunk]))
            out.append(y[:, :step])
            self._tail = y[:, step:]
            self._buf = self._buf[:, step:]
        return np.concatenate(out, axis=1) if out else np.zeros((n_out, 0), np.float32)

    def flush(self) -> np.ndarray:
        if self._buf is None or not self._buf.shape[1]:
            self.reset()
            return np.zeros((0, 0), np.float32)
        x = self._buf
        n = x.shape[1]
        short = self.enhancer.min_length(self.sr) - n
        if short > 0:
            x = np.pad(x, ((0, 0), (0, short)))
        y = self._blend(self._enh(x)[:, :n])
        self.reset()
        return y


def make_array_stream(
    enhancer: MultiChannelEnhancer,
    sr: int,
    chunk_seconds: float = 30.0,
    overlap_seconds: float = 1.0,
    low_latency: bool = False,
    whole: bool = False,
) -> MultiStreamProcessor:
    """The method's own causal stream if it has one (and ``whole`` is not asked), else :class:`ArrayChunked`."""
    if whole:
        return ArrayChunked(enhancer, sr)
    if enhancer.causal:
        try:
            return enhancer.stream_multi(sr)
        except NotImplementedError:
            pass
    chunk, overlap = chunk_sizes(enhancer, sr, chunk_seconds, overlap_seconds)
    return ArrayChunked(enhancer, sr, chunk, overlap, low_latency)


class ArrayPipeline(ChannelPipeline):
    """Resample -> one multi-channel processor -> delay handling -> resample back (+ the high band)."""

    def __init__(
        self,
        new_processor: Callable[[], MultiStreamProcessor],
        sr: int,
        work_sr: int,
        channels: int,
        out_channels: int,
        ref: int = 0,
        aligned: bool = True,
        quality: str = LOW_LATENCY,
        keep_high_band: bool = True,
        high_band_min_gain: float = 0.0,
    ):
        self.proc = new_processor()
        self.procs = []
        self.n_channels, self.n_out, self.ref = channels, out_channels, ref
        self.down = StreamResampler(sr, work_sr, channels, quality)
        self.up = StreamResampler(work_sr, sr, out_channels, quality)
        self.aligned = aligned
        delay = int(self.proc.delay)
        self._skip = delay
        self._pad, delay_sr = (0, 0) if aligned else whole_sample_pad(delay, sr, work_sr)
        self.high = (
            HighBandKeeper(sr, work_sr, out_channels, quality, delay_sr, high_band_min_gain)
            if keep_high_band and work_sr < sr
            else None
        )

    @property
    def channels(self) -> int:
        return self.n_channels

    def _high_input(self, block: np.ndarray) -> np.ndarray:
        return block if self.n_out == block.shape[0] else block[self.ref : self.ref + 1]

    def process(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        if self.high is not None:
            self.high.push(self._high_input(block), last=last)
        y = self._run(self.down.process(block, last=last), last)
        return self.high.apply(y) if self.high is not None else y

    def _outputs(self, z: np.ndarray, last: bool) -> np.ndarray:
        parts = [self.proc.process(z)] if z.shape[1] else []
        if last:
            parts.append(self.proc.flush())
        parts = [p for p in parts if p.size]
        return np.concatenate(parts, axis=1) if parts else np.zeros((self.n_out, 0), np.float32)

    def flush(self) -> np.ndarray:
        return self.process(np.zeros((self.n_channels, 0), np.float32), last=True)


def make_pipeline(
    enhancer: Enhancer,
    sr: int,
    work_sr: int,
    channels: int,
    *,
    whole: bool = False,
    low_latency: bool = False,
    chunking: tuple[float, float] | None = None,
    new_processor: Callable | None = None,
    **kwargs,
) -> ChannelPipeline:
    """The pipeline ``enhancer`` needs: :class:`ArrayPipeline` for array methods (channel count checked first),
    else a :class:`ChannelPipeline` over ``new_processor`` (default: :func:`~hush.inference.chunked.make_stream`).
    The band above the method's rate keeps the method's suppression control (:func:`~hush.inference.fullband.min_gain`).
    """
    chunk_args = chunking or (30.0, 1.0)
    kwargs.setdefault("high_band_min_gain", min_gain(enhancer))
    if is_multichannel(enhancer):
        enhancer.check_channels(channels)
        return ArrayPipeline(
            lambda: make_array_stream(enhancer, work_sr, *chunk_args, low_latency=low_latency, whole=whole),
            sr,
            work_sr,
            channels,
            enhancer.out_channels(channels),
            enhancer.ref,
            **kwargs,
        )
    new = new_processor or (lambda: make_stream(enhancer, work_sr, *chunk_args, low_latency=low_latency))
    return ChannelPipeline(new, sr, work_sr, channels, **kwargs)


__all__ = ["ArrayChunked", "ArrayPipeline", "make_array_stream", "make_pipeline"]
