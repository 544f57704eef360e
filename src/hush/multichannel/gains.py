"""The time-frequency gains any single-channel hush method applies, measured per channel.

A method's gain on a channel is read from its input and output on the beamformer's own STFT grid:
``G = min(|S| / |Y|, 1)`` per bin, where ``Y`` is the channel and ``S`` the method's output for it. This works for
every method (masks, deep filters, classical rules, waveform models) and needs nothing from its internals.
Channels are pooled into one gain by power: ``sqrt(sum_c |S_c|^2 / sum_c |Y_c|^2)``, capped at 1, which is the
gain computed "from all channels" of linked enhancement.

:class:`EnhancedFrames` streams the same quantity: every channel runs through the method's own stream processor,
its warm-up (``delay`` samples) is dropped, and the aligned output is framed exactly as offline, so the streamed
gains equal the offline ones for causal methods.
"""

from __future__ import annotations

import numpy as np

from hush.dsp.stft import stft
from hush.errors import MethodError
from hush.methods.base import Enhancer
from hush.multichannel.framing import FrameSource, MultiSTFT

_TINY = 1e-20


def ratio_gain(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Per-channel gain ``min(|S| / |Y|, 1)`` of spectra ``y`` and ``s`` (same shape)."""
    return np.minimum(np.abs(s) / np.maximum(np.abs(y), _TINY), 1.0)


def pooled_gain(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    """One gain for all channels (axis 0): ``sqrt(sum |S|^2 / sum |Y|^2)``, capped at 1."""
    num = np.sum(np.abs(s) ** 2, axis=0)
    den = np.sum(np.abs(y) ** 2, axis=0)
    return np.minimum(np.sqrt(num / np.maximum(den, _TINY)), 1.0)


def enhance_channels(enhancer: Enhancer, x: np.ndarray, sr: int) -> np.ndarray:
    """``enhancer`` run on each channel of ``(C, T)`` on its own."""
    return np.stack([np.asarray(enhancer.enhance(np.asarray(c, np.float32), sr), np.float64) for c in x])


def offline_spectra(enhancer: Enhancer, x: np.ndarray, sr: int, n_fft: int, hop: int) -> tuple[np.ndarray, np.ndarray]:
    """``(Y, S)``: the ``(C, K, F)`` spectra of the channels and of the method's output for each."""
    return stft(np.asarray(x, np.float64), n_fft, hop), stft(enhance_channels(enhancer, x, sr), n_fft, hop)


class EnhancedFrames(FrameSource):
    """Streams ``fn(Y_frame (C, F), S_frame (C, F))`` per input frame, ``S`` from the method's own stream."""

    def __init__(self, enhancer: Enhancer, sr: int, channels: int, n_fft: int, hop: int, fn):
        if not enhancer.causal:
            raise MethodError(f"{enhancer.name} is not causal and cannot give gains in a stream")
        self.enhancer, self.sr, self.fn = enhancer, sr, fn
        self.procs = [enhancer.stream(sr) for _ in range(channels)]
        self.d = int(self.procs[0].delay)
        self.lag = self.d + int(getattr(self.procs[0], "hop", 1) or 1) - 1
        self.ana_y = MultiSTFT(channels, n_fft, hop)
        self.ana_s = MultiSTFT(channels, n_fft, hop)
        self.reset()

    def reset(self) -> None:
        for p in self.procs:
            p.reset()
        self.ana_y.reset()
        self.ana_s.reset()
        self._skip = self.d
        self._y: list[np.ndarray] = []

    def _items(self, y_frames: np.ndarray, s_frames: np.ndarray) -> list[np.ndarray]:
        self._y.extend(y_frames[:, k] for k in range(y_frames.shape[1]))
        out = []
        for k in range(s_frames.shape[1]):
            out.append(self.fn(self._y.pop(0), s_frames[:, k]))
        return out

    def _aligned(self, s: np.ndarray) -> np.ndarray:
        if self._skip:
            k = min(self._skip, s.shape[1])
            s, self._skip = s[:, k:], self._skip - k
        return s

    def push(self, block: np.ndarray, frames: np.ndarray) -> list[np.ndarray]:
        block = np.asarray(block, np.float32)
        s = np.stack([p.process(c) for p, c in zip(self.procs, block, strict=True)])
        return self._items(self.ana_y.push(block), self.ana_s.push(self._aligned(s)))

    def flush(self, frames: np.ndarray) -> list[np.ndarray]:
        s = np.stack([p.flush() for p in self.procs])
        n_in = self.ana_y.n_in
        s = self._aligned(s)
        have = self.ana_s.n_in
        s = s[:, : max(n_in - have, 0)]
        if s.shape[1] < n_in - have:  # a processor that stopped short: zeros, as offline would pad
            s = np.pad(s, ((0, 0), (0, n_in - have - s.shape[1])))
        items = self._items(self.ana_y.flush(), np.concatenate([self.ana_s.push(s), self.ana_s.flush()], axis=1))
        return items


__all__ = ["EnhancedFrames", "enhance_channels", "offline_spectra", "pooled_gain", "ratio_gain"]
