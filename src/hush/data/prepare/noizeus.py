"""NOIZEUS (Hu & Loizou, University of Texas at Dallas): 30 IEEE sentences, 8 kHz, 8 real noises at 4 SNRs.

Official layout (one zip per noise type and SNR; found anywhere under ROOT)::

    clean/sp01.wav ... clean/sp30.wav          (or sp01.wav ... directly in ROOT)
    babble/0dB/sp01_babble_sn0.wav ... street/15dB/sp30_street_sn15.wav

Noise types: airport, babble, car, exhibition, restaurant, station, street, train; SNRs 0, 5, 10, 15 dB. Every noisy
file becomes a ``pair`` record (clean = its ``spNN.wav``) with ``category`` = noise type, ``extra["snr_db"]``,
split ``test`` (NOIZEUS is an evaluation corpus). Speakers are not given by the file names (speaker = None).

The audio is 8 kHz: a caller preparing for another rate (``target_sr``) must ask for resampling explicitly
(``--resample``), since upsampled 8 kHz audio has no content above 4 kHz.
"""

from __future__ import annotations

import re
from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import audio_files, layout_error, pair_records, skipped
from hush.data.prepare.registry import register
from hush.errors import HushError

NAME = "noizeus"
NATIVE_SR = 8000
EXPECTED = "clean sp01.wav..sp30.wav and noisy folders like babble/0dB/sp01_babble_sn0.wav"
_CLEAN = re.compile(r"^sp(\d+)$", re.I)
_NOISY = re.compile(r"^sp(\d+)_([a-z]+)_sn(-?\d+)$", re.I)


@register(NAME, "NOIZEUS: 8 kHz IEEE sentences in 8 real noises at 0-15 dB SNR (test pairs)")
def prepare(root: Path, *, target_sr: int | None = None, resample: int | None = None) -> list[Record]:
    if target_sr and target_sr != NATIVE_SR and not resample:
        raise HushError(f"NOIZEUS is 8 kHz; pass --resample {target_sr} to resample it explicitly")
    clean: dict[int, Path] = {}
    noisy: list[tuple[Path, re.Match]] = []
    for p in audio_files(root, {".wav"}):
        if m := _CLEAN.match(p.stem):
            # prefer a file inside a folder named clean/ when the sentence appears twice
            if int(m.group(1)) not in clean or p.parent.name.lower() == "clean":
                clean[int(m.group(1))] = p
        elif m := _NOISY.match(p.stem):
            noisy.append((p, m))
    if not clean or not noisy:
        raise layout_error(root, "NOIZEUS", EXPECTED)
    pairs, orphans = [], []
    for path, m in noisy:
        sentence = int(m.group(1))
        if sentence not in clean:
            orphans.append(str(path))
            continue
        pairs.append(
            (
                clean[sentence],
                path,
                {
                    "split": "test",
                    "category": m.group(2).lower(),
                    "extra": {"snr_db": int(m.group(3)), "sentence": f"sp{sentence:02d}"},
                },
            )
        )
    skipped(NAME, "noisy file without its clean sentence", orphans)
    return pair_records(NAME, root, pairs)
