"""Pairing clean, enhanced and noisy files by name (relative path without extension)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hush.audio.io import AUDIO_EXTENSIONS
from hush.errors import HushError


@dataclass(frozen=True)
class Pair:
    name: str
    clean: Path
    enhanced: Path
    noisy: Path | None = None


def _index(root: Path, suffix: str = "") -> dict[str, Path]:
    if not root.is_dir():
        raise HushError(f"{root}: not a folder")
    out: dict[str, Path] = {}
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.suffix.lower() in AUDIO_EXTENSIONS and not f.name.startswith("."):
            rel = f.relative_to(root).with_suffix("")
            stem = rel.name
            if suffix:
                if not stem.endswith(suffix):
                    continue
                stem = stem[: -len(suffix)]
            out[str(rel.with_name(stem))] = f
    return out


def pair_folders(
    clean: Path, enhanced: Path, noisy: Path | None = None, suffix: str = ""
) -> tuple[list[Pair], list[str]]:
    """Pairs present in both ``clean`` and ``enhanced`` (and ``noisy`` if given), plus one line per orphan."""
    c, e = _index(Path(clean)), _index(Path(enhanced), suffix)
    n = _index(Path(noisy)) if noisy else None
    problems = [f"{e[k]}: no clean file with this name in {clean}" for k in sorted(set(e) - set(c))]
    problems += [f"{c[k]}: no enhanced file for it in {enhanced}" for k in sorted(set(c) - set(e))]
    pairs = []
    for k in sorted(set(c) & set(e)):
        if n is not None and k not in n:
            problems.append(f"{c[k]}: no noisy file for it in {noisy}")
            continue
        pairs.append(Pair(k, c[k], e[k], n[k] if n is not None else None))
    if not pairs:
        raise HushError(
            f"no files pair up between {clean} and {enhanced}" + (f" with suffix {suffix!r}" if suffix else "")
        )
    return pairs, problems
