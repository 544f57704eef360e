"""Run several systems over a paired clean/noisy set, timing each and scoring every output."""

from __future__ import annotations

import csv
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from hush.audio.io import read, write
from hush.audio.layout import fit_length
from hush.errors import HushError
from hush.evaluation.pairing import Pair, pair_folders
from hush.inference.arrays import enhance_array
from hush.methods import Enhancer, resolve
from hush.metrics import compute_metrics
from hush.metrics.asr import ASR_METRICS, asr_scores, transcript_for
from hush.threads import set_threads

COMPARE_METRICS = ["pesq_wb", "pesq_nb", "stoi", "estoi", "si_sdr", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"]
NOISY = "noisy"


@dataclass
class SystemRun:
    name: str
    scores: list[dict[str, float]] = field(default_factory=list)  # one per pair, in pair order
    seconds: float = 0.0  # processing time, I/O and scoring excluded
    audio_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rtf(self) -> float:
        return self.seconds / self.audio_seconds if self.audio_seconds else float("nan")


def load_conditions(
    pairs: list[Pair], meta: Path | None = None, group: str | None = None, column: str = "snr_db"
) -> list[str] | None:
    """Condition label per pair: from a meta CSV column (matched on file name) or a regex group on names."""
    if group:
        rx = re.compile(group)
        out = []
        for p in pairs:
            m = rx.search(p.name)
            out.append((m.group(1) if m.groups() else m.group(0)) if m else "other")
        return out
    if meta is None or not Path(meta).exists():
        return None
    with open(meta, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or column not in rows[0]:
        return None
    by_name = {Path(r.get("file", "")).with_suffix("").as_posix(): r[column] for r in rows}
    return [by_name.get(p.name, "other") for p in pairs]


def _load_pair(pair: Pair) -> tuple[np.ndarray, np.ndarray, int]:
    clean, sr = read(pair.clean)
    noisy, sr_n = read(pair.noisy)
    if sr_n != sr:
        from hush.audio.resample import resample

        noisy = resample(noisy, sr_n, sr)
    return clean.mean(axis=0), fit_length(noisy, clean.shape[1]), sr


def _score(clean: np.ndarray, y: np.ndarray, sr: int, metrics: list[str], text: str | None = None) -> dict[str, float]:
    """Scores of a (channels, T) output; the noisy row and every system go through this same path. The recognizer's
    WER and CER (with their counts, for pooling) need the file's transcript ``text``."""
    x = np.ascontiguousarray(y.mean(axis=0), dtype=np.float64)
    signal = [m for m in metrics if m not in ASR_METRICS]
    out = compute_metrics(clean, x, sr, signal) if signal else {}
    if any(m in ASR_METRICS for m in metrics):
        if text is None:
            out.update({m: float("nan") for m in metrics if m in ASR_METRICS})
        else:
            out.update(asr_scores(x, sr, text))
    return out


def _score_star(args) -> dict[str, float]:
    return _score(*args)


def _score_all(jobs_args: list[tuple], pool: ProcessPoolExecutor | None) -> list[dict[str, float]]:
    if pool is None:
        return [_score(*a) for a in jobs_args]
    return list(pool.map(_score_star, jobs_args, chunksize=4))


def run_system(
    system: str | Enhancer,
    pairs: list[Pair],
    data: list,
    threads: int,
    metrics: list[str],
    out_dir: Path | None,
    progress: bool,
    pool: ProcessPoolExecutor | None = None,
    texts: list[str | None] | None = None,
) -> SystemRun:
    """Enhance every file (timed, on ``threads`` threads, nothing else running), then score them all."""
    set_threads(threads)
    enh = resolve(system)
    enh.set_threads(threads)
    name = system if isinstance(system, str) else enh.name
    run = SystemRun(name)
    outputs: list[np.ndarray | None] = []
    for pair, (_, noisy, sr) in tqdm(
        list(zip(pairs, data, strict=True)), desc=name, unit="file", disable=not progress, leave=False
    ):
        try:
            t0 = time.perf_counter()
            y = enhance_array(noisy, sr, enh)
            run.seconds += time.perf_counter() - t0
            run.audio_seconds += noisy.shape[1] / sr
            outputs.append(y)
            if out_dir is not None:
                safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).stem if Path(name).suffix else name)
                write(out_dir / safe / f"{pair.name}.wav", y, sr, subtype="FLOAT", overwrite=True)
        except Exception as e:  # one failing file is reported, not fatal
            run.errors.append(f"{pair.noisy}: {name}: {e}")
            outputs.append(None)
    texts = texts or [None] * len(data)
    todo = [
        (clean, y, sr, metrics, t) for (clean, _, sr), y, t in zip(data, outputs, texts, strict=True) if y is not None
    ]
    scored = iter(_score_all(todo, pool))
    run.scores = [next(scored) if y is not None else {m: float("nan") for m in metrics} for y in outputs]
    return run


def run_compare(
    clean: Path,
    noisy: Path,
    systems: list[str | Enhancer],
    threads: int = 1,
    metrics: list[str] | None = None,
    out_dir: Path | None = None,
    progress: bool = True,
    jobs: int = 1,
    transcripts: dict[str, str] | None = None,
) -> tuple[list[Pair], list[SystemRun]]:
    """Score the noisy input itself (row ``noisy``) and every system on the same pairs.

    Enhancement is timed one system at a time with nothing else running; scoring then uses ``jobs`` processes.
    With ``transcripts`` (:func:`hush.metrics.asr.read_transcripts`) every row also gets the recognizer's WER and CER.
    """
    metrics = list(metrics or COMPARE_METRICS)
    if transcripts is not None:
        metrics += [m for m in ASR_METRICS if m not in metrics]
    elif any(m in ASR_METRICS for m in metrics):
        raise HushError(f"{', '.join(m for m in metrics if m in ASR_METRICS)} needs transcripts (--asr)")
    pairs, _ = pair_folders(clean, noisy)
    pairs = [Pair(p.name, p.clean, p.enhanced, noisy=p.enhanced) for p in pairs]
    texts = [transcript_for(p.name, transcripts) for p in pairs] if transcripts is not None else None
    if texts is not None and all(t is None for t in texts):
        raise HushError(f"no file of {noisy} has a line in the transcripts (ids: file stems, or their end after '_')")
    data = [_load_pair(p) for p in pairs]
    pool = ProcessPoolExecutor(jobs) if jobs > 1 else None
    try:
        rows = [(c, n, sr, metrics, t) for (c, n, sr), t in zip(data, texts or [None] * len(data), strict=True)]
        base = SystemRun(NOISY, _score_all(rows, pool))
        base.audio_seconds = sum(n.shape[1] / sr for _, n, sr in data)
        runs = [base] + [run_system(s, pairs, data, threads, metrics, out_dir, progress, pool, texts) for s in systems]
    finally:
        if pool is not None:
            pool.shutdown()
    return pairs, runs
