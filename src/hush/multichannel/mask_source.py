"""The interface of a beamformer's speech-mask source (implementations: :mod:`hush.multichannel.masks`)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from hush.multichannel.framing import FrameSource


class MaskSource(ABC):
    """A speech mask for a whole array (offline) or frame by frame (stream)."""

    name: str = ""
    sample_rate: int | None = None  # the rate it needs (None: any)
    causal: bool = True
    frame_ms: float | None = None  # the only frame length it works on (None: any)

    @abstractmethod
    def offline(self, x: np.ndarray, sr: int, n_fft: int, hop: int) -> np.ndarray:
        """``(K, F)`` mask of ``(C, T)`` input on the causal STFT grid of ``n_fft`` / ``hop``."""

    @abstractmethod
    def stream(self, channels: int, sr: int, n_fft: int, hop: int) -> FrameSource:
        """A fresh frame source of ``(F,)`` masks equal to the offline mask frame by frame."""


__all__ = ["MaskSource"]
