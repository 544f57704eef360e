"""RNNoise peer: the native ``librnnoise.so`` bundled in the ``pyrnnoise`` wheel, driven through ctypes.

The Python wrapper of ``pyrnnoise`` needs ``audiolab`` (and resamples through it), so it is bypassed: the
shared library is located with ``find_spec`` and called directly with the built-in model::

    DenoiseState *rnnoise_create(RNNModel *model);            /* NULL: built-in weights */
    float rnnoise_process_frame(DenoiseState *st, float *out, const float *in);   /* 480 samples */
    void rnnoise_destroy(DenoiseState *st);

Frames are 480 samples (10 ms) at 48 kHz in int16 scale (the float signal times 32768). The library is
single-threaded; ``set_threads`` has nothing to set.

Delay, measured with ``python -m hush.peers._calib`` on the 2 s speech-like probe at 48 kHz (harmonic
complex, f0 gliding +-55 Hz around the given centre, syllabic envelope, light noise); "vs DC-blocked" is the
lag against the input passed through RNNoise's own input high-pass (:func:`dc_filter`):

=========  ==================  ======================  ==========================
probe f0   raw output lag      residual vs input       residual vs DC-blocked
=========  ==================  ======================  ==========================
110 Hz     958 (958.45)        -2 (-1.55)              0 (-0.32)
140 Hz     958 (957.69)        -2 (-2.31)              0 (+0.15)
200 Hz     959 (959.35)        -1 (-0.65)              0 (-0.16)
300 Hz     960 (959.75)        0 (-0.25)               0 (-0.01)
=========  ==================  ======================  ==========================

Compensated delay: 960 samples (20 ms, two frames); the lag against the DC-blocked input is 960 for every
probe (in streaming, the output of frame k covers input samples ``[480 (k - 2), 480 (k - 1))``). The
residual against the raw input is not a delay: RNNoise's input biquad (double zero at DC, double pole at
0.998) has a phase *lead* at low frequencies (phase delay -12 samples at 140 Hz, -0.9 at 500 Hz, -0.03 at
3 kHz), which pulls the correlation peak of low-pitched voices 1-2 samples early. It is part of RNNoise's
output, signal-dependent and not removable by a shift.
"""

from __future__ import annotations

import ctypes

import numpy as np

from hush.methods.registry import register
from hush.peers._common import FramePeer, locate, native_available

NAME = "rnnoise"
SAMPLE_RATE = 48000
FRAME = 480
DELAY = 960
SCALE = 32768.0
# RNNoise's input DC-blocking biquad (denoise.c: b_hp = {-2, 1}, a_hp = {-1.99599, 0.99600}, b0 = a0 = 1)
DC_B = (1.0, -2.0, 1.0)
DC_A = (1.0, -1.99599, 0.99600)

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


def dc_filter(x: np.ndarray) -> np.ndarray:
    """The high-pass RNNoise applies to its input: the signal its output is exactly aligned with."""
    from scipy.signal import lfilter

    return lfilter(DC_B, DC_A, np.asarray(x, dtype=np.float64))


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

    @classmethod
    def availability(cls) -> bool | str:
        return native_available(load_library)
    description = "RNNoise (Xiph, hybrid DSP/GRU, 48 kHz) via the pyrnnoise native library"
    sample_rate = SAMPLE_RATE
    causal = True
    hop = FRAME
    delay = DELAY

    def __init__(self) -> None:
        super().__init__()
        self._lib = load_library()

    @staticmethod
    def alignment_reference(x: np.ndarray) -> np.ndarray:
        return dc_filter(x)

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
