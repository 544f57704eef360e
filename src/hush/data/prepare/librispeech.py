"""LibriSpeech (Panayotov et al., OpenSLR 12).

Official layout (ROOT may be the ``LibriSpeech/`` folder, its parent, or one subset folder)::

    LibriSpeech/SPEAKERS.TXT
    LibriSpeech/train-clean-100/103/1240/103-1240-0000.flac
    LibriSpeech/train-clean-100/103/1240/103-1240.trans.txt

Subsets: train-clean-100, train-clean-360, train-other-500, dev-clean, dev-other, test-clean, test-other. Records are
``speech`` with speaker = speaker id, split ``train``/``dev``/``test`` and ``extra["subset"]`` = subset name
(``--split`` accepts either), ``extra["chapter"]``, the transcript and, from SPEAKERS.TXT, the speaker's sex.
Option ``subsets`` (comma-separated) restricts the subsets read.
"""

from __future__ import annotations

import re
from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import layout_error, read_text, single_records, subdirs
from hush.data.prepare.registry import register
from hush.errors import HushError

NAME = "librispeech"
LICENSE = "CC BY 4.0"
EXPECTED = "<subset e.g. train-clean-100>/<speaker>/<chapter>/<speaker>-<chapter>-<utt>.flac"
_SUBSET = re.compile(r"^(train|dev|test)-(clean|other)(-\d+)?$")
_UTT = re.compile(r"^(\d+)-(\d+)-(\d+)$")


def _subset_dirs(root: Path) -> list[Path]:
    if _SUBSET.match(root.name):
        return [root]
    for d in (root, root / "LibriSpeech"):
        found = [s for s in subdirs(d) if _SUBSET.match(s.name)]
        if found:
            return found
    return []


def _speakers(folder: Path) -> dict[str, str]:
    text = read_text(folder / "SPEAKERS.TXT") or ""
    out = {}
    for line in text.splitlines():
        if line.startswith(";"):
            continue
        cols = [c.strip() for c in line.split("|")]
        if len(cols) >= 2 and cols[0].isdigit() and cols[1] in ("M", "F"):
            out[cols[0]] = cols[1]
    return out


def _transcripts(chapter: Path) -> dict[str, str]:
    out = {}
    for f in chapter.glob("*.trans.txt"):
        for line in (read_text(f) or "").splitlines():
            utt, _, text = line.partition(" ")
            if text:
                out[utt] = text.strip()
    return out


@register(NAME, "LibriSpeech: 16 kHz read English audiobooks (FLAC), train/dev/test subsets")
def prepare(root: Path, *, subsets: str = "") -> list[Record]:
    dirs = _subset_dirs(root)
    if not dirs:
        raise layout_error(root, "LibriSpeech", EXPECTED)
    if subsets:
        wanted = [s.strip() for s in subsets.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in {d.name for d in dirs}]
        if unknown:
            raise HushError(f"{root}: no LibriSpeech subset {unknown[0]!r} (found: {', '.join(d.name for d in dirs)})")
        dirs = [d for d in dirs if d.name in wanted]
    items = []
    for sdir in dirs:
        sex = _speakers(sdir.parent)
        split = _SUBSET.match(sdir.name).group(1)
        for spk in subdirs(sdir):
            for chapter in subdirs(spk):
                texts = _transcripts(chapter)
                for f in sorted(chapter.glob("*.flac")):
                    m = _UTT.match(f.stem)
                    if not m:
                        continue
                    extra = {"subset": sdir.name, "chapter": m.group(2)}
                    if m.group(1) in sex:
                        extra["sex"] = sex[m.group(1)]
                    if f.stem in texts:
                        extra["text"] = texts[f.stem]
                    items.append((f, {"speaker": m.group(1), "split": split, "license": LICENSE, "extra": extra}))
    return single_records("speech", NAME, root, items)
