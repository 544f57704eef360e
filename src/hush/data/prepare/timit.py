"""TIMIT Acoustic-Phonetic Continuous Speech Corpus (LDC93S1).

Official layout (ROOT may be the folder holding TRAIN/TEST or up to two levels above it, e.g. ``timit/TIMIT/``)::

    TRAIN/DR1/FCJF0/SA1.WAV  SA1.TXT  SA1.PHN  SA1.WRD
    TEST/DR8/MSLB0/SX383.WAV

The ``.WAV`` files are NIST SPHERE (16 kHz, 16 bit, uncompressed), which libsndfile reads. Names may be upper or
lower case; converted copies named ``SA1.WAV.wav`` next to the SPHERE originals are not counted twice. Records are
``speech`` with speaker = speaker folder (first letter = sex), split ``train``/``test``, ``extra`` with the dialect
region, sex, sentence id and the ``.TXT`` prompt. Option ``sa=false`` drops the two dialect sentences SA1/SA2 that
every speaker reads.
"""

from __future__ import annotations

import re
from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import layout_error, read_text, single_records, subdirs
from hush.data.prepare.registry import register

NAME = "timit"
LICENSE = "LDC User Agreement (LDC93S1)"
EXPECTED = "TRAIN/DR1..DR8/<speaker>/*.WAV and TEST/DR1..DR8/<speaker>/*.WAV"
_DR = re.compile(r"^dr\d$", re.I)


def _split_dirs(root: Path) -> list[Path]:
    found: list[Path] = []
    level = [root]
    for _ in range(3):
        for d in level:
            for s in subdirs(d):
                if s.name.lower() in ("train", "test") and any(_DR.match(x.name) for x in subdirs(s)):
                    found.append(s)
        if found:
            return found
        level = [s for d in level for s in subdirs(d)]
    return found


def _prompt(wav: Path) -> str | None:
    base = wav.name[: -len(".wav.wav")] if wav.name.lower().endswith(".wav.wav") else wav.stem
    for ext in (".TXT", ".txt"):
        text = read_text(wav.with_name(base + ext))
        if text:
            parts = text.split(maxsplit=2)  # "0 46797 She had your dark suit ..."
            return parts[2] if len(parts) == 3 and parts[0].isdigit() else text
    return None


@register(NAME, "TIMIT: 16 kHz read speech, 630 speakers in 8 dialect regions (NIST SPHERE)")
def prepare(root: Path, *, sa: bool = True) -> list[Record]:
    split_dirs = _split_dirs(root)
    if not split_dirs:
        raise layout_error(root, "TIMIT", EXPECTED)
    items = []
    for sdir in split_dirs:
        for dr in (d for d in subdirs(sdir) if _DR.match(d.name)):
            for spk in subdirs(dr):
                files = sorted(p for p in spk.iterdir() if p.is_file() and p.name.lower().endswith(".wav"))
                names = {p.name.lower() for p in files}
                for wav in files:
                    low = wav.name.lower()
                    if low.endswith(".wav.wav") and low[:-4] in names:
                        continue  # converted copy of a SPHERE file that is also present
                    sentence = (wav.name[:-8] if low.endswith(".wav.wav") else wav.stem).upper()
                    if not sa and sentence.startswith("SA"):
                        continue
                    extra = {"dialect": dr.name.upper(), "sex": spk.name[:1].upper(), "sentence": sentence}
                    if text := _prompt(wav):
                        extra["text"] = text
                    items.append(
                        (wav, {"speaker": spk.name, "split": sdir.name.lower(), "license": LICENSE, "extra": extra})
                    )
    records = single_records("speech", NAME, root, items)
    for r in records:  # "SA1.WAV.wav" -> id ".../SA1", like its SPHERE original
        if r.id.lower().endswith(".wav"):
            r.id = r.id[:-4]
    return records
