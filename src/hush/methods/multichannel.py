"""The interface of methods that see all channels at once: beamformers, linked-channel enhancement, cascades.

A :class:`MultiChannelEnhancer` maps ``(C, T)`` at its working rate to ``(C_out, T)``: a beamformer returns the
reference channel (``C_out = 1``), a linked-channel method every channel. The inference pipeline gives it the whole
array instead of one channel at a time (:mod:`hush.inference.array_pipeline`). Its stream processor,
:class:`MultiStreamProcessor`, consumes ``(C, n)`` blocks and follows the single-channel contract: the output is
the offline output delayed by ``delay`` samples, and ``flush`` brings it to ``n_in + delay``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from hush.errors import MethodError
from hush.methods.base import Enhancer


class MultiStreamProcessor(ABC):
    """Stateful ``(C, n)`` in, ``(C_out, m)`` out processor; see the module docstring for the contract."""

    delay: int = 0

    @abstractmethod
    def process(self, block: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def flush(self) -> np.ndarray: ...

    @abstractmethod
    def reset(self) -> None: ...


class MultiChannelEnhancer(Enhancer):
    """A method that takes the whole ``(C, T)`` array.

    Attributes:
        min_channels: fewest channels it works with.
        needs_geometry: it needs microphone positions (``geometry``, set from ``--array`` / ``--array-file``).
        ref: the reference channel whose signal a beamformer estimates.
    """

    multichannel = True
    min_channels: int = 2
    needs_geometry: bool = False
    geometry = None  # an object with ``positions`` (C, 3) in metres, set by the caller when needed
    ref: int = 0

    def out_channels(self, channels: int) -> int:
        """Output channels for ``channels`` input channels (1: the reference channel)."""
        return 1

    def check_channels(self, channels: int) -> None:
        """Raise :class:`~hush.errors.MethodError` (one line) if ``channels`` input channels cannot be processed."""
        if channels < self.min_channels:
            what = "a mono signal" if channels == 1 else f"{channels} channels"
            raise MethodError(
                f"{self.name} needs at least {self.min_channels} channels (a microphone array), got {what}"
            )
        if not 0 <= self.ref < channels:
            raise MethodError(f"{self.name}: reference channel {self.ref} does not exist in {channels} channels")
        if self.needs_geometry:
            if self.geometry is None:
                raise MethodError(
                    f"{self.name} needs the array geometry: give --array SPEC (e.g. linear:4:0.05) or --array-file"
                )
            n = len(self.geometry.positions)
            if n != channels:
                raise MethodError(f"{self.name}: the array geometry has {n} microphones but the input has {channels}")

    def with_geometry(self, geometry) -> MultiChannelEnhancer:
        """This method with ``geometry`` set (the same object; geometry is plain configuration)."""
        self.geometry = geometry
        return self

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer | None:
        raise MethodError(
            f"{self.name} takes no atten_lim_db or mix; give them to a post-filter after it (e.g. {self.name}+default)"
        )

    @abstractmethod
    def enhance_multi(self, x: np.ndarray, sr: int) -> np.ndarray:
        """``(C, T)`` float32 in, ``(C_out, T)`` float32 out, time-aligned with the input."""

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = np.asarray(x)
        self.check_channels(1 if x.ndim == 1 else x.shape[0])
        return self.enhance_multi(x, sr)

    def stream_multi(self, sr: int) -> MultiStreamProcessor:
        """A fresh causal stream processor; only for causal methods."""
        raise NotImplementedError(f"{self.name} does not support streaming")


def is_multichannel(enhancer: object) -> bool:
    """Whether ``enhancer`` takes the whole array (a single-channel cascade is a MultiChannelEnhancer that does not)."""
    return bool(getattr(enhancer, "multichannel", False))


__all__ = ["MultiChannelEnhancer", "MultiStreamProcessor", "is_multichannel"]
