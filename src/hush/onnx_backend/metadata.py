"""The hush ONNX file format: one frame graph with explicit state and a JSON metadata document.

The graph is one step of a model's ``enhance_spec`` on one frame::

    (spec_re, spec_im, state.<path>...)  ->  (enhanced_re, enhanced_im, next_state.<path>...)

``spec_re``/``spec_im`` are the real and imaginary parts of the frame's sqrt-Hann windowed spectrum, shape
``(1, 1, n_fft // 2 + 1)``; each ``state.<path>`` is one leaf of the model's nested streaming state, named by its
path in that structure. The file carries a JSON document under the ``hush`` metadata key: architecture and config,
rates and STFT, stream delay, input/output/state names, shapes, dtypes and the initial state, and the export
check's result. Written by :mod:`hush.onnx_backend.export`, read by :mod:`hush.onnx_backend.runtime`.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hush.errors import MethodError, MissingExtraError

FORMAT, VERSION = "hush-onnx", 1
META_KEY = "hush"
SPEC_INPUTS = ("spec_re", "spec_im")
SPEC_OUTPUTS = ("enhanced_re", "enhanced_im")


def require_onnx(what: str = "ONNX export") -> None:
    """Raise a one-line :class:`MissingExtraError` naming the ``onnx`` extra when a package is missing."""
    import importlib.util

    for mod in ("onnx", "onnxruntime"):
        if importlib.util.find_spec(mod) is None:
            raise MissingExtraError(what, "onnx")


def write_metadata(onnx_model, meta: dict[str, Any]) -> None:
    """Set the ``hush`` metadata entry of an ``onnx.ModelProto`` (replacing an old one)."""
    props = [p for p in onnx_model.metadata_props if p.key != META_KEY]
    del onnx_model.metadata_props[:]
    onnx_model.metadata_props.extend(props)
    entry = onnx_model.metadata_props.add()
    entry.key, entry.value = META_KEY, json.dumps(meta)


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The ``hush`` metadata document of an exported file (without loading the weights into a session)."""
    require_onnx("reading ONNX files")
    import onnx

    try:
        proto = onnx.load(str(path), load_external_data=False)
    except FileNotFoundError:
        raise MethodError(f"{path}: ONNX file not found") from None
    except Exception as e:
        raise MethodError(f"{path}: not an ONNX file ({type(e).__name__})") from None
    return metadata_from_props({p.key: p.value for p in proto.metadata_props}, path)


def metadata_from_props(props: dict[str, str], path: Any) -> dict[str, Any]:
    """The checked ``hush`` document among a model's metadata properties (``path`` names the file in errors)."""
    if META_KEY not in props:
        raise MethodError(f"{path}: not an ONNX file exported by hush (no '{META_KEY}' metadata)")
    meta = json.loads(props[META_KEY])
    if meta.get("format") != FORMAT:
        raise MethodError(f"{path}: not a hush ONNX export")
    if meta.get("version", 0) > VERSION:
        raise MethodError(f"{path}: ONNX export version {meta['version']} is newer than this hush supports")
    return meta
