"""Bundled pretrained models, registered as methods when their weight files ship in this package.

``default`` is the causal real-time model and ``hq`` the best-quality non-causal one. Each is a hush model file
(``<name>.pt``, see :mod:`hush.models.model_file`) next to its model card (``<name>.md``).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from hush.methods.registry import register
from hush.models.model_file import load_enhancer

BUNDLED = {
    "default": "bundled causal real-time model (16 kHz; any input rate is resampled)",
    "hq": "bundled best-quality non-causal model (16 kHz)",
}


def _load(path: Path, name: str, **options):
    enh = load_enhancer(path, **options)
    enh.name = name
    return enh


def register_bundled(directory: Path) -> list[str]:
    """Register every known model whose file exists in ``directory``; returns the names registered."""
    done = []
    for name, description in BUNDLED.items():
        path = Path(directory) / f"{name}.pt"
        if path.is_file():
            register(name, "model", description)(functools.partial(_load, path, name))
            done.append(name)
    return done


register_bundled(Path(str(resources.files(__name__))))
