"""Cleaner training targets: remove the recording's own background from "clean" speech.

Read speech corpora are rarely noise-free: a room tone or microphone hiss sits under every utterance (DNSMOS BAK
of the shared speechocean762 recordings is about 3.6, against about 4.0 that the peer models reach on them).
A model trained with those recordings as targets learns to keep such a floor. :func:`clean_targets` enhances
each speech record once with a conservative method (by default the MMSE log-spectral amplitude estimator, whose
noise tracker follows the floor) and stores the result beside it as ``Record.target_path``.
:class:`~hush.data.mixing.mixtures.MixingDataset` then mixes noise into the *original* recording and trains
towards the cleaned one, so the model learns to remove the recording floor as well as the added noise.

The cleaned files are written once (float WAV, same rate and length as the source), named after the source's
path relative to ``root``; a file already there is reused, so an interrupted run resumes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import closing
from dataclasses import replace
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from hush.data.manifest import Record
from hush.data.parallel import parallel_map
from hush.errors import HushError
from hush.methods import Enhancer, resolve


def target_file(source: str, root: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """Where the cleaned version of ``source`` goes: its path relative to ``root`` under ``out_dir``, as .wav."""
    rel = os.path.relpath(os.path.abspath(source), os.path.abspath(root))
    if rel.startswith(".."):
        rel = os.path.abspath(source).lstrip(os.sep)  # outside root: keep the full path, still unique
    return Path(out_dir) / Path(rel).with_suffix(".wav")


@lru_cache(maxsize=2)
def _enhancer(method: str) -> Enhancer:
    return resolve(method)  # once per process: a neural model's weights are read once, not per file


def clean_file(source: str, dest: str, method: str = "mmse-lsa") -> str:
    """Enhance ``source`` (all channels, its own rate) with ``method`` into ``dest``; returns "" or an error line."""
    from hush.audio.io import read, write

    try:
        x, sr = read(source)
        enhancer = _enhancer(method)
        y = np.stack([enhancer.enhance(ch, sr) for ch in x])
        if y.shape != x.shape:
            return f"{source}: {method} changed the length ({x.shape[1]} -> {y.shape[1]} samples)"
        if not np.all(np.isfinite(y)):
            return f"{source}: {method} gave non-finite samples"
        write(dest, y, sr, subtype="FLOAT", overwrite=True)
        return ""
    except HushError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - decoders and enhancers raise several types; report, don't crash a pool
        return f"{source}: cannot clean ({e})"


def clean_targets(
    records: Sequence[Record],
    out_dir: str | os.PathLike,
    root: str | os.PathLike,
    method: str = "mmse-lsa",
    kind: str = "speech",
    jobs: int = 1,
    progress: bool = False,
) -> list[Record]:
    """Copies of ``records`` whose ``kind`` records carry ``target_path``, a cleaned copy written under ``out_dir``.

    Existing cleaned files are reused (delete ``out_dir`` to redo them with another method). ``jobs`` > 1 uses
    that many worker processes. A file that cannot be cleaned raises :class:`~hush.errors.HushError` naming it.
    """
    from tqdm import tqdm

    dests = {r.path: target_file(r.path, root, out_dir) for r in records if r.kind == kind}
    todo = [(src, str(dst)) for src, dst in dests.items() if not dst.exists()]
    if todo:
        with (
            tqdm(total=len(todo), desc=f"cleaning ({method})", unit="file", disable=not progress) as bar,
            closing(parallel_map(partial(_clean_pair, method), todo, jobs, ordered=False)) as results,
        ):
            for err in results:
                if err:
                    raise HushError(err)
                bar.update()
    return [replace(r, target_path=str(dests[r.path])) if r.path in dests else r for r in records]


def _clean_pair(method: str, pair: tuple[str, str]) -> str:
    return clean_file(pair[0], pair[1], method)
