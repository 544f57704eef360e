"""Tagging of audio arrays: the top AudioSet classes of a recording, and optionally of each second."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from hush.audio.checks import as_real_audio, check_rate
from hush.audio.layout import to_mono
from hush.audio.resample import resample
from hush.errors import AudioError
from hush.tagging.features import SAMPLE_RATE
from hush.tagging.tagger import class_list, clip_probabilities, load_tagger, timeline_probabilities


@dataclass(frozen=True)
class Tag:
    name: str
    index: int
    probability: float

    def as_dict(self) -> dict:
        return {"name": self.name, "index": self.index, "probability": round(self.probability, 4)}


@dataclass
class TagResult:
    """``tags``: the top classes of the whole recording, most probable first; ``timeline``: the top classes of
    each second (when asked for); ``probabilities``: all 527 clip probabilities, in class-index order."""

    tags: list[Tag]
    probabilities: np.ndarray
    timeline: list[list[Tag]] | None = None

    def as_dict(self) -> dict:
        doc: dict = {"tags": [t.as_dict() for t in self.tags]}
        if self.timeline is not None:
            doc["timeline"] = [{"second": s, "tags": [t.as_dict() for t in row]} for s, row in enumerate(self.timeline)]
        return doc


def top_tags(probs: np.ndarray, k: int) -> list[Tag]:
    classes = class_list()
    order = np.argsort(-probs, kind="stable")[:k]
    return [Tag(classes[i].name, int(i), float(probs[i])) for i in order]


def tag_array(
    audio: np.ndarray,
    sr: int,
    top: int = 5,
    timeline: bool = False,
    weights: str | os.PathLike | None = None,
    source: object = "input",
) -> TagResult:
    """Tag ``audio`` (``(T,)``, ``(C, T)`` or ``(T, C)``, channels averaged) sampled at ``sr``."""
    sr = check_rate(sr, source)
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top must be a positive whole number, got {top!r}")
    try:
        x = to_mono(as_real_audio(audio, source)).astype(np.float32)
    except AudioError:
        raise
    except ValueError as e:  # a shape that is not audio
        raise AudioError(source, str(e)) from None
    if not len(x):
        raise AudioError(source, "no samples to tag")
    if not np.isfinite(x).all():
        raise AudioError(source, "contains NaN or Inf samples")
    x32 = resample(x, sr, SAMPLE_RATE)
    tagger = load_tagger(weights)
    probs = clip_probabilities(x32, tagger)
    rows = None
    if timeline:
        rows = [top_tags(p, top) for p in timeline_probabilities(x32, tagger=tagger)]
    return TagResult(top_tags(probs, top), probs, rows)
