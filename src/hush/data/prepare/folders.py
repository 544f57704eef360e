"""Generic folders of audio files, for corpora without a recipe.

- ``folder-clean``: every audio file under ROOT (recursive) -> ``speech``, speaker = parent folder name
  (None for files directly in ROOT).
- ``folder-noise``: the same -> ``noise``, category = parent folder name.
- ``folder-paired``: ``ROOT/clean/**`` and ``ROOT/noisy/**`` matched on the relative path without extension
  -> ``pair``; speaker = parent folder name of the clean file.
"""

from __future__ import annotations

import os
from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import audio_files, child, layout_error, pair_records, single_records, skipped
from hush.data.prepare.registry import register
from hush.errors import HushError


def _parent_name(path: Path, top: Path) -> str | None:
    return path.parent.name if path.parent != top else None


def _all_audio(root: Path, what: str) -> list[Path]:
    files = audio_files(root)
    if not files:
        raise HushError(f"{root}: no audio files found for {what}")
    return files


@register("folder-clean", "any folder of clean speech (recursive); speaker = parent folder")
def prepare_clean(root: Path) -> list[Record]:
    items = [(p, {"speaker": _parent_name(p, root)}) for p in _all_audio(root, "folder-clean")]
    return single_records("speech", "folder-clean", root, items)


@register("folder-noise", "any folder of noise recordings (recursive); category = parent folder")
def prepare_noise(root: Path) -> list[Record]:
    items = [(p, {"category": _parent_name(p, root)}) for p in _all_audio(root, "folder-noise")]
    return single_records("noise", "folder-noise", root, items)


@register("folder-paired", "ROOT/clean/ and ROOT/noisy/ with matching file names -> pairs")
def prepare_paired(root: Path) -> list[Record]:
    clean_dir, noisy_dir = child(root, "clean"), child(root, "noisy")
    if clean_dir is None or noisy_dir is None:
        raise layout_error(root, "paired folder", "clean/ and noisy/ with matching file names")

    def by_key(folder: Path) -> dict[str, Path]:
        return {os.path.splitext(p.relative_to(folder).as_posix())[0]: p for p in audio_files(folder)}

    clean, noisy = by_key(clean_dir), by_key(noisy_dir)
    pairs = [(clean[k], noisy[k], {"speaker": _parent_name(clean[k], clean_dir)}) for k in sorted(clean.keys() & noisy)]
    skipped("folder-paired", "clean file without a noisy twin", sorted(str(clean[k]) for k in clean.keys() - noisy))
    skipped("folder-paired", "noisy file without a clean twin", sorted(str(noisy[k]) for k in noisy.keys() - clean))
    if not pairs:
        raise HushError(f"{root}: no file in clean/ has a same-named file in noisy/")
    return pair_records("folder-paired", root, pairs)
