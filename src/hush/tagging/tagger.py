"""The pretrained AudioSet tagger: weights loading, and tagging of arrays as torch or numpy.

The weights (``data/mn04_as.pt``, 4.1 MB, MIT licence: ``data/LICENSE``) ship inside the package, so tagging works
offline out of the box; :func:`load_tagger` also takes another copy of the same network's state dict.
"""

from __future__ import annotations

import csv
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from hush.errors import MethodError, ModelFileNotFoundError
from hush.tagging.features import SAMPLE_RATE, LogMel, Resampler
from hush.tagging.network import EMBEDDING_DIM, N_CLASSES, MobileNetTagger

DATA = Path(__file__).parent / "data"
DEFAULT_WEIGHTS = DATA / "mn04_as.pt"
SPEECH = 0  # index of AudioSet's "Speech" class
CLIP_SECONDS = 10.0  # the tagger's training clips: longer inputs are tagged in windows of this length


@dataclass(frozen=True)
class AudioSetClass:
    index: int
    mid: str
    name: str


@lru_cache(maxsize=1)
def class_list() -> tuple[AudioSetClass, ...]:
    """The 527 AudioSet classes in logit order (Google's AudioSet ontology, CC BY 4.0)."""
    with open(DATA / "class_labels_indices.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(AudioSetClass(int(r["index"]), r["mid"], r["display_name"]) for r in rows)


def non_speech_indices() -> list[int]:
    """The 526 classes other than "Speech": pseudo-labels for a model whose every input holds speech."""
    return [i for i in range(N_CLASSES) if i != SPEECH]


class Tagger(torch.nn.Module):
    """Frozen ``mn04_as`` with its front end: 32 kHz ``(B, N)`` audio -> ``(logits (B, 527), embedding (B, 384))``.

    :meth:`at_rate` takes audio at any rate (resampled in torch, for use inside networks)."""

    embedding_dim = EMBEDDING_DIM
    n_classes = N_CLASSES

    def __init__(self):
        super().__init__()
        self.logmel = LogMel()
        self.net = MobileNetTagger()
        self._resamplers: dict[int, Resampler] = {}

    def forward(self, audio32k: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net(self.logmel(audio32k)[:, None])

    def resampler(self, sr: int) -> Resampler:
        if sr not in self._resamplers:
            self._resamplers[sr] = Resampler(sr, SAMPLE_RATE).to(self.logmel.window.device)
        return self._resamplers[sr]

    def at_rate(self, audio: torch.Tensor, sr: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, N)`` audio at ``sr``: logits and embedding, each window or clip tagged independently."""
        return self(self.resampler(int(sr))(audio))

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        self._resamplers = {sr: r._apply(fn) for sr, r in self._resamplers.items()}
        return self


def read_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The state dict of a weights file, read without executing code (``weights_only=True``)."""
    path = Path(path)
    try:
        doc = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelFileNotFoundError(f"{path}: tagger weights not found") from None
    except Exception as e:
        raise MethodError(f"{path}: not a tagger weights file ({type(e).__name__})") from None
    if not isinstance(doc, dict) or not all(isinstance(v, torch.Tensor) for v in doc.values()):
        raise MethodError(f"{path}: not a tagger weights file (expected a state dict of tensors)")
    return doc


_LOCK = threading.Lock()


def load_tagger(path: str | os.PathLike | None = None) -> Tagger:
    """The tagger in eval mode with frozen weights (``path``: the shipped ``mn04_as.pt`` when None). One shared
    instance per file: callers must not train it."""
    with _LOCK:
        return _cached(str(Path(path).resolve()) if path is not None else str(DEFAULT_WEIGHTS))


@lru_cache(maxsize=4)
def _cached(path: str) -> Tagger:
    tagger = Tagger()
    sd = read_weights(path)
    try:
        tagger.net.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise MethodError(f"{path}: weights do not fit the mn04_as tagger ({str(e).splitlines()[0]})") from None
    return tagger.eval().requires_grad_(False)


def _windows(x: np.ndarray, length: int, hop: int) -> np.ndarray:
    """``(N,)`` -> ``(W, length)``: windows every ``hop`` covering the signal, the last one ending at its end."""
    if len(x) <= length:
        return x[None]
    starts = list(range(0, len(x) - length + 1, hop))
    if starts[-1] + length < len(x):
        starts.append(len(x) - length)
    return np.stack([x[s : s + length] for s in starts])


@torch.no_grad()
def clip_probabilities(audio32k: np.ndarray, tagger: Tagger | None = None) -> np.ndarray:
    """The 527 class probabilities of a mono 32 kHz signal: one pass up to 10 s, else the mean over 10 s windows
    every 5 s (the tagger was trained on 10 s clips)."""
    tagger = tagger or load_tagger()
    n = int(CLIP_SECONDS * SAMPLE_RATE)
    wins = _windows(np.asarray(audio32k, np.float32), n, n // 2)
    logits, _ = tagger(torch.from_numpy(np.ascontiguousarray(wins)))
    return torch.sigmoid(logits).mean(0).numpy()


@torch.no_grad()
def timeline_probabilities(audio32k: np.ndarray, window_s: float = 2.0, tagger: Tagger | None = None) -> np.ndarray:
    """``(S, 527)``: the probabilities of each second ``[s, s + 1)`` of a mono 32 kHz signal, tagged over a window
    of ``window_s`` seconds centred on it (clipped at the ends of the signal)."""
    tagger = tagger or load_tagger()
    x = np.asarray(audio32k, np.float32)
    seconds = max(1, -(-len(x) // SAMPLE_RATE))
    half = int(round((window_s - 1.0) / 2 * SAMPLE_RATE))
    rows = []
    for s in range(seconds):
        a, b = max(0, s * SAMPLE_RATE - half), min(len(x), (s + 1) * SAMPLE_RATE + half)
        logits, _ = tagger(torch.from_numpy(np.ascontiguousarray(x[a:b]))[None])
        rows.append(torch.sigmoid(logits)[0].numpy())
    return np.stack(rows)
