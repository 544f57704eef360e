"""Microphone-array geometries: ``linear:4:0.05``, ``circular:6:0.0425``, ``binaural`` or a JSON file.

Positions are ``(C, 3)`` in metres around the array's centre; channel 0 is the reference unless a method is told
otherwise. A JSON file holds ``{"positions": [[x, y, z], ...]}`` (2-D points get ``z = 0``) and optionally
``"directivity"``: ``"omni"`` or ``"binaural"`` (see :data:`HEAD_RADIUS`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hush.errors import HushError

HEAD_RADIUS = 0.0875  # m: the ears of ``binaural``, on the y axis (left +y, right -y), facing outwards
SPEC_HELP = "linear:N:SPACING_M, circular:N:RADIUS_M or binaural (e.g. linear:4:0.05)"


@dataclass(frozen=True)
class ArrayGeometry:
    """Microphone positions ``(C, 3)`` in metres, and the microphones' directivity.

    ``directivity="binaural"`` makes the two microphones subcardioids facing left and right when a room is
    simulated: a frequency-independent stand-in for the head's shadow, which gives interaural level differences of
    a few dB (there is no head-related transfer function).
    """

    positions: np.ndarray
    name: str = "array"
    directivity: str = "omni"
    orientations_deg: tuple[float, ...] = field(default=())

    @property
    def channels(self) -> int:
        return len(self.positions)

    @property
    def aperture(self) -> float:
        p = self.positions
        return float(np.max(np.linalg.norm(p[:, None] - p[None], axis=-1)))

    def to_json(self) -> dict:
        return {"name": self.name, "positions": self.positions.tolist(), "directivity": self.directivity}


def linear(n: int, spacing: float) -> ArrayGeometry:
    x = (np.arange(n) - (n - 1) / 2.0) * spacing
    return ArrayGeometry(np.stack([x, np.zeros(n), np.zeros(n)], axis=1), f"linear:{n}:{spacing:g}")


def circular(n: int, radius: float) -> ArrayGeometry:
    a = 2 * np.pi * np.arange(n) / n
    pos = np.stack([radius * np.cos(a), radius * np.sin(a), np.zeros(n)], axis=1)
    return ArrayGeometry(pos, f"circular:{n}:{radius:g}")


def binaural() -> ArrayGeometry:
    pos = np.array([[0.0, HEAD_RADIUS, 0.0], [0.0, -HEAD_RADIUS, 0.0]])
    return ArrayGeometry(pos, "binaural", "binaural", (90.0, -90.0))


def parse_array(spec: str) -> ArrayGeometry:
    """An :class:`ArrayGeometry` from a spec (see the module docstring); a one-line error for a bad one."""
    s = str(spec).strip()
    if s == "binaural":
        return binaural()
    kind, _, rest = s.partition(":")
    if kind in ("linear", "circular"):
        parts = rest.split(":")
        try:
            n, size = int(parts[0]), float(parts[1])
            if len(parts) != 2:
                raise ValueError
        except (ValueError, IndexError):
            raise HushError(f"bad array spec {spec!r}; expected {SPEC_HELP}") from None
        if not 2 <= n <= 64 or not 0 < size < 10:
            raise HushError(f"bad array spec {spec!r}: need 2-64 microphones and a size between 0 and 10 m")
        return linear(n, size) if kind == "linear" else circular(n, size)
    if Path(s).suffix.lower() == ".json" or Path(s).is_file():
        return read_array_file(s)
    raise HushError(f"bad array spec {spec!r}; expected {SPEC_HELP} or a geometry .json file")


def read_array_file(path: str | os.PathLike) -> ArrayGeometry:
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise HushError(f"{p}: array geometry file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise HushError(f"{p}: not a JSON array geometry ({type(e).__name__})") from None
    pos = data.get("positions") if isinstance(data, dict) else None
    try:
        arr = np.asarray(pos, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.zeros(0)
    if arr.ndim != 2 or arr.shape[1] not in (2, 3) or not 2 <= len(arr) <= 64 or not np.all(np.isfinite(arr)):
        raise HushError(f"{p}: 'positions' must list 2-64 [x, y] or [x, y, z] points in metres")
    if arr.shape[1] == 2:
        arr = np.concatenate([arr, np.zeros((len(arr), 1))], axis=1)
    directivity = str(data.get("directivity", "omni"))
    if directivity not in ("omni", "binaural") or (directivity == "binaural" and len(arr) != 2):
        raise HushError(f"{p}: 'directivity' must be omni, or binaural for two microphones")
    orient = (90.0, -90.0) if directivity == "binaural" else ()
    return ArrayGeometry(arr, str(data.get("name", p.stem)), directivity, orient)


__all__ = ["HEAD_RADIUS", "ArrayGeometry", "binaural", "circular", "linear", "parse_array", "read_array_file"]
