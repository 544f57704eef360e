"""Enhanced outputs stay bit-identical: every bundled and classical method, through the file, array and stream paths.

The digests in ``fixtures/output_digests.json`` are sha256 hashes of the float32 output bytes. A change that is
meant to alter outputs rewrites them with ``HUSH_RECORD_DIGESTS=1 pytest tests/inference/test_outputs_unchanged.py`` and
says so in its commit message.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import hush

DIGESTS = Path(__file__).parent / "fixtures" / "output_digests.json"
RECORD = os.environ.get("HUSH_RECORD_DIGESTS") == "1"
METHODS = [
    "default",
    "hq",
    "spectral-subtraction",
    "wiener",
    "mmse-stsa",
    "mmse-lsa",
    "default:atten_lim_db=12,mix=0.8",
    "wiener:atten_lim_db=12,mix=0.8",
]
STREAM_BLOCK = 1234


def _signal(sr: int, seconds: float, channels: int) -> np.ndarray:
    """``(channels, T)`` float32: harmonic tones with a syllabic envelope plus white noise, fixed seed."""
    rng = np.random.RandomState(7)
    t = np.arange(int(sr * seconds)) / sr
    rows = []
    for c in range(channels):
        f0 = 130 + 20 * c + 25 * np.sin(2 * np.pi * 0.8 * t)
        phase = 2 * np.pi * np.cumsum(f0) / sr
        voice = sum(np.sin(k * phase + k) / k for k in range(1, 20))
        voice *= 0.5 - 0.5 * np.cos(2 * np.pi * 3.5 * t)
        rows.append(0.05 * voice + 0.02 * rng.randn(len(t)))
    return np.asarray(rows, np.float32)


def _digest(y: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(y, np.float32).tobytes()).hexdigest()


def _array_path(method: str) -> np.ndarray:
    return hush.enhance(_signal(16000, 2.0, 1)[0], 16000, method)


def _file_path(method: str, tmp_path: Path) -> np.ndarray:
    src, dst = tmp_path / "in.wav", tmp_path / "out.wav"
    sf.write(src, _signal(22050, 2.0, 2).T, 22050, subtype="FLOAT")
    hush.enhance_file(src, dst, method)
    y, sr = sf.read(dst, dtype="float32", always_2d=True)
    assert sr == 22050
    return y.T


def _stream_path(method: str) -> np.ndarray:
    x = _signal(16000, 2.0, 1)[0]
    s = hush.Streamer(method, sr=16000)
    outs = [s.process(x[i : i + STREAM_BLOCK]) for i in range(0, len(x), STREAM_BLOCK)]
    return np.concatenate([*outs, s.flush()])


PATHS = {"array": lambda m, tmp: _array_path(m), "file": _file_path, "stream": lambda m, tmp: _stream_path(m)}


@pytest.fixture(scope="module")
def recorded():
    digests = json.loads(DIGESTS.read_text()) if DIGESTS.exists() else {}
    yield digests
    if RECORD:
        DIGESTS.parent.mkdir(exist_ok=True)
        DIGESTS.write_text(json.dumps(dict(sorted(digests.items())), indent=1) + "\n")


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("method", METHODS)
def test_output_is_bit_identical_to_the_recorded_one(recorded, method, path, tmp_path):
    y = PATHS[path](method, tmp_path)
    assert np.all(np.isfinite(y)) and np.abs(y).max() > 0
    key = f"{method} {path}"
    if RECORD:
        recorded[key] = _digest(y)
    assert key in recorded, f"no digest recorded for {key!r}"
    assert _digest(y) == recorded[key], f"{key}: output changed"
