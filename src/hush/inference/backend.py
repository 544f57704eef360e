"""The runtime a method's neural model runs on: ``with_backend(enhancer, "onnx")``.

``torch`` leaves the method as it is. ``onnx`` runs a neural model's exported one-frame graph in onnxruntime
(exported once into the cache, :func:`hush.onnx_backend.cache.to_onnx_enhancer`); classical methods are numpy,
peers run in their own runtime, and both are returned unchanged. The CLI (``--backend``), batch workers and
:class:`hush.Streamer` all switch backends here.
"""

from __future__ import annotations

from hush.errors import MethodError
from hush.methods import Enhancer

BACKENDS = ("torch", "onnx")


def with_backend(enhancer: Enhancer, backend: str) -> Enhancer:
    """``enhancer`` on ``backend`` (one of :data:`BACKENDS`)."""
    if backend not in BACKENDS:
        raise MethodError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "onnx":
        from hush.onnx_backend.cache import to_onnx_enhancer  # torch and the exporter load only when asked for

        return to_onnx_enhancer(enhancer)
    return enhancer
