"""ONNX export of streaming STFT models (one frame graph with explicit state) and an onnxruntime backend.

:mod:`~hush.onnx_backend.metadata` (the file format and its metadata document), :mod:`~hush.onnx_backend.graph`
(the exported computation), :mod:`~hush.onnx_backend.export` (export and numerical check),
:mod:`~hush.onnx_backend.runtime` (onnxruntime backend; registers the ``.onnx`` loader) and
:mod:`~hush.onnx_backend.cache` (on-the-fly exports behind ``with_backend(enhancer, "onnx")``).

Needs the ``onnx`` extra (``pip install 'hush[onnx]'``): :func:`export_onnx` needs torch, onnx and onnxruntime
(plus onnxscript for the dynamo exporter); :class:`OnnxEnhancer` needs only onnxruntime and numpy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OnnxEnhancer", "OnnxModel", "OnnxStream", "export_onnx", "read_metadata"]


def __getattr__(name: str) -> Any:  # lazy: importing the runtime must not import torch
    if name == "export_onnx":
        from hush.onnx_backend import export

        return export.export_onnx
    if name == "read_metadata":
        from hush.onnx_backend import metadata

        return metadata.read_metadata
    if name in ("OnnxEnhancer", "OnnxModel", "OnnxStream"):
        from hush.onnx_backend import runtime

        return getattr(runtime, name)
    raise AttributeError(name)
