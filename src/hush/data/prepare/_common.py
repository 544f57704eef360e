"""Helpers shared by the recipes: finding audio files, probing headers, building records."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hush.audio.io import AUDIO_EXTENSIONS, AudioInfo, probe
from hush.data.manifest import Record
from hush.errors import AudioError, HushError

_MAX_LISTED = 3


def audio_files(folder: Path, extensions: Iterable[str] = AUDIO_EXTENSIONS) -> list[Path]:
    """Audio files under ``folder`` (recursive, extension case-insensitive, hidden entries skipped), sorted."""
    exts = {e.lower() for e in extensions}
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in exts:
                out.append(Path(dirpath, name))
    return sorted(out)


def subdirs(folder: Path) -> list[Path]:
    """Visible sub-folders, sorted by name."""
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def find_dirs(root: Path, predicate, max_depth: int = 2) -> list[Path]:
    """Folders at depth 0..max_depth below ``root`` (root itself included) whose path satisfies ``predicate``."""
    found, level = [], [root]
    for _ in range(max_depth + 1):
        nxt = []
        for d in level:
            if predicate(d):
                found.append(d)
            else:
                nxt.extend(subdirs(d))
        level = nxt
    return found


def child(folder: Path, name: str) -> Path | None:
    """``folder/name`` matched case-insensitively, or None."""
    exact = folder / name
    if exact.is_dir():
        return exact
    for p in subdirs(folder):
        if p.name.lower() == name.lower():
            return p
    return None


def rel_id(path: Path, root: Path) -> str:
    """Corpus-relative POSIX path without the audio extension."""
    rel = Path(os.path.relpath(path, root)).as_posix()
    stem, ext = os.path.splitext(rel)
    return stem if ext.lower() in AUDIO_EXTENSIONS else rel


def probe_many(paths: Sequence[Path], corpus: str, workers: int = 4) -> dict[Path, AudioInfo]:
    """Header information for every readable file; unreadable ones are left out with one summary warning."""
    paths = list(dict.fromkeys(paths))

    def one(p: Path) -> AudioInfo | AudioError:
        try:
            return probe(p)
        except AudioError as e:
            return e

    if len(paths) < 64 or workers <= 1:
        results = [one(p) for p in paths]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, paths, chunksize=64))
    infos, bad = {}, []
    for p, res in zip(paths, results, strict=True):
        if isinstance(res, AudioError):
            bad.append(str(res))
        else:
            infos[p] = res
    if bad:
        skipped(corpus, "unreadable audio file", bad)
    return infos


def skipped(corpus: str, what: str, items: Sequence[str]) -> None:
    """One warning line naming the first few skipped items."""
    if not items:
        return
    shown = "; ".join(items[:_MAX_LISTED]) + (
        f" (and {len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else ""
    )
    warnings.warn(f"{corpus}: skipped {len(items)} {what}(s): {shown}", stacklevel=3)


def record(
    kind: str,
    corpus: str,
    root: Path,
    path: Path,
    info: AudioInfo,
    *,
    id: str | None = None,
    noisy: Path | None = None,
    **fields,
) -> Record:
    """A record for ``path`` with duration, rate and channels from its header; ``id`` defaults to the path's."""
    return Record(
        id=id or rel_id(noisy if noisy is not None else path, root),
        path=os.path.abspath(path),
        kind=kind,
        corpus=corpus,
        duration=round(info.duration, 4),
        sample_rate=info.sample_rate,
        channels=info.channels,
        noisy_path=os.path.abspath(noisy) if noisy is not None else None,
        **fields,
    )


def pair_records(corpus: str, root: Path, pairs: Sequence[tuple[Path, Path, dict]]) -> list[Record]:
    """``pair`` records from ``(clean, noisy, fields)``; pairs with an unreadable side or mismatched rates are
    skipped with a warning. The id is the noisy file's (a clean file may be shared by several noisy ones)."""
    infos = probe_many([p for c, n, _ in pairs for p in (c, n)], corpus)
    out, mismatched = [], []
    for clean, noisy, fields in pairs:
        ci, ni = infos.get(clean), infos.get(noisy)
        if ci is None or ni is None:
            continue
        if ci.sample_rate != ni.sample_rate:
            mismatched.append(f"{noisy} ({ni.sample_rate} Hz, clean {ci.sample_rate} Hz)")
            continue
        extra = dict(fields.pop("extra", {}) or {})
        if ci.frames != ni.frames:
            extra["noisy_duration"] = round(ni.duration, 4)
        if ci.channels != ni.channels:
            extra["noisy_channels"] = ni.channels
        out.append(record("pair", corpus, root, clean, ci, noisy=noisy, extra=extra, **fields))
    skipped(corpus, "pair with different sample rates", mismatched)
    return out


def single_records(kind: str, corpus: str, root: Path, items: Sequence[tuple[Path, dict]]) -> list[Record]:
    """``speech``/``noise``/``rir`` records from ``(path, fields)``; unreadable files are skipped with a warning."""
    infos = probe_many([p for p, _ in items], corpus)
    return [record(kind, corpus, root, p, infos[p], **fields) for p, fields in items if p in infos]


def layout_error(root: Path, name: str, expected: str) -> HushError:
    return HushError(f"{root} does not look like a {name} layout (expected {expected})")


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


_NUM = re.compile(r"^-?\d+(?:\.\d+)?$")


def number(text: str) -> float | int | None:
    """``"5"`` -> 5, ``"2.5"`` -> 2.5, anything else -> None."""
    text = text.strip()
    if not _NUM.match(text):
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value
