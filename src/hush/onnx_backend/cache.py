"""Model names to torch models, and the cache of on-the-fly exports behind ``with_backend(enhancer, "onnx")``."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from hush.methods import Enhancer, model_file_format, resolve
from hush.models.base import SEModel
from hush.models.model_file import load
from hush.onnx_backend.export import check_exportable, export_onnx
from hush.onnx_backend.graph import ExportError
from hush.onnx_backend.metadata import FORMAT, VERSION, require_onnx
from hush.onnx_backend.runtime import OnnxEnhancer

CACHE_EXPORTER = "auto"  # exporter of on-the-fly exports (cached_export)


def _find_model(method: str) -> SEModel | None:
    """The PyTorch model behind a model name or file; ``None`` for methods without one (classical, peers)."""
    fmt = model_file_format(method)
    if fmt == ".onnx":
        raise ExportError(f"{method} is already an ONNX file")
    if fmt is not None:
        return load(method)
    model = getattr(resolve(method), "model", None)
    return model if isinstance(model, SEModel) else None


def resolve_model(method: str) -> SEModel:
    """The PyTorch model behind a registered model name (``default``...) or a model file path."""
    model = _find_model(method)
    if model is None:
        raise ExportError(
            f"{method} is not a neural model; ONNX export takes a model name (see `hush list`) or a model file (.pt)"
        )
    return model


def cache_dir() -> Path:
    """``$HUSH_CACHE_DIR``, else ``$XDG_CACHE_HOME/hush`` (``~/.cache/hush``)."""
    if os.environ.get("HUSH_CACHE_DIR"):
        return Path(os.environ["HUSH_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hush"


def model_key(model: SEModel) -> str:
    """Content hash of a model: architecture, config and weights (plus the export format version)."""
    h = hashlib.sha256(f"{FORMAT}-{VERSION}|{model.arch}|{json.dumps(model.config, sort_keys=True)}".encode())
    for name, t in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:20]


def cached_export(model: SEModel, quantize: bool | str = False) -> Path:
    """``model`` exported once into ``cache_dir()/onnx``, keyed by its content; returns the file."""
    require_onnx()
    check_exportable(model)
    suffix = "" if not quantize else f"-{'int8' if quantize is True else quantize}"
    path = cache_dir() / "onnx" / f"{model.arch}-{model_key(model)}{suffix}.onnx"
    if not path.is_file():
        export_onnx(model, path, quantize=quantize, exporter=CACHE_EXPORTER)
    return path


def to_onnx_enhancer(enhancer: Enhancer) -> Enhancer:
    """``enhancer`` on the onnxruntime backend (the ``backend="onnx"`` hook of streaming and batch enhancement).

    Neural models become an :class:`~hush.onnx_backend.runtime.OnnxEnhancer` over their cached export, keeping
    the name and any suppression control; exported models and methods without a torch model (classical, numpy)
    are returned unchanged; a neural model that cannot be exported raises :class:`ExportError`.
    """
    inner = getattr(getattr(enhancer, "inner", None), "model", None)  # generic control around a neural model
    if isinstance(inner, SEModel):
        check_exportable(inner)
    model = getattr(enhancer, "model", None)
    if isinstance(enhancer, OnnxEnhancer) or not isinstance(model, SEModel):
        return enhancer
    onnx_enh = OnnxEnhancer(cached_export(model), name=enhancer.name)
    atten_lim_db, mix = getattr(model, "atten_lim_db", None), float(getattr(model, "mix", 1.0))
    if atten_lim_db is not None or mix != 1.0:
        onnx_enh = onnx_enh.with_control(atten_lim_db, mix)
    return onnx_enh
