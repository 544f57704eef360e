"""Scoring paired files with :mod:`hush.metrics`, in parallel, with a progress bar."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from hush.audio.io import read
from hush.audio.layout import fit_length
from hush.audio.resample import resample
from hush.errors import AudioError, HushError
from hush.evaluation.pairing import Pair
from hush.metrics import AVAILABLE_METRICS, compute_metrics
from hush.metrics.asr import ASR_METRICS, asr_scores, transcript_for
from hush.metrics.degenerate import degenerate_output, worst_scores

MAX_LENGTH_MISMATCH_S = 0.016  # one hop of the 32 ms / 16 ms analysis used throughout


@dataclass
class Scored:
    name: str
    metrics: dict[str, float] = field(default_factory=dict)
    noisy: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    failure: str | None = None  # "silent" or "constant": the enhanced output carries no signal (scored worst)


def _load_matched(ref_path, path, sr_ref: int, n_ref: int, warnings: list[str]) -> np.ndarray:
    x, sr = read(path)
    x = resample(x.mean(axis=0), sr, sr_ref)
    diff = abs(len(x) - n_ref)
    if diff > MAX_LENGTH_MISMATCH_S * sr_ref:
        raise AudioError(
            path,
            f"length differs from {ref_path.name} by {diff / sr_ref * 1000:.0f} ms "
            f"(more than one hop, {MAX_LENGTH_MISMATCH_S * 1000:.0f} ms)",
        )
    if diff:
        warnings.append(f"{path}: length differs from the clean file by {diff} samples; trimmed")
    return fit_length(x, n_ref)


def split_metrics(metrics: list[str] | None, asr: bool) -> tuple[list[str] | None, list[str]]:
    """(signal metrics for :func:`compute_metrics`, recognizer metrics); with ``asr`` WER and CER are always in."""
    if metrics is None:
        return None, list(ASR_METRICS) if asr else []
    unknown = [m for m in metrics if m not in AVAILABLE_METRICS and m not in ASR_METRICS]
    if unknown:
        known = ", ".join([*AVAILABLE_METRICS, *ASR_METRICS])
        raise HushError(f"unknown metric(s) {', '.join(unknown)}; available: {known}")
    wanted = [m for m in metrics if m in ASR_METRICS]
    if wanted and not asr:
        raise HushError(f"{', '.join(wanted)} needs transcripts: add --asr TRANSCRIPTS")
    return [m for m in metrics if m not in ASR_METRICS], list(ASR_METRICS) if asr else []


def _scores(ref, x, sr: int, metrics: list[str] | None, text: str | None) -> dict[str, float]:
    out = compute_metrics(ref, x, sr, metrics) if metrics is None or metrics else {}
    if text is not None:
        out.update(asr_scores(x, sr, text))
    return out


def score_pair(pair: Pair, metrics: list[str] | None = None, transcripts: dict[str, str] | None = None) -> Scored:
    """Scores of one pair; with ``transcripts``, also the recognizer's WER and CER (and their counts)."""
    out = Scored(pair.name)
    try:
        signal, _ = split_metrics(metrics, transcripts is not None)
        text = None
        if transcripts is not None:
            text = transcript_for(pair.name, transcripts)
            if text is None:
                out.warnings.append(f"{pair.enhanced}: no transcript for it: no WER")
        ref, sr = read(pair.clean)
        ref = ref.mean(axis=0)
        est = _load_matched(pair.clean, pair.enhanced, sr, len(ref), out.warnings)
        out.metrics = _scores(ref, est, sr, signal, text)
        out.failure = degenerate_output(ref, est)
        if out.failure:
            out.metrics = worst_scores(out.metrics)
        if pair.noisy is not None:
            noisy = _load_matched(pair.clean, pair.noisy, sr, len(ref), out.warnings)
            out.noisy = _scores(ref, noisy, sr, signal, text)
    except HushError as e:
        out.error = str(e)
    except Exception as e:  # a broken file must not stop the evaluation
        out.error = f"{pair.enhanced}: {type(e).__name__}: {e}"
    return out


def _score_star(args):
    return score_pair(*args)


def score_pairs(
    pairs: list[Pair],
    metrics: list[str] | None = None,
    jobs: int = 1,
    progress: bool = True,
    transcripts: dict[str, str] | None = None,
) -> list[Scored]:
    """Score every pair; results keep the input order."""
    split_metrics(metrics, transcripts is not None)  # a bad request fails once, up front
    if jobs <= 1:
        return [
            score_pair(p, metrics, transcripts)
            for p in tqdm(pairs, desc="evaluate", unit="file", disable=not progress, leave=False)
        ]
    with ProcessPoolExecutor(min(jobs, os.cpu_count() or 1)) as pool:
        it = pool.map(_score_star, [(p, metrics, transcripts) for p in pairs])
        return list(tqdm(it, total=len(pairs), desc="evaluate", unit="file", disable=not progress, leave=False))
