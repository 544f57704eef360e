"""Non-intrusive quality scores of manifest records, and filtering on them.

The DNS Challenge builds its clean training speech by keeping only clips that a non-intrusive MOS estimator
rates highly (Reddy et al., "ICASSP 2021 Deep Noise Suppression Challenge"; Dubey et al., "ICASSP 2023 Deep Noise
Suppression Challenge", which filtered with DNSMOS P.835). A target that already carries background noise or
distortion teaches the model to keep it. :func:`score_records` stores DNSMOS P.835 SIG / BAK / OVRL of each record
in ``record.extra`` (``dnsmos_sig``, ``dnsmos_bak``, ``dnsmos_ovrl``), with a cache file so that a long scoring
run can be stopped and resumed, and :func:`filter_records` keeps the records of one kind that pass thresholds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from hush.data.manifest import Record
from hush.data.parallel import parallel_map
from hush.errors import HushError

SCORE_KEYS = ("dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")


def dnsmos_of_file(path: str, max_windows: int | None = None) -> dict[str, float]:
    """DNSMOS P.835 SIG / BAK / OVRL of an audio file (mono mix; any rate).

    ``max_windows`` limits the 9.01 s windows scored (see :func:`hush.metrics.dnsmos.dnsmos`).
    """
    from hush.audio.io import read
    from hush.metrics.dnsmos import dnsmos

    x, sr = read(path)
    scores = dnsmos(np.asarray(x, np.float64).mean(axis=0), sr, max_windows=max_windows)
    return {k: float(scores[k]) for k in SCORE_KEYS}


def _score_one(scorer: Callable[[str], dict[str, float]], path: str) -> tuple[str, dict[str, float] | str]:
    """(path, scores) or (path, one-line error naming the file); run in worker processes, so it must not raise."""
    try:
        return path, scorer(path)
    except HushError as e:  # already names the file
        return path, str(e)
    except Exception as e:  # noqa: BLE001 - decoders and the scorer raise several types
        return path, f"{path}: cannot score ({e})"


def _load_cache(path: Path) -> dict[str, dict[str, float]]:
    cache: dict[str, dict[str, float]] = {}
    if path.exists():
        with open(path) as fh:
            for line in fh:
                try:
                    d = json.loads(line)
                    cache[d["path"]] = d["scores"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue  # a line cut short by an interrupted run: that file is scored again
    return cache


def score_records(
    records: Sequence[Record],
    cache: str | os.PathLike,
    kind: str | None = "speech",
    scorer: Callable[[str], dict[str, float]] = dnsmos_of_file,
    progress: bool = False,
    jobs: int = 1,
) -> list[Record]:
    """Copies of ``records`` with the scores of every record of ``kind`` (all kinds: ``None``) in ``extra``.

    Scores are appended to ``cache`` (JSON lines keyed by the audio path relative to the cache's folder, so the
    cache names no machine-specific folder) as they are computed and read back from it, so an interrupted run
    resumes where it stopped. ``jobs`` > 1 scores in that many worker processes (``scorer`` must then be
    picklable, e.g. a module-level function or a ``functools.partial`` of one). An unreadable file raises
    :class:`~hush.errors.HushError` naming it; the scores computed before it stay in the cache.
    """
    cache = Path(cache)
    base = os.path.abspath(cache.parent)

    def key_of(r: Record) -> str:
        return os.path.relpath(os.path.abspath(r.path), base)

    known = _load_cache(cache)
    todo = [r for r in records if (kind is None or r.kind == kind) and key_of(r) not in known]
    if todo:
        from tqdm import tqdm

        cache.parent.mkdir(parents=True, exist_ok=True)
        keys = {r.path: key_of(r) for r in todo}
        paths = list(keys)
        with open(cache, "a") as fh, tqdm(total=len(paths), desc="scoring", unit="file", disable=not progress) as bar:
            with closing(parallel_map(partial(_score_one, scorer), paths, jobs)) as results:
                for path, scores in results:
                    if isinstance(scores, str):
                        raise HushError(scores)
                    known[keys[path]] = scores
                    fh.write(json.dumps({"path": keys[path], "scores": scores}) + "\n")
                    fh.flush()
                    bar.update()
    out = []
    for r in records:
        s = known.get(key_of(r))
        out.append(replace(r, extra={**r.extra, **s}) if s is not None and (kind is None or r.kind == kind) else r)
    return out


def parse_thresholds(items: Iterable[str]) -> dict[str, float]:
    """``["dnsmos_sig=3.2", "dnsmos_bak=3.5"]`` → ``{"dnsmos_sig": 3.2, "dnsmos_bak": 3.5}``."""
    out = {}
    for item in items:
        key, eq, val = item.partition("=")
        try:
            if not eq or not key.strip():
                raise ValueError
            out[key.strip()] = float(val)
        except ValueError:
            raise HushError(f"bad threshold {item!r}; expected SCORE=VALUE, e.g. dnsmos_sig=3.2") from None
    return out


def filter_records(records: Sequence[Record], minimum: dict[str, float], kind: str = "speech") -> list[Record]:
    """Records of ``kind`` whose ``extra`` scores are all at least ``minimum``; records of other kinds are kept.

    A record of ``kind`` without one of the scores raises :class:`~hush.errors.HushError` (score it first).
    """
    out = []
    for r in records:
        if r.kind != kind:
            out.append(r)
            continue
        missing = [k for k in minimum if k not in r.extra]
        if missing:
            raise HushError(f"{r.path}: no {', '.join(missing)} score (run `hush data score` first)")
        if all(float(r.extra[k]) >= v for k, v in minimum.items()):
            out.append(r)
    return out


def score_summary(records: Sequence[Record], kind: str = "speech") -> str:
    """Count and mean scores per corpus source (``extra.source`` or ``corpus``) of the scored records of ``kind``."""
    groups: dict[str, list[Record]] = {}
    for r in records:
        if r.kind == kind and all(k in r.extra for k in SCORE_KEYS):
            groups.setdefault(str(r.extra.get("source") or r.corpus), []).append(r)
    lines = []
    for name, rs in sorted(groups.items()):
        means = " ".join(
            f"{k.removeprefix('dnsmos_').upper()} {np.mean([x.extra[k] for x in rs]):.2f}" for k in SCORE_KEYS
        )
        lines.append(f"{name}: {len(rs)} files, {means}")
    return "\n".join(lines)
