"""The hush model file (``.pt``): one ``torch.save`` archive loadable with ``weights_only=True``.

Contents: ``format`` and ``version``, ``arch`` (registry name), ``config`` (JSON string), ``sample_rate``,
``state_dict`` (fp32, or fp16 when saved with ``half=True``), ``metrics`` (JSON string) and ``meta`` (JSON string).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from hush.atomic import replace_into
from hush.errors import MethodError, ModelFileNotFoundError
from hush.methods.base import Enhancer
from hush.methods.control import with_file_defaults
from hush.methods.registry import register_format
from hush.models.base import SEModel, build_model, get
from hush.models.enhancer import ModelEnhancer

FORMAT, VERSION = "hush-model", 1


def save(
    model: SEModel, path: str | os.PathLike, metrics: dict | None = None, meta: dict | None = None, half: bool = False
) -> Path:
    """Atomically write ``model`` to ``path``."""
    path = Path(path)
    sd = {
        k: (v.half() if half and v.is_floating_point() else v).detach().cpu().clone()
        for k, v in model.state_dict().items()
    }
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "arch": model.arch,
        "config": json.dumps(model.config),
        "sample_rate": int(model.sample_rate),
        "state_dict": sd,
        "metrics": json.dumps(metrics or {}),
        "meta": json.dumps(meta or {}),
    }
    atomic_torch_save(doc, path)
    return path


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename: never a half-written file."""
    with replace_into(path) as tmp, open(tmp, "wb") as f:
        torch.save(obj, f)  # a file object: torch derives the archive's inner name from a path's, needing a stem


def read_tagged_doc(
    path: str | os.PathLike, fmt: str, what: str = "a hush model file", missing: str = "model file"
) -> dict[str, Any]:
    """The dict of a file written with ``format=fmt``, loaded without executing code (``weights_only``); a missing
    file, a file of another kind or one that is not a torch file is one error line naming it."""
    try:
        doc = torch.load(str(path), map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelFileNotFoundError(f"{path}: {missing} not found") from None
    except Exception as e:
        raise MethodError(f"{path}: not {what} ({type(e).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise MethodError(f"{path}: not {what}")
    return doc


def read_doc(path: str | os.PathLike) -> dict[str, Any]:
    doc = read_tagged_doc(path, FORMAT)
    if doc.get("version", 0) > VERSION:
        raise MethodError(f"{path}: model file version {doc['version']} is newer than this hush supports")
    return doc


def load(path: str | os.PathLike, **inference_options: Any) -> SEModel:
    """Rebuild the model of a model file (fp32, eval mode).

    ``inference_options`` replace config values that only change inference, not the weights (the architecture's
    ``INFERENCE_OPTIONS``, e.g. ``erbdf``'s ``post_filter_beta``); any other key is an error.
    """
    doc = read_doc(path)
    config = json.loads(doc["config"])
    if inference_options:
        allowed = tuple(getattr(get(doc["arch"]), "INFERENCE_OPTIONS", ()))
        bad = sorted(set(inference_options) - set(allowed))
        if bad:
            takes = ", ".join(allowed) if allowed else "none"
            raise MethodError(f"{path}: unknown option(s) {', '.join(bad)} (this {doc['arch']} model takes: {takes})")
        config.update(inference_options)
    model = build_model(doc["arch"], **config)
    sd = {k: v.float() if v.is_floating_point() else v for k, v in doc["state_dict"].items()}
    try:
        model.load_state_dict(sd)
    except RuntimeError as e:
        raise MethodError(f"{path}: weights do not match the {doc['arch']} config ({str(e).splitlines()[0]})") from None
    model.metrics = json.loads(doc.get("metrics", "{}"))
    model.meta = json.loads(doc.get("meta", "{}"))
    return model.eval()


def load_enhancer(path: str | os.PathLike, **options: Any) -> Enhancer:
    """A model file as a method, with the suppression control its metadata asks for by default."""
    model = load(path, **options)
    return with_file_defaults(ModelEnhancer(model, name=str(path)), model.meta)


register_format(".pt", load_enhancer)
