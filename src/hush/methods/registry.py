"""Method registry: names -> factories of :class:`~hush.methods.base.Enhancer`.

``resolve(name_or_path)`` is the single entry point used by the API and the CLI. Names are classical methods,
bundled models (``default``, ``hq``), or the path of a model file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hush.errors import MethodError
from hush.methods.base import Enhancer


@dataclass(frozen=True)
class MethodEntry:
    name: str
    kind: str  # "classical" | "model" | "peer"
    description: str
    factory: Callable[..., Enhancer]


_REGISTRY: dict[str, MethodEntry] = {}
_loaded = False


def register(name: str, kind: str, description: str):
    """Decorator registering a factory (a class or function returning an Enhancer)."""

    def deco(factory):
        if name in _REGISTRY:
            raise ValueError(f"method {name!r} registered twice")
        _REGISTRY[name] = MethodEntry(name, kind, description, factory)
        return factory

    return deco


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for mod in ("hush.classical", "hush.pretrained", "hush.peers"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:  # a layer not built yet must not break the others
            if e.name != mod:
                raise


def entries() -> list[MethodEntry]:
    _load_builtin()
    return sorted(_REGISTRY.values(), key=lambda e: (e.kind, e.name))


def names() -> list[str]:
    return [e.name for e in entries()]


def _parse_value(v: str):
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return {"true": True, "false": False, "none": None}.get(v.lower(), v)


def parse_spec(spec: str) -> tuple[str, dict]:
    """Split ``"name:key=value,key=value"`` into the name and typed options (``"wiener:noise_tracker=spp"``)."""
    name, sep, rest = spec.partition(":")
    if not sep or not rest or "=" not in rest or Path(spec).exists():
        return spec, {}
    opts = {}
    for item in rest.split(","):
        key, eq, val = item.partition("=")
        if not eq or not key.strip():
            raise MethodError(f"bad method option {item!r} in {spec!r}; expected key=value")
        opts[key.strip().replace("-", "_")] = _parse_value(val.strip())
    return name, opts


def resolve(method: str | Enhancer, **options) -> Enhancer:
    """Return a ready Enhancer for a registered name (optionally ``name:key=value,...``) or a model-file path.

    ``atten_lim_db`` and ``mix`` (also in a spec: ``"default:atten_lim_db=12,mix=0.8"``) are accepted for every
    method, and for an Enhancer instance too (a controlled copy is returned); see :mod:`hush.inference.control`.
    """
    if not isinstance(method, Enhancer):
        _load_builtin()
        method, spec_opts = parse_spec(method)
        options = {**spec_opts, **options}
    control = {k: options.pop(k) for k in ("atten_lim_db", "mix") if k in options}
    if control:
        from hush.inference.control import apply_control, validate_control

        validate_control(**control)  # before loading a model
    enh = method if isinstance(method, Enhancer) else _build(method, options)
    if control:  # a model file's own default (hush.models.files.inference_defaults) stays unless replaced
        control = {**getattr(enh, "control_defaults", {}), **control}
    return apply_control(enh, **control) if control else enh


def _build(method: str, options: dict) -> Enhancer:
    if method in _REGISTRY:
        try:
            return _REGISTRY[method].factory(**options)
        except TypeError as e:
            raise MethodError(f"{method}: bad option ({e})") from None
    path = Path(method)
    if path.suffix in {".pt", ".hush", ".onnx"} or path.exists():
        if not path.exists():
            raise MethodError(f"{method}: model file not found")
        try:
            from hush.models.files import load_enhancer  # provided by the models layer
        except ModuleNotFoundError:
            raise MethodError(f"{method}: loading model files is not available in this version") from None
        return load_enhancer(path, **options)
    known = ", ".join(names())
    raise MethodError(f"unknown method {method!r}; known methods: {known} (or a model file path)")
