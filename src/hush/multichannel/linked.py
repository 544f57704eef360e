"""Linked-channel enhancement (``--link-channels``): one common gain for every channel, so that binaural and
stereo spatial cues survive.

Any single-channel method runs on each channel; its gains are measured on each channel
(:mod:`hush.multichannel.gains`) and pooled by power, ``G = sqrt(sum_c |S_c|^2 / sum_c |Y_c|^2)`` capped at 1,
and the same real ``G`` multiplies every channel's spectrum. Level and phase differences between the channels are
therefore unchanged in every time-frequency bin; only the noise goes. Independent per-channel enhancement applies
different gains and phases and distorts them.

STFT: 32 ms square-root-Hann frames, 16 ms hop at the method's rate. Causal methods stream (the stream waits for
the method's own delay, rounded up to whole hops).
"""

from __future__ import annotations

import numpy as np

from hush.dsp.stft import frame_setup, istft
from hush.methods.base import Enhancer
from hush.methods.multichannel import MultiChannelEnhancer, MultiStreamProcessor
from hush.multichannel.framing import FrameStream
from hush.multichannel.gains import EnhancedFrames, offline_spectra, pooled_gain


class LinkedChannels(MultiChannelEnhancer):
    """``inner`` with one gain for all channels; ``(C, T)`` in, ``(C, T)`` out."""

    min_channels = 1

    def __init__(self, inner: Enhancer):
        self.inner = inner
        self.name = f"{inner.name} (linked channels)"
        self.description = f"{inner.name} with one gain for all channels"
        self.sample_rate = inner.sample_rate
        self.causal = inner.causal
        self.handles_band_limited = inner.handles_band_limited

    def out_channels(self, channels: int) -> int:
        return channels

    def lookahead(self, sr: int) -> int:
        n_fft, hop = frame_setup(sr)
        return self.inner.lookahead(sr) + n_fft - 1 + hop

    def min_length(self, sr: int) -> int:
        return max(self.inner.min_length(sr), frame_setup(sr)[0])

    def enhance_multi(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = np.asarray(x, np.float64)
        self.check_channels(x.shape[0])
        n_fft, hop = frame_setup(sr)
        y, s = offline_spectra(self.inner, x, sr, n_fft, hop)
        return istft(y * pooled_gain(y, s)[None], x.shape[1], n_fft, hop).astype(np.float32)

    def stream_multi(self, sr: int) -> MultiStreamProcessor:
        if not self.causal:
            raise NotImplementedError(f"{self.inner.name} is not causal")
        return _LinkedStream(self, sr)

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer | None:
        from hush.methods.control import apply_control

        return LinkedChannels(apply_control(self.inner, atten_lim_db, mix))

    def set_threads(self, n: int) -> None:
        self.inner.set_threads(n)


class _LinkedStream(MultiStreamProcessor):
    """The frame stream of :class:`LinkedChannels`, built once the first block tells the channel count."""

    def __init__(self, owner: LinkedChannels, sr: int):
        self.owner, self.sr = owner, sr
        self.n_fft, self.hop = frame_setup(sr)
        self.inner: FrameStream | None = None
        self.delay = self._build(1).delay

    def _build(self, channels: int) -> FrameStream:
        src = EnhancedFrames(self.owner.inner, self.sr, channels, self.n_fft, self.hop, pooled_gain)
        return FrameStream(channels, self.n_fft, self.hop, src, lambda frame, g: frame * g[None], channels)

    def process(self, block: np.ndarray) -> np.ndarray:
        if self.inner is None:
            self.inner = self._build(block.shape[0])
        return self.inner.process(block)

    def flush(self) -> np.ndarray:
        if self.inner is None:
            return np.zeros((0, 0), np.float32)
        y = self.inner.flush()
        self.inner = None
        return y

    def reset(self) -> None:
        self.inner = None


def link_channels(enhancer: Enhancer) -> LinkedChannels:
    """``enhancer`` with one common gain over all channels (spatial cues kept)."""
    return enhancer if isinstance(enhancer, LinkedChannels) else LinkedChannels(enhancer)


__all__ = ["LinkedChannels", "link_channels"]
