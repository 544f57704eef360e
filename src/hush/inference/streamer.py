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

Offline here means exactly what :func:`hush.enhance` computes: resample to the method's working rate (the
low-latency polyphase resampler, :mod:`hush.audio.polyphase`), enhance the whole signal from a zero initial state
with causal (left, zero) padding and no centring, resample back, cut to the input length. Every causal model and
classical method defines ``enhance`` and its ``stream()`` processor that way, so at the working rate the stream
equals the offline output to float rounding; the resampler's streaming form is bit-identical to its one-shot
form, so at other rates they agree too (see ``tests/inference/test_streamer.py`` for the measured numbers).

Methods. Causal methods stream through their own processor (:meth:`Enhancer.stream`: ``ModelStream`` over a
model's ``step`` for neural models, the frame recursion for classical ones). Non-causal methods (bidirectional
or centred models, peers without a stream) fall back to overlapping chunks of ``chunk_seconds`` enhanced
offline and crossfaded over ``overlap_seconds`` (:class:`~hush.inference.chunked.ChunkedOffline` in its
low-latency mode); their output is aligned (``delay == 0``) but a sample waits for the end of its chunk, so the
latency is the chunk length, and the output only approximates the whole-file result, because each chunk sees only
its own context; a longer overlap does not close the gap, only longer chunks do. Measured for ``hq`` (v1.1) on 13
dev and demo files (speech near -25 dBFS): with the default 1 s chunks the stream is 13-21 dB SNR from the offline
output, largest sample difference 0.09; with ``chunk_seconds=4, overlap_seconds=1`` at least 27 dB, at most 0.02.
The equality above holds for causal methods only. Every channel runs through the pipeline that files and arrays use too
(:class:`~hush.inference.pipeline.ChannelPipeline`).

Latency. ``delay`` is the exact alignment offset (an integer number of samples at ``sr``): the method's stream
delay (``n_fft - hop`` for STFT methods), plus, when resampling, a few working-rate samples of padding so that
the offset is a whole number of output samples. ``latency`` / ``latency_ms`` is the *algorithmic* latency, the
longest a sample waits (fed one sample at a time) until ``process`` returns its enhanced counterpart: ``delay``
plus the buffering of one hop (``delay + hop - 1 = n_fft - 1`` samples at the working rate, the method's
``lookahead``) plus the hold-back of the two streaming resamplers: the polyphase resampler's filter half length,
3 ms per direction (5 ms between 8 and 16 kHz), so ``default`` has 36 ms at 44.1 and 48 kHz, 40 ms at 8 kHz and
30 ms at 16 kHz. soxr's streaming resampler (``resample_quality="HQ"``) releases its output in bursts and holds back
up to ~37 ms between 16 and 48 kHz and ~60-115 ms between 8 and 16 kHz, per direction.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy as np

from hush.audio.checks import as_real_audio, check_rate
from hush.audio.layout import channels_first
from hush.audio.resample import LOW_LATENCY, QUALITY, StreamResampler
from hush.errors import AudioError
from hush.inference.array_pipeline import ArrayChunked, make_array_stream, make_pipeline
from hush.inference.backend import with_backend
from hush.inference.chunked import ChunkedOffline, make_stream
from hush.inference.pipeline import ChannelPipeline, whole_sample_pad
from hush.methods import Enhancer, StreamProcessor, default_method, resolve
from hush.methods.multichannel import is_multichannel

_EMPTY = np.zeros(0, np.float32)
LAYOUTS = ("auto", "channels_first", "channels_last")
MAX_ABS = 64.0  # +36 dBFS: no real float signal gets there; beyond it a sample is corrupt (random bytes, overflow)


class NonFiniteInputWarning(UserWarning):
    """A stream block held NaN, Inf or absurdly large samples; they were repaired (see :meth:`Streamer.process`)."""


def repair(x: np.ndarray) -> tuple[np.ndarray, int]:
    """``x`` with NaN/Inf samples set to zero and samples beyond ``±MAX_ABS`` clipped, and how many were changed.

    A live stream cannot refuse its input as files do; one NaN would otherwise reach every recursive estimate (GRU
    states, noise trackers, overlap-add) and poison the output until the end of the stream."""
    finite = np.isfinite(x)
    bad = ~finite | (np.abs(np.where(finite, x, 0.0)) > MAX_ABS)
    n = int(np.count_nonzero(bad))
    if n:
        x = np.clip(np.where(finite, x, 0.0), -MAX_ABS, MAX_ABS).astype(np.float32)
    return x, n


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


class Streamer:
    """Chunk-in / chunk-out enhancement with internal state; see the module docstring for the exact contract.

    Args:
        method: method name or spec (``"wiener"``, ``"default:atten_lim_db=12"``), model file or
            :class:`~hush.methods.Enhancer`; ``None``: :func:`hush.methods.default_method`.
        sr: sample rate of the audio passed in and returned (resampled internally to the method's rate).
        backend: ``"torch"`` or ``"onnx"`` (neural models run their exported one-frame graph in onnxruntime).
        chunk_seconds, overlap_seconds: chunk and crossfade length for non-causal methods (latency = chunk).
        resample_quality: the internal resamplers: ``"LL"`` (default), the low-latency polyphase resampler that
            :func:`hush.enhance` and files use too, or a soxr quality (``"HQ"``, ...: more latency, and no longer
            the offline path's resampler).
        layout: how 2-D blocks are read: ``"channels_first"`` ``(C, T)``, ``"channels_last"`` ``(T, C)`` as
            ``sounddevice`` and ``soundfile`` deliver them, or ``"auto"``: the first 2-D block decides, by the rule
            of :func:`hush.audio.layout.channels_first` (more than 16 rows and at most 16 columns is ``(T, C)``,
            so ``(480, 1)`` and ``(480, 2)`` are frames by channels; anything else ``(C, T)``).
        **options: method options, as for :func:`hush.load_method`.

    ``process`` accepts float (or int16/int32 PCM) arrays of shape ``(T,)``, ``(C, T)`` or ``(T, C)`` (one
    independent stream per channel; the channel count and layout are fixed until ``flush``/``reset``) and returns
    float32 in the same layout. ``flush`` returns the tail and resets; ``reset`` drops all state and buffered audio.
    """

    def __init__(
        self,
        method: str | Enhancer | None = None,
        sr: int = 16000,
        backend: str = "torch",
        *,
        chunk_seconds: float = 1.0,
        overlap_seconds: float = 0.25,
        resample_quality: str = LOW_LATENCY,
        layout: str = "auto",
        **options,
    ):
        sr = check_rate(sr, "Streamer")
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        self.layout = layout
        if method is None:
            method = default_method()
        self.enhancer = with_backend(resolve(method, **options), backend)
        self.sr, self.backend, self.quality = int(sr), backend, resample_quality
        self.work_sr = int(self.enhancer.sample_rate or sr)
        self._chunking = (chunk_seconds, overlap_seconds)
        probe = self._new_processor()
        self.chunked = isinstance(probe, (ChunkedOffline, ArrayChunked))  # True: non-causal fallback, latency = chunk

        # delay: inner delay plus padding to a whole number of output samples
        inner = int(probe.delay)
        self.delay = whole_sample_pad(inner, self.sr, self.work_sr)[1]

        # latency: delay + the method's hop buffering + the resamplers' hold-back
        if isinstance(probe, (ChunkedOffline, ArrayChunked)):
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

    # ------------------------------------------------------------------------------------------ processing
    def _new_processor(self) -> StreamProcessor:
        if is_multichannel(self.enhancer):
            return make_array_stream(self.enhancer, self.work_sr, *self._chunking, low_latency=True)
        return make_stream(self.enhancer, self.work_sr, *self._chunking, low_latency=True)

    def reset(self) -> None:
        """Forget all state and buffered audio; the next block starts a new signal."""
        self._pipe: ChannelPipeline | None = None
        self.n_repaired = 0  # input samples repaired in this stream (non-finite or beyond ±MAX_ABS)
        self._mono = True
        self._channels_last = self.layout == "channels_last"
        self._n_in = 0
        self._n_out = 0

    def _prepare(self, chunk: np.ndarray) -> np.ndarray:
        x = as_real_audio(chunk, "stream block")
        if x.ndim not in (1, 2):
            raise AudioError(None, f"stream blocks must have shape (T,) or (C, T), got {x.shape}")
        if self._pipe is None and x.ndim == 2 and self.layout == "auto":
            self._channels_last = channels_first(x)[1]
        x2 = x[None] if x.ndim == 1 else (x.T if self._channels_last else x)
        if self._pipe is None:
            self._mono = x.ndim == 1
            self._pipe = make_pipeline(
                self.enhancer,
                self.sr,
                self.work_sr,
                x2.shape[0],
                aligned=False,
                quality=self.quality,
                low_latency=True,
                chunking=self._chunking,
                new_processor=self._new_processor,
            )
        elif x2.shape[0] != self._pipe.channels or (x.ndim == 1) != self._mono:
            started = "1-D blocks" if self._mono else f"{self._pipe.channels} channel(s) as {self._shape_name()}"
            raise AudioError(
                None,
                f"stream block of shape {x.shape} does not match the stream, which started with {started}; "
                "call flush() or reset() first, or pass layout= to Streamer",
            )
        return x2

    def _shape_name(self) -> str:
        return "(T, C) frames by channels" if self._channels_last else "(C, T) channels by frames"

    def _layout(self, y: np.ndarray) -> np.ndarray:
        if self._mono:
            return y[0]
        return np.ascontiguousarray(y.T) if self._channels_last else y

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Consume a block (``(T,)`` or ``(C, T)``, any ``T >= 0``); return the output ready so far.

        Non-finite samples (NaN, Inf) are replaced by zeros and samples beyond ``±MAX_ABS`` clipped, with one
        :class:`NonFiniteInputWarning` per stream (the running count is ``n_repaired``): the output stays finite
        and, once the input is clean again, returns to normal enhancement within 2 s (measured after a 50 ms burst:
        up to 1.6 s for ``default``, whose GRU remembers it, 0.3 s for the classical methods; docs/robustness.md)."""
        x, bad = repair(self._prepare(chunk))
        if bad:
            if not self.n_repaired:
                warnings.warn(
                    f"stream input had {bad} non-finite or out-of-range sample(s) (NaN, Inf or beyond "
                    f"±{MAX_ABS:g}); replaced by zeros or clipped, and later ones will be too",
                    NonFiniteInputWarning,
                    stacklevel=2,
                )
            self.n_repaired += bad
        self._n_in += x.shape[1]
        y = self._pipe.process(x)
        self._n_out += y.shape[1]
        return self._layout(y)

    def flush(self) -> np.ndarray:
        """Return the rest of the output (total output = input length + ``delay``) and reset the streamer."""
        if self._pipe is None:
            return _EMPTY.copy()
        want = max(self._n_in + self.delay - self._n_out, 0)
        y = self._pipe.flush()[:, :want]
        out = self._layout(np.pad(y, ((0, 0), (0, want - y.shape[1]))))
        self.reset()
        return out


__all__ = ["MAX_ABS", "NonFiniteInputWarning", "Streamer", "repair", "resampler_holdback"]
