"""Neural models: base class, architecture registry, model files, and the inference adapter."""

from hush.models.base import SEModel, available_models, build_model, model_class, register_model
from hush.models.files import load, load_enhancer, save

__all__ = [
    "SEModel",
    "available_models",
    "build_model",
    "load",
    "load_enhancer",
    "model_class",
    "register_model",
    "save",
]
