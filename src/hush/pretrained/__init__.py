"""Bundled pretrained models, registered as methods when their weight files ship in this package.

``default`` is the causal real-time model, ``hq`` the best-quality non-causal one and ``tiny`` the causal edge model
(under 0.5 MB). Each is a hush model file
(``<name>.pt``, see :mod:`hush.models.model_file`) next to its model card (``<name>.md``). ``gru64``, ``gru128`` and
``gru256`` are small generalists meant as starting points of personalization (``hush personalize --init``), and
``snr.pt`` is the frame-wise SNR predictor of ``hush snr`` and data purification (:mod:`hush.models.snr`).
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
    "tiny": "bundled causal edge model, under 0.5 MB (16 kHz)",
    "gru64": "bundled 2-layer GRU mask, 64 units: a generalist to personalize (hush personalize --init gru64)",
    "gru128": "bundled 2-layer GRU mask, 128 units: a generalist to personalize",
    "gru256": "bundled 2-layer GRU mask, 256 units: a generalist to personalize",
}
HERE = Path(str(resources.files(__name__)))


def bundled_path(name: str) -> Path | None:
    """The model file of bundled model ``name``, or None when no such model ships in this package."""
    path = HERE / f"{name}.pt"
    return path if name in BUNDLED and path.is_file() else None


def snr_predictor_path() -> Path:
    """The bundled frame-wise SNR predictor's file."""
    return HERE / "snr.pt"


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


register_bundled(HERE)
