"""Method registry: names -> factories of :class:`~hush.methods.base.Enhancer`, suffixes -> model-file loaders.

``resolve(name_or_path)`` is the single entry point used by the API and the CLI. Names are classical methods,
bundled models (``default``, ``hq``) and peers; a path is loaded by the loader registered for its suffix (``.pt``
by :mod:`hush.models.model_file`, ``.onnx`` by :mod:`hush.onnx_backend.runtime`).

Every provider registers itself when imported: ``@register(name, kind, description)`` for a method,
:func:`register_format` for a model-file format. The built-in providers are imported by name on the first lookup,
as entry points would be, so this layer never imports the layers above it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hush.errors import MethodError, ModelFileNotFoundError
from hush.methods.base import Enhancer
from hush.methods.control import apply_control, preset_control, split_control, validate_control

PROVIDERS = (
    "hush.classical",
    "hush.models.model_file",
    "hush.onnx_backend.runtime",
    "hush.pretrained",
    "hush.peers",
    "hush.multichannel",
)
DEFAULT_FORMAT = ".pt"  # how an existing file with an unregistered suffix is read
# Without the bundled weights (a source tree without package data), the best classical method.
FALLBACK_METHOD = "mmse-lsa"

Loader = Callable[..., Enhancer]


@dataclass(frozen=True)
class MethodEntry:
    name: str
    kind: str  # "classical" | "model" | "peer"
    description: str
    factory: Callable[..., Enhancer]


_REGISTRY: dict[str, MethodEntry] = {}
_FORMATS: dict[str, Loader] = {}
_loaded = False


def register(name: str, kind: str, description: str) -> Callable[[Callable[..., Enhancer]], Callable[..., Enhancer]]:
    """Decorator registering a factory (a class or function returning an Enhancer) as method ``name``."""

    def deco(factory):
        if name in _REGISTRY:
            raise ValueError(f"method {name!r} registered twice")
        _REGISTRY[name] = MethodEntry(name, kind, description, factory)
        return factory

    return deco


def register_format(suffix: str, loader: Loader) -> Loader:
    """Register ``loader(path, **options) -> Enhancer`` for model files ending in ``suffix`` (``".onnx"``)."""
    suffix = suffix.lower()
    if suffix in _FORMATS:
        raise ValueError(f"model-file format {suffix!r} registered twice")
    _FORMATS[suffix] = loader
    return loader


def _load_providers() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in PROVIDERS:
            importlib.import_module(module)


def entries() -> list[MethodEntry]:
    """Every registered method, grouped by kind."""
    _load_providers()
    return sorted(_REGISTRY.values(), key=lambda e: (e.kind, e.name))


def names() -> list[str]:
    return [e.name for e in entries()]


def get(name: str) -> MethodEntry:
    """The registered method ``name``; :class:`~hush.errors.MethodError` naming the known ones otherwise."""
    _load_providers()
    if name not in _REGISTRY:
        raise MethodError(f"unknown method {name!r}; known methods: {', '.join(names())} (or a model file path)")
    return _REGISTRY[name]


def default_method() -> str:
    """The bundled ``default`` model when it ships, else :data:`FALLBACK_METHOD`."""
    return "default" if "default" in names() else FALLBACK_METHOD


def model_file_format(method: str) -> str | None:
    """The registered suffix ``method`` is read with when it names a model file, else ``None``.

    A path with a registered suffix is a model file whether or not it exists (loading then says it is missing); an
    existing file with another suffix is read as :data:`DEFAULT_FORMAT`.
    """
    _load_providers()
    path = Path(method)
    suffix = path.suffix.lower()
    if suffix in _FORMATS:
        return suffix
    return DEFAULT_FORMAT if method not in _REGISTRY and path.exists() else None


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
    method, and for an Enhancer instance too (a controlled copy is returned); see :mod:`hush.methods.control`.
    ``preset`` (``"default:preset=asr"``) takes the limit and mix from a setting the model file names; explicit
    ``atten_lim_db`` / ``mix`` still override it. ``"a+b"`` (``"mvdr+default"``) is a
    :class:`~hush.methods.cascade.Cascade` of the methods; given options apply to its last stage.
    """
    if isinstance(method, str) and "+" in method and not Path(method).exists():
        return _cascade(method, options)
    if not isinstance(method, Enhancer):
        _load_providers()
        method, spec_opts = parse_spec(method)
        options = {**spec_opts, **options}
    control = split_control(options)
    preset = options.pop("preset", None)
    if control:
        validate_control(**control)  # before loading a model
    enh = method if isinstance(method, Enhancer) else _build(method, options)
    if preset is not None:
        control = {**preset_control(enh, str(preset)), **control}
    if control:  # a model file's own default (methods.control.with_file_defaults) stays unless replaced
        control = {**getattr(enh, "control_defaults", {}), **control}
    return apply_control(enh, **control) if control else enh


def _cascade(spec: str, options: dict) -> Enhancer:
    from hush.methods.cascade import Cascade

    parts = spec.split("+")
    if any(not p.strip() for p in parts):
        raise MethodError(f"bad cascade {spec!r}; expected methods joined by '+', e.g. mvdr+default")
    stages = [resolve(p.strip()) for p in parts[:-1]] + [resolve(parts[-1].strip(), **options)]
    return Cascade(stages)


def _build(method: str, options: dict) -> Enhancer:
    if method in _REGISTRY:
        try:
            return _REGISTRY[method].factory(**options)
        except TypeError as e:
            raise MethodError(f"{method}: bad option ({e})") from None
    fmt = model_file_format(method)
    if fmt is None:
        get(method)  # raises, naming the known methods
    if not Path(method).exists():
        raise ModelFileNotFoundError(f"{method}: model file not found")
    return _FORMATS[fmt](Path(method), **options)


__all__ = [
    "MethodEntry",
    "default_method",
    "entries",
    "get",
    "model_file_format",
    "names",
    "parse_spec",
    "register",
    "register_format",
    "resolve",
]
