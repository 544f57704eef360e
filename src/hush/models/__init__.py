"""Neural models: base class, architecture registry (``register``, ``get``, ``names``), building blocks, model
files and the inference adapter. Importing this package registers every architecture of :mod:`hush.models.zoo`."""

from hush.models import zoo  # registers every architecture
from hush.models.base import ARCHITECTURES, SEModel, build_model, get, names, register
from hush.models.model_file import load, load_enhancer, save

__all__ = [
    "ARCHITECTURES",
    "SEModel",
    "build_model",
    "get",
    "load",
    "load_enhancer",
    "names",
    "register",
    "save",
    "zoo",
]
