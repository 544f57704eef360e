"""Time-frequency speech masks for mask-based beamforming: where the target dominates, per bin and frame.

A :class:`MaskSource` gives one mask ``(K, F)`` in [0, 1] for a ``(C, T)`` array offline, and a
:class:`~hush.multichannel.framing.FrameSource` of ``(F,)`` masks for a stream. Sources (the ``mask`` option of
``mvdr`` and ``mwf``):

* ``oracle`` (:class:`OracleMask`, Python API only): the ideal ratio mask ``|S|^2 / (|S|^2 + |Y - S|^2)`` of the
  known target at the reference channel; an upper bound for benchmarks.
* ``spp``: the speech presence probability of the classical SPP noise tracker (Gerkmann & Hendriks 2012), averaged
  over channels.
* any hush method (``default``, ``wiener``, a model file): its gain on each channel
  (:mod:`hush.multichannel.gains`), pooled over channels and squared (a Wiener-like power mask).
* ``mcmask``: the small multi-channel mask estimator trained on simulated arrays, with inter-channel phase
  features (:mod:`hush.multichannel.mask_net`).
"""

from __future__ import annotations

import numpy as np

from hush.classical.noise_tracking import SPPNoiseTracker
from hush.dsp.stft import stft
from hush.errors import MethodError
from hush.methods.base import Enhancer
from hush.multichannel.framing import FrameSource, Immediate
from hush.multichannel.gains import EnhancedFrames, offline_spectra, pooled_gain
from hush.multichannel.mask_source import MaskSource


class OracleMask(MaskSource):
    """The ideal ratio mask of ``target`` (the reference channel's target, at the method's rate)."""

    name = "oracle"

    def __init__(self, target: np.ndarray, ref: int = 0):
        self.target = np.asarray(target, np.float64).reshape(-1)
        self.ref = ref

    def offline(self, x, sr, n_fft, hop):
        y = np.asarray(x, np.float64)[self.ref]
        n = min(len(y), len(self.target))
        s = np.zeros_like(y)
        s[:n] = self.target[:n]
        ps, pn = np.abs(stft(s, n_fft, hop)) ** 2, np.abs(stft(y - s, n_fft, hop)) ** 2
        return ps / np.maximum(ps + pn, 1e-20)

    def stream(self, channels, sr, n_fft, hop):
        return _OracleSource(self, n_fft, hop)


class _OracleSource(FrameSource):
    """Frames of the oracle mask, computed on the mixture frames as they arrive and the known target."""

    def __init__(self, oracle: OracleMask, n_fft: int, hop: int):
        self.oracle, self.n_fft, self.hop = oracle, n_fft, hop
        self.reset()

    def reset(self) -> None:
        self.k = 0
        self._s = stft(self.oracle.target, self.n_fft, self.hop)

    def _masks(self, frames: np.ndarray) -> list[np.ndarray]:
        out = []
        for j in range(frames.shape[1]):
            y = frames[self.oracle.ref, j]
            s = self._s[self.k] if self.k < len(self._s) else np.zeros_like(y)
            self.k += 1
            ps, pn = np.abs(s) ** 2, np.abs(y - s) ** 2
            out.append(ps / np.maximum(ps + pn, 1e-20))
        return out

    def push(self, block, frames):
        return self._masks(frames)

    def flush(self, frames):
        return self._masks(frames)


class SPPMask(MaskSource):
    """Speech presence probability of the SPP noise tracker, averaged over channels."""

    name = "spp"

    def _trackers(self, channels: int, n_bins: int, hop_s: float) -> list[SPPNoiseTracker]:
        return [SPPNoiseTracker(n_bins, hop_s=hop_s) for _ in range(channels)]

    @staticmethod
    def _frame(trackers: list[SPPNoiseTracker], frame: np.ndarray) -> np.ndarray:
        p = []
        for t, y in zip(trackers, frame, strict=True):
            t.update(y.real**2 + y.imag**2)
            p.append(t.spp)
        return np.mean(p, axis=0)

    def offline(self, x, sr, n_fft, hop):
        spec = stft(np.asarray(x, np.float64), n_fft, hop)
        trackers = self._trackers(spec.shape[0], spec.shape[2], hop / sr)
        return np.stack([self._frame(trackers, spec[:, k]) for k in range(spec.shape[1])])

    def stream(self, channels, sr, n_fft, hop):
        trackers = self._trackers(channels, n_fft // 2 + 1, hop / sr)

        def reset() -> None:
            for t in trackers:
                t.reset()

        return Immediate(lambda f: self._frame(trackers, f), reset)


def _power_mask(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    return pooled_gain(y, s) ** 2


class MethodMask(MaskSource):
    """A hush method's gains on every channel, pooled over channels and squared (a Wiener-like power mask)."""

    def __init__(self, enhancer: Enhancer):
        if getattr(enhancer, "multichannel", False):
            raise MethodError(f"mask source {enhancer.name} must be a single-channel method")
        self.enhancer = enhancer
        self.name = enhancer.name
        self.sample_rate = enhancer.sample_rate
        self.causal = enhancer.causal

    def offline(self, x, sr, n_fft, hop):
        y, s = offline_spectra(self.enhancer, x, sr, n_fft, hop)
        return _power_mask(y, s)

    def stream(self, channels, sr, n_fft, hop):
        return EnhancedFrames(self.enhancer, sr, channels, n_fft, hop, _power_mask)


def make_mask(mask: str | MaskSource | Enhancer) -> MaskSource:
    """A mask source from a name (``spp``, ``mcmask``, any method name or model file) or an object."""
    if isinstance(mask, MaskSource):
        return mask
    if isinstance(mask, Enhancer):
        return MethodMask(mask)
    name = str(mask)
    if name == "spp":
        return SPPMask()
    if name == "oracle":
        raise MethodError("mask=oracle needs the clean target: use hush.multichannel.OracleMask(target) from Python")
    if name == "mcmask":
        from hush.multichannel.mask_net import load_mask_net

        return load_mask_net()
    from hush.methods.registry import resolve

    return MethodMask(resolve(name))


__all__ = ["MaskSource", "MethodMask", "OracleMask", "SPPMask", "make_mask"]
