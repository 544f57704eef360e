"""Enhancement methods: the common interface, its suppression-control decoration and the name registry."""

from hush.methods.base import UNBOUNDED, Enhancer, HopStream, StreamProcessor
from hush.methods.control import ControlledEnhancer, apply_control
from hush.methods.registry import (
    default_method,
    entries,
    get,
    model_file_format,
    names,
    parse_spec,
    register,
    register_format,
    resolve,
)

__all__ = [
    "UNBOUNDED",
    "ControlledEnhancer",
    "Enhancer",
    "HopStream",
    "StreamProcessor",
    "apply_control",
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
