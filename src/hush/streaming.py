"""Stateful streaming enhancement at any sample rate: :class:`Streamer`.

>>> s = hush.Streamer("wiener", sr=48000)
>>> for block in blocks:                       # any sizes, 1 sample and up; (T,) or (C, T) float
...     play(s.process(block))                 # whatever output is ready (possibly empty)
>>> play(s.flush())                            # the tail; the streamer is then reset

Contract. The concatenated output of ``process`` calls and the final ``flush`` is the *offline* output delayed by
``delay`` samples: ``out[:delay]`` is leading silence (zeros at the method's own rate; at another rate the
resampler's pre-ringing of the first samples), ``out[delay : delay + n]`` equals ``hush.enhance(x, sr, method)``
and the total length is ``n + delay`` for ``n`` input samples. Drop the first ``delay`` samples to get output
aligned with the input and of the same length (what ``hush stream`` does by default).

Offline here means exactly what :func:`hush.enhance` computes: resample to the method's working rate (soxr),
enhance the whole signal from a zero initial state with causal (left, zero) padding and no centring, resample
back, cut to the input length. Every causal model and classical method defines ``enhance`` and its
``stream()`` processor that way, so at the working rate the stream equals the offline output to float rounding;
``soxr``'s streaming resampler is bit-identical to its one-shot form, so at other rates they agree to within
resampler rounding (see ``tests/test_streamer.py`` for the measured numbers).

Methods. Causal methods stream through their own processor (:meth:`Enhancer.stream`: ``ModelStream`` over a
model's ``step`` for neural models, the frame recursion for classical ones). Non-causal methods (bidirectional
or centred models, peers without a stream) fall back to overlapping chunks of ``chunk_seconds`` enhanced
offline and crossfaded over ``overlap_seconds`` (:class:`LowLatencyChunked`); their output is aligned
(``delay == 0``) but a sample waits for the end of its chunk, so the latency is the chunk length, and the output
approximates the whole-file result (each chunk only sees its own context).

Latency. ``delay`` is the exact alignment offset (an integer number of samples at ``sr``): the method's stream
delay (``n_fft - hop`` for STFT methods), plus, when resampling, a few working-rate samples of padding so that
the offset is a whole number of output samples. ``latency`` / ``latency_ms`` is the *algorithmic* latency, the
longest a sample waits (fed one sample at a time) until ``process`` returns its enhanced counterpart: ``delay``
plus the buffering of one hop (``delay + hop - 1 = n_fft - 1`` samples at the working rate, the method's
``lookahead``) plus the hold-back of the two streaming resamplers. soxr's HQ streaming resampler releases its
output in bursts and holds back up to ~37 ms between 16 and 48 kHz and ~60-115 ms between 8 and 16 kHz, per
direction; run at the method's rate (``sr=16000`` for the 16 kHz models, any rate for classical methods) for
the lowest latency, or pass ``resample_quality="MQ"``/``"LQ"`` to trade exactness against the offline path for
less hold-back.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from hush.audio.resample import QUALITY, StreamResampler
from hush.errors import AudioError, MethodError
from hush.inference.chunked import ChunkedOffline, frame_hop, grid_step
from hush.methods import Enhancer, StreamProcessor, resolve

BACKENDS = ("torch", "onnx")
_EMPTY = np.zeros(0, np.float32)


class LowLatencyChunked(ChunkedOffline):
    """:class:`ChunkedOffline` that enhances a chunk as soon as it is complete (``ChunkedOffline`` keeps one more
    hop of ``chunk - overlap`` samples back), so a sample waits at most ``chunk - 1`` samples. ``flush`` pads an
    input shorter than the method's minimum length with zeros (and cuts the result back)."""

    def process(self, chunk: np.ndarray) -> np.ndarray:
        self._buf = np.concatenate([self._buf, np.asarray(chunk, np.float32).reshape(-1)])
        step = self.chunk - self.overlap
        out = []
        while len(self._buf) >= self.chunk:
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


def _make_processor(enhancer: Enhancer, backend: str, sr: int, chunk: int, overlap: int) -> StreamProcessor:
    """A fresh mono stream processor for ``enhancer`` at its working rate ``sr``; the one place a backend plugs in.

    The method's own causal processor, else :class:`LowLatencyChunked`. With ``onnx`` the enhancer has already been
    converted by :func:`hush.onnx_backend.export.to_onnx_enhancer`, whose stream runs onnxruntime; classical
    methods are numpy and ignore the backend's name.
    """
    if backend not in BACKENDS:
        raise MethodError(f"unknown streaming backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if enhancer.causal:
        try:
            return enhancer.stream(sr)
        except NotImplementedError:
            pass
    return LowLatencyChunked(enhancer, sr, chunk, overlap)


@lru_cache(maxsize=64)
def resampler_holdback(sr_in: int, sr_out: int, quality: str = QUALITY) -> int:
    """Most output samples (at ``sr_out``) a streaming soxr resampler holds back, measured on 1 ms blocks of
    zeros over 1.5 s (soxr releases output in bursts, so the hold-back oscillates), plus one input sample."""
    if sr_in == sr_out:
        return 0
    r = StreamResampler(sr_in, sr_out, 1, quality)
    block = max(1, sr_in // 1000)
    zeros = np.zeros((1, block), np.float32)
    n_out, worst = 0, 0.0
    for k in range(1, int(1.5 * sr_in) // block + 1):
        n_out += r.process(zeros).shape[1]
        worst = max(worst, k * block * sr_out / sr_in - n_out)
    return math.ceil(worst + sr_out / sr_in)


class _Channel:
    """One mono pipeline: input resampler -> method stream -> leading pad -> output resampler."""

    def __init__(self, proc: StreamProcessor, sr: int, work_sr: int, pad: int, quality: str):
        self.proc = proc
        self.warmup = int(proc.delay)  # stream samples before offline time 0: zeroed
        self.rin = StreamResampler(sr, work_sr, 1, quality) if sr != work_sr else None
        self.rout = StreamResampler(work_sr, sr, 1, quality) if sr != work_sr else None
        self.pending_pad = pad  # working-rate zeros that make the delay a whole number of samples at sr

    def _inner(self, z: np.ndarray, last: bool) -> np.ndarray:
        y = np.asarray(self.proc.process(z), np.float32)
        if last:
            y = np.concatenate([y, np.asarray(self.proc.flush(), np.float32)])
        if self.warmup and len(y):
            k = min(self.warmup, len(y))
            y = y.copy()
            y[:k] = 0.0
            self.warmup -= k
        if self.pending_pad and (len(y) or last):
            y = np.concatenate([np.zeros(self.pending_pad, np.float32), y])
            self.pending_pad = 0
        return y

    def process(self, x: np.ndarray, last: bool = False) -> np.ndarray:
        z = x if self.rin is None else self.rin.process(x[None], last=last)[0]
        y = self._inner(z, last)
        if self.rout is None:
            return y
        return self.rout.process(y[None], last=last)[0]


class Streamer:
    """Chunk-in / chunk-out enhancement with internal state; see the module docstring for the exact contract.

    Args:
        method: method name or spec (``"wiener"``, ``"default:atten_lim_db=12"``), model file or
            :class:`~hush.methods.Enhancer`; ``None``: :func:`hush.api.default_method`.
        sr: sample rate of the audio passed in and returned (resampled internally to the method's rate).
        backend: ``"torch"`` or ``"onnx"`` (neural models run their exported one-frame graph in onnxruntime).
        chunk_seconds, overlap_seconds: chunk and crossfade length for non-causal methods (latency = chunk).
        resample_quality: soxr quality for the internal resamplers (``"HQ"`` matches :func:`hush.enhance`).
        **options: method options, as for :func:`hush.load_model`.

    ``process`` accepts float arrays of shape ``(T,)`` or ``(C, T)`` (one independent stream per channel; the
    channel count is fixed until ``flush``/``reset``) and returns float32 of the same layout. ``flush`` returns
    the tail and resets; ``reset`` drops all state and buffered audio.
    """

    def __init__(
        self,
        method: str | Enhancer | None = None,
        sr: int = 16000,
        backend: str = "torch",
        *,
        chunk_seconds: float = 1.0,
        overlap_seconds: float = 0.25,
        resample_quality: str = QUALITY,
        **options,
    ):
        if isinstance(sr, bool) or not isinstance(sr, int | np.integer) or sr <= 0:
            raise AudioError(None, f"sample rate must be a positive integer, got {sr!r}")
        if method is None:
            from hush.api import default_method

            method = default_method()
        self.enhancer = resolve(method, **options)
        if backend == "onnx":
            from hush.onnx_backend.export import to_onnx_enhancer

            self.enhancer = to_onnx_enhancer(self.enhancer)
        self.sr, self.backend, self.quality = int(sr), backend, resample_quality
        self.work_sr = int(self.enhancer.sample_rate or sr)
        self._chunking = self._chunk_sizes(chunk_seconds, overlap_seconds)
        probe = self._new_processor()  # fails here, not at the first block, on a bad backend
        self.chunked = isinstance(probe, LowLatencyChunked)  # True: non-causal fallback, latency = chunk

        # delay: inner delay plus padding to a whole number of output samples
        inner = int(probe.delay)
        period = self.work_sr // math.gcd(self.work_sr, self.sr)  # shifts by multiples of this map exactly
        self._pad = (-inner) % period
        self.delay = (inner + self._pad) * self.sr // self.work_sr

        # latency: delay + the method's hop buffering + the resamplers' hold-back
        if isinstance(probe, LowLatencyChunked):
            wait = probe.chunk - 1
        else:
            hop = int(getattr(probe, "hop", 1) or 1)
            wait = max(inner + hop - 1, self.enhancer.lookahead(self.work_sr)) - inner
        hold_in = resampler_holdback(self.sr, self.work_sr, resample_quality)
        self.latency = self.delay + math.ceil((wait + hold_in) * self.sr / self.work_sr)
        self.latency += resampler_holdback(self.work_sr, self.sr, resample_quality)
        self.reset()

    # ------------------------------------------------------------------------------------------ properties
    @property
    def latency_ms(self) -> float:
        """Algorithmic latency in milliseconds (``latency`` samples at ``sr``)."""
        return 1000.0 * self.latency / self.sr

    @property
    def delay_ms(self) -> float:
        return 1000.0 * self.delay / self.sr

    def __repr__(self) -> str:
        return f"Streamer({self.enhancer.name!r}, sr={self.sr}, delay={self.delay}, latency_ms={self.latency_ms:.1f})"

    def _chunk_sizes(self, chunk_seconds: float, overlap_seconds: float) -> tuple[int, int]:
        """``(chunk, overlap)`` in working-rate samples for the non-causal fallback. The chunk step is a multiple
        of the model's hop, so every chunk's frames lie on the whole-file frame grid."""
        hop = frame_hop(self.enhancer)
        chunk = max(int(round(chunk_seconds * self.work_sr)), 2 * hop, 2)
        overlap = min(max(int(round(overlap_seconds * self.work_sr)), 1), chunk - 1)
        return chunk, chunk - grid_step(chunk, overlap, hop)

    # ------------------------------------------------------------------------------------------ processing
    def _new_processor(self) -> StreamProcessor:
        return _make_processor(self.enhancer, self.backend, self.work_sr, *self._chunking)

    def reset(self) -> None:
        """Forget all state and buffered audio; the next block starts a new signal."""
        self._chans: list[_Channel] | None = None
        self._mono = True
        self._n_in = 0
        self._n_out = 0

    def _prepare(self, chunk: np.ndarray) -> np.ndarray:
        x = np.asarray(chunk, dtype=np.float32)
        if x.ndim not in (1, 2):
            raise AudioError(None, f"stream blocks must have shape (T,) or (C, T), got {x.shape}")
        x2 = x[None] if x.ndim == 1 else x
        if self._chans is None:
            self._mono = x.ndim == 1
            self._chans = [
                _Channel(self._new_processor(), self.sr, self.work_sr, self._pad, self.quality)
                for _ in range(x2.shape[0])
            ]
        elif x2.shape[0] != len(self._chans) or (x.ndim == 1) != self._mono:
            raise AudioError(
                None,
                f"stream block has {x2.shape[0]} channel(s) (shape {x.shape}) but the stream "
                f"started with {len(self._chans)}; call flush() or reset() first",
            )
        return x2

    def _layout(self, ys: list[np.ndarray]) -> np.ndarray:
        n = min(len(y) for y in ys)  # equal in practice: every channel sees the same block sizes
        y = np.stack([y[:n] for y in ys]).astype(np.float32, copy=False)
        return y[0] if self._mono else y

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Consume a block (``(T,)`` or ``(C, T)``, any ``T >= 0``); return the output ready so far."""
        x = self._prepare(chunk)
        self._n_in += x.shape[1]
        y = self._layout([c.process(row) for c, row in zip(self._chans, x, strict=True)])
        self._n_out += y.shape[-1]
        return y

    def flush(self) -> np.ndarray:
        """Return the rest of the output (total output = input length + ``delay``) and reset the streamer."""
        if self._chans is None:
            return _EMPTY.copy()
        want = max(self._n_in + self.delay - self._n_out, 0)
        ys = []
        for c in self._chans:
            y = c.process(_EMPTY, last=True)[:want]
            ys.append(np.pad(y, (0, want - len(y))))
        out = self._layout(ys)
        self.reset()
        return out


__all__ = ["LowLatencyChunked", "Streamer", "resampler_holdback"]
