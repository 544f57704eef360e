"""RNNoise peer: the native ``librnnoise.so`` bundled in the ``pyrnnoise`` wheel, driven through ctypes.

The Python wrapper of ``pyrnnoise`` needs ``audiolab`` (and resamples through it), so it is bypassed: the shared
library is located with ``find_spec`` and called directly with the built-in model::

    DenoiseState *rnnoise_create(RNNModel *model);            /* NULL: built-in weights */
    float rnnoise_process_frame(DenoiseState *st, float *out, const float *in);   /* 480 samples */
    void rnnoise_destroy(DenoiseState *st);

Frames are 480 samples (10 ms) at 48 kHz in int16 scale (the float signal times 32768). The library is
single-threaded; ``set_threads`` has nothing to set.

Delay (measured with :mod:`hush.peers._calib`, speech-like 2 s signal at 48 kHz, 30 harmonics, f0 100-195 Hz):

=====================  ========  ============================================================
quantity               samples   note
=====================  ========  ============================================================
raw output lag         959       cross-correlation peak (958.9 with parabolic refinement)
lag vs high-passed in  960       959.87 vs the input passed through RNNoise's own DC filter
compensated delay      960       2 frames: 960-sample analysis window + one frame of buffering
residual lag           -1 / 0    -1 on the default probe, 0 on probes with f0 >= ~180 Hz
=====================  ========  ============================================================

The residual is not a delay: RNNoise high-passes its input (biquad, double zero at DC, poles at 0.998) and
that filter's phase *lead* below a few hundred Hz (phase delay -12 samples at 140 Hz, -0.9 at 500 Hz) pulls the
correlation peak of a low-pitched signal ahead by a fraction of a sample to one sample. The 960-sample
compensation is the algorithmic delay; what remains is signal-dependent and irreducible without undoing
RNNoise's own filter.
"""

from __future__ import annotations

import ctypes

import numpy as np

from hush.methods.registry import register
from hush.peers._common import FramePeer, locate

NAME = "rnnoise"
SAMPLE_RATE = 48000
FRAME = 480
DELAY = 960
SCALE = 32768.0

_LIB = None


def library_path():
    return locate(NAME, "pyrnnoise", "librnnoise.so")


def load_library():
    """The ctypes handle of ``librnnoise.so`` with prototypes set (loaded once per process)."""
    global _LIB
    if _LIB is None:
        lib = ctypes.CDLL(str(library_path()))
        lib.rnnoise_create.argtypes = [ctypes.c_void_p]
        lib.rnnoise_create.restype = ctypes.c_void_p
        lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
        lib.rnnoise_destroy.restype = None
        fptr = ctypes.POINTER(ctypes.c_float)
        lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, fptr, fptr]
        lib.rnnoise_process_frame.restype = ctypes.c_float
        lib.rnnoise_get_frame_size.argtypes = []
        lib.rnnoise_get_frame_size.restype = ctypes.c_int
        if lib.rnnoise_get_frame_size() != FRAME:
            raise RuntimeError(f"{NAME}: unexpected frame size {lib.rnnoise_get_frame_size()}")
        _LIB = lib
    return _LIB


class _State:
    def __init__(self, lib):
        self.lib = lib
        self.ptr = lib.rnnoise_create(None)
        if not self.ptr:
            raise RuntimeError(f"{NAME}: rnnoise_create failed")
        self.inp = np.zeros(FRAME, dtype=np.float32)
        self.out = np.zeros(FRAME, dtype=np.float32)
        fptr = ctypes.POINTER(ctypes.c_float)
        self.inp_p = self.inp.ctypes.data_as(fptr)
        self.out_p = self.out.ctypes.data_as(fptr)


@register(NAME, "peer", "RNNoise (Xiph, hybrid DSP/GRU, 48 kHz) via the pyrnnoise native library")
class RNNoisePeer(FramePeer):
    name = NAME
    description = "RNNoise (Xiph, hybrid DSP/GRU, 48 kHz) via the pyrnnoise native library"
    sample_rate = SAMPLE_RATE
    causal = True
    hop = FRAME
    delay = DELAY

    def __init__(self) -> None:
        super().__init__()
        self._lib = load_library()

    def _open(self) -> _State:
        return _State(self._lib)

    def _frame(self, state: _State, frame: np.ndarray) -> np.ndarray:
        np.multiply(frame, SCALE, out=state.inp)
        self._lib.rnnoise_process_frame(state.ptr, state.out_p, state.inp_p)  # returns a VAD probability
        return state.out / SCALE

    def _close(self, state: _State) -> None:
        if state.ptr:
            self._lib.rnnoise_destroy(state.ptr)
            state.ptr = None
