"""The project's shared training/dev data (``../shared/data`` beside the checkout, see its README.md).

Layout::

    lists/train_speech.csv   path,corpus,speaker,duration_s,license    (path relative to ROOT)
    lists/train_noise.csv    path,corpus,category,duration_s,license
    dev/meta.csv             file,speaker,snr_db,noise_path,noise_offset_s,gain
    dev/clean/<file>, dev/noisy/<file>
    speech/<corpus>/<speaker>/*.flac, noise/<corpus>/<category>/*.ogg

Everything is mono 16 kHz. The lists are trusted for durations (no file is opened for them; listed files that are
missing are skipped with a warning). Records: ``speech`` and ``noise`` with split ``train`` and the listed license
(the list's corpus in ``extra["source"]``); the dev pairs are ``pair`` records with split ``dev``, speaker, and
``extra`` snr_db / noise_path / noise_offset_s / gain; their durations come from the clean files' headers.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import layout_error, number, pair_records, skipped
from hush.data.prepare.registry import register
from hush.errors import HushError

NAME = "shared"
SAMPLE_RATE = 16000
EXPECTED = "lists/train_speech.csv, lists/train_noise.csv and dev/meta.csv"


def _rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            has = ", ".join(reader.fieldnames or [])
            raise HushError(f"{path}: missing column(s) {', '.join(missing)} (has: {has})")
        return list(reader)


def _listed(root: Path, lists: Path, name: str, kind: str, label: str, missing: list[str]) -> list[Record]:
    path = lists / name
    rows = _rows(path, ("path", "corpus", label, "license"))
    dur_col = "duration_s" if rows and "duration_s" in rows[0] else "duration"
    if rows and dur_col not in rows[0]:
        raise HushError(f"{path}: missing column duration_s")
    out = []
    for i, row in enumerate(rows, 2):
        rel = row["path"].strip()
        audio = root / rel
        if not audio.is_file():
            missing.append(str(audio))
            continue
        try:
            duration = float(row[dur_col])
        except ValueError:
            raise HushError(f"{path}:{i}: bad duration {row[dur_col]!r}") from None
        out.append(
            Record(
                id=os.path.splitext(rel)[0],
                path=str(audio),
                kind=kind,
                corpus=NAME,
                duration=duration,
                sample_rate=SAMPLE_RATE,
                channels=1,
                split="train",
                license=row["license"].strip() or None,
                speaker=(row[label].strip() or None) if kind == "speech" else None,
                category=(row[label].strip() or None) if kind == "noise" else None,
                extra={"source": row["corpus"].strip()},
            )
        )
    return out


@register(NAME, "the project's shared 16 kHz data through its lists: train speech, train noise, dev pairs")
def prepare(root: Path, *, dev: bool = True) -> list[Record]:
    lists = root / "lists"
    if not (lists / "train_speech.csv").is_file() or not (lists / "train_noise.csv").is_file():
        raise layout_error(root, "shared data", EXPECTED)
    missing: list[str] = []
    records = _listed(root, lists, "train_speech.csv", "speech", "speaker", missing)
    records += _listed(root, lists, "train_noise.csv", "noise", "category", missing)
    skipped(NAME, "listed file that is missing", missing)
    meta = root / "dev" / "meta.csv"
    if dev and meta.is_file():
        pairs = []
        for row in _rows(meta, ("file", "speaker", "snr_db")):
            f = row["file"].strip()
            extra = {"snr_db": number(row["snr_db"])}
            for key in ("noise_path", "noise_offset_s", "gain"):
                if row.get(key, "").strip():
                    value = row[key].strip()
                    extra[key] = value if key == "noise_path" else number(value)
            pairs.append(
                (
                    root / "dev" / "clean" / f,
                    root / "dev" / "noisy" / f,
                    {"speaker": row["speaker"].strip() or None, "split": "dev", "extra": extra},
                )
            )
        records += pair_records(NAME, root, pairs)
    return records
