"""ONNX export of streaming STFT models (one frame graph with explicit state) and an onnxruntime backend.

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
        from hush.onnx_backend import format

        return format.read_metadata
    if name in ("OnnxEnhancer", "OnnxModel", "OnnxStream"):
        from hush.onnx_backend import runtime

        return getattr(runtime, name)
    raise AttributeError(name)
