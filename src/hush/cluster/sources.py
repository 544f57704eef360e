"""Lazy input listing: files, folders, globs and file lists (JSONL or CSV), one entry at a time.

A folder is walked depth first with each folder's entries in name order, which is the order of the local path's
sorted listing, without holding the listing in memory. Each entry is ``(file, relative output name)`` by the local
path's rules (a file keeps its name, a file found in a folder its path relative to that folder, a glob match its
name), or a one-line problem. File lists name one audio file per record:

* JSONL: one object per line with ``"path"`` and optionally ``"output"`` (the relative output name);
* CSV: a header row with a ``path`` column and optionally an ``output`` column.

A relative path in a list is relative to the list's folder and keeps that relative path as its output name; an
absolute path, or one that climbs out with ``..``, keeps its file name.
"""

from __future__ import annotations

import csv
import glob
import json
import os
from collections.abc import Iterator
from pathlib import Path, PurePath

from hush.audio.io import AUDIO_EXTENSIONS
from hush.errors import os_problem

LIST_EXTENSIONS = {".jsonl", ".csv"}

Entry = tuple[Path, Path] | str  # (file, relative output name) or a problem line


def _is_audio_name(name: str) -> bool:
    return Path(name).suffix.lower() in AUDIO_EXTENSIONS and not name.startswith(".")


def _inside(path: str, folder: str | None) -> bool:
    return folder is not None and (path == folder or path.startswith(folder + os.sep))


def _walk(folder: str, recursive: bool, exclude: str | None) -> Iterator[str]:
    """Audio files under ``folder`` in the order of a sorted ``rglob`` (or ``glob`` without ``recursive``)."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for e in entries:
        if e.is_file() and _is_audio_name(e.name):
            yield e.path
        elif recursive and e.is_dir(follow_symlinks=False) and not _inside(os.path.realpath(e.path), exclude):
            yield from _walk(e.path, recursive, exclude)


def _folder(arg: str, recursive: bool, exclude: str | None) -> Iterator[Entry]:
    n = 0
    for f in _walk(arg, recursive, exclude):
        n += 1
        yield Path(f), Path(os.path.relpath(f, arg))
    if not n:
        yield f"{arg}: folder holds no audio files" + ("" if recursive else " (try --recursive)")


def _glob(arg: str, recursive: bool, exclude: str | None) -> Iterator[Entry]:
    n = 0
    for f in glob.iglob(arg, recursive=recursive):
        if os.path.isfile(f) and not _inside(os.path.realpath(f), exclude):
            n += 1
            yield Path(f), Path(Path(f).name)
    if not n:
        yield f"{arg}: no file matches this pattern"


def _list_entry(where: str, base: Path, path: object, output: object) -> Entry:
    if not isinstance(path, str) or not path.strip():
        return f'{where}: no "path" in this record'
    p = PurePath(path)
    src = Path(path) if p.is_absolute() else base / p
    if output not in (None, ""):
        rel = PurePath(str(output))
        if rel.is_absolute() or ".." in rel.parts:
            return f"{where}: output name {output} is outside the output folder (use a relative name without ..)"
    elif p.is_absolute() or ".." in p.parts:
        rel = PurePath(p.name)
    else:
        rel = p
    return src, Path(rel)


def _jsonl(path: Path) -> Iterator[Entry]:
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                yield f"{path}:{i}: not JSON ({e.msg})"
                continue
            if not isinstance(rec, dict):
                yield f'{path}:{i}: not a JSON object with a "path"'
                continue
            yield _list_entry(f"{path}:{i}", path.parent, rec.get("path"), rec.get("output"))


def _csv(path: Path) -> Iterator[Entry]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if "path" not in (reader.fieldnames or []):
            yield f"{path}: a CSV file list needs a header row with a 'path' column"
            return
        for row in reader:
            yield _list_entry(f"{path}:{reader.line_num}", path.parent, row.get("path"), row.get("output"))


def _file_list(arg: str) -> Iterator[Entry]:
    path = Path(arg)
    read = _jsonl if path.suffix.lower() == ".jsonl" else _csv
    try:
        yield from read(path)
    except (OSError, UnicodeDecodeError) as e:
        problem = os_problem(e) if isinstance(e, OSError) else "not a UTF-8 text file"
        yield f"{arg}: cannot read the file list ({problem})"


def iter_inputs(
    inputs: list[str], recursive: bool = False, exclude: str | os.PathLike | None = None
) -> Iterator[Entry]:
    """``(file, relative output name)`` for every input, or a problem line for an input that yields nothing.

    Sub-folders and glob matches inside ``exclude`` (the output folder) are skipped, so that a rerun does not
    enhance the previous outputs.
    """
    skip = os.path.realpath(exclude) if exclude is not None else None
    for arg in inputs:
        arg = os.fspath(arg)
        if os.path.isdir(arg):
            yield from _folder(arg, recursive, skip)
        elif os.path.isfile(arg):
            if Path(arg).suffix.lower() in LIST_EXTENSIONS:
                yield from _file_list(arg)
            else:
                yield Path(arg), Path(Path(arg).name)
        elif glob.has_magic(arg):
            yield from _glob(arg, recursive, skip)
        else:
            try:
                os.stat(arg)
                problem = "not a regular file or folder"
            except OSError as e:
                problem = os_problem(e)
            yield f"{arg}: {problem}"
