"""Flattening a model's nested streaming state into named tensors, and back.

``enhance_spec`` carries its state as any nesting of dicts, lists and tuples whose leaves are real or complex
tensors, Python ints (e.g. a frame counter), floats or ``None``. A *spec* records that nesting as JSON-able
nested dicts; :func:`flatten` turns a state into a list of real tensors (a complex leaf becomes two: ``.re`` and
``.im``; an int becomes a 0-d int64 tensor) and :func:`unflatten` rebuilds the nesting from such a list.
``None`` leaves stay ``None`` and take no tensor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch

from hush.onnx_backend.complex_pair import CPair


def state_spec(state: Any) -> dict:
    """The JSON-able structure of a state."""
    if state is None:
        return {"t": "none"}
    if isinstance(state, dict):
        return {"t": "dict", "keys": [str(k) for k in state], "c": [state_spec(v) for v in state.values()]}
    if isinstance(state, (list, tuple)):
        return {"t": "list" if isinstance(state, list) else "tuple", "c": [state_spec(v) for v in state]}
    if isinstance(state, CPair) or (isinstance(state, torch.Tensor) and state.is_complex()):
        return {"t": "complex"}
    if isinstance(state, torch.Tensor):
        return {"t": "tensor"}
    if isinstance(state, bool):
        raise TypeError("boolean leaves in a streaming state are not supported")
    if isinstance(state, int):
        return {"t": "int"}
    if isinstance(state, float):
        return {"t": "float"}
    raise TypeError(f"unsupported leaf of type {type(state).__name__} in a streaming state")


def leaf_names(spec: dict, prefix: str = "") -> list[str]:
    """One name per flattened tensor: the path of its leaf (``conv.2``, ``rnn.0``), ``.re``/``.im`` for complex."""
    t = spec["t"]
    if t == "none":
        return []
    if t in ("dict", "list", "tuple"):
        keys = spec["keys"] if t == "dict" else [str(i) for i in range(len(spec["c"]))]
        out: list[str] = []
        for k, c in zip(keys, spec["c"], strict=True):
            out += leaf_names(c, f"{prefix}.{k}" if prefix else k)
        return out
    name = prefix or "state"
    return [f"{name}.re", f"{name}.im"] if t == "complex" else [name]


def flatten(state: Any, spec: dict) -> list[torch.Tensor]:
    t = spec["t"]
    if t == "none":
        return []
    if t == "dict":
        return [x for k, c in zip(spec["keys"], spec["c"], strict=True) for x in flatten(state[k], c)]
    if t in ("list", "tuple"):
        return [x for v, c in zip(state, spec["c"], strict=True) for x in flatten(v, c)]
    if t == "complex":
        return [state.real, state.imag]
    if t == "int":
        return [torch.as_tensor(state, dtype=torch.int64)]
    if t == "float":
        return [torch.as_tensor(state, dtype=torch.float32)]
    return [state]


def unflatten(spec: dict, leaves: list[torch.Tensor], pairs: bool = False) -> Any:
    """Rebuild a state; complex leaves become :class:`CPair` when ``pairs`` else complex tensors.

    Int and float leaves stay 0-d tensors (so a traced graph keeps them as inputs) unless ``pairs`` is False,
    when they become Python numbers again.
    """
    it = iter(leaves)
    out = _build(spec, it, pairs)
    if next(it, None) is not None:
        raise ValueError("more state tensors than the state structure holds")
    return out


def _build(spec: dict, it: Iterator[torch.Tensor], pairs: bool) -> Any:
    t = spec["t"]
    if t == "none":
        return None
    if t == "dict":
        return {k: _build(c, it, pairs) for k, c in zip(spec["keys"], spec["c"], strict=True)}
    if t in ("list", "tuple"):
        items = [_build(c, it, pairs) for c in spec["c"]]
        return items if t == "list" else tuple(items)
    if t == "complex":
        re, im = next(it), next(it)
        return CPair(re, im) if pairs else torch.complex(re, im)
    x = next(it)
    if not pairs and t == "int":
        return int(x)
    if not pairs and t == "float":
        return float(x)
    return x
