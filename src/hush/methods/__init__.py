"""Enhancement methods: the common interface and the name registry."""

from hush.methods.base import Enhancer, StreamProcessor
from hush.methods.registry import entries, names, register, resolve

__all__ = ["Enhancer", "StreamProcessor", "entries", "names", "register", "resolve"]
