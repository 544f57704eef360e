"""noisereduce peer: ``noisereduce.reduce_noise`` (non-stationary spectral gating) with its default settings.

Works at any rate (``sample_rate = None``). The non-stationary gate estimates the noise floor with a
zero-phase (``filtfilt``) smoother with a 2 s time constant and smooths the mask with a centred kernel, so
the method is offline/non-causal: ``causal = False`` and it has no stream. ``noisereduce`` imports torch when
it is installed, so the package is imported on first use, not at registration. It runs in-process
(``n_jobs=1``); ``set_threads`` has nothing to limit.

Delay: scipy's centred STFT/ISTFT (1024-point, hop 256) is zero-phase, so nothing is compensated.
Measured on the speech-like 2 s probe (:mod:`hush.peers._calib`) at 16 and 48 kHz, f0 110-200 Hz: lag 0
(fractional within +-0.0002).
"""

from __future__ import annotations

import numpy as np

from hush.errors import MissingExtraError
from hush.methods.registry import register
from hush.peers._common import PeerEnhancer, as_mono_float, has_module

NAME = "noisereduce"


@register(NAME, "peer", "noisereduce (non-stationary spectral gating, any rate, offline)")
class NoiseReducePeer(PeerEnhancer):
    """Keyword options go to ``noisereduce.reduce_noise`` (defaults: ``stationary=False``, ``n_jobs=1``)."""

    name = NAME

    @classmethod
    def availability(cls) -> bool | str:
        return True if has_module("noisereduce") else "noisereduce is not installed"
    description = "noisereduce (non-stationary spectral gating, any rate, offline)"
    sample_rate = None
    causal = False
    delay = 0

    def __init__(self, **options) -> None:
        super().__init__()
        if not has_module("noisereduce"):
            raise MissingExtraError(NAME, "compare")
        self.options = {"stationary": False, "n_jobs": 1, **options}

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = as_mono_float(x)
        if len(x) == 0:
            return x.copy()
        try:
            from noisereduce import reduce_noise
        except ModuleNotFoundError:
            raise MissingExtraError(NAME, "compare") from None
        y = np.asarray(reduce_noise(y=x, sr=int(sr), **self.options), dtype=np.float32).reshape(-1)
        if len(y) != len(x):  # reduce_noise keeps the length; guard against version drift
            y = np.pad(y, (0, max(0, len(x) - len(y))))[: len(x)]
        return y
