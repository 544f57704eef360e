"""MUSAN: music, speech and noise (Snyder, Chen & Povey 2015, OpenSLR 17).

Official layout (ROOT may be the ``musan/`` folder or its parent)::

    musan/music/{fma,fma-western-art,hd-classical,jamendo,rfm}/music-fma-0000.wav  ANNOTATIONS  LICENSE
    musan/noise/{free-sound,sound-bible}/noise-free-sound-0000.wav
    musan/speech/{librivox,us-gov}/speech-librivox-0000.wav

16 kHz WAV. ``noise`` and ``music`` files become ``noise`` records with category = ``<top folder>/<source>``
(``music/fma``); music ANNOTATIONS lines (``<id> <genres> <Y|N vocals> <artist>``) give ``extra["genres"]`` and
``extra["vocals"]``; option ``vocals=false`` leaves out music with singing. ``speech`` files become ``speech``
records only with option ``speech=true``. MUSAN has no splits (split = None). Licenses vary per source (see each
source's LICENSE file), so ``license`` is left empty.
"""

from __future__ import annotations

from pathlib import Path

from hush.data.manifest import Record
from hush.data.prepare._common import audio_files, layout_error, read_text, single_records, subdirs
from hush.data.prepare.registry import register

NAME = "musan"
EXPECTED = "musan/{music,noise,speech}/<source>/*.wav"
PARTS = ("music", "noise", "speech")


def _base(root: Path) -> Path | None:
    for d in (root, root / "musan"):
        if any((d / p).is_dir() and subdirs(d / p) for p in ("music", "noise")):
            return d
    return None


def _annotations(source: Path) -> dict[str, tuple[list[str], bool | None]]:
    out = {}
    for line in (read_text(source / "ANNOTATIONS") or "").splitlines():
        cols = line.split()
        if len(cols) >= 3:
            vocals = {"Y": True, "N": False}.get(cols[2].upper())
            out[cols[0]] = ([g for g in cols[1].split(",") if g], vocals)
    return out


@register(NAME, "MUSAN: noise and music as noise records (speech optional)")
def prepare(root: Path, *, speech: bool = False, vocals: bool = True) -> list[Record]:
    base = _base(root)
    if base is None:
        raise layout_error(root, "MUSAN", EXPECTED)
    noise_items, speech_items = [], []
    for part in PARTS:
        if part == "speech" and not speech:
            continue
        for source in subdirs(base / part):
            notes = _annotations(source) if part == "music" else {}
            for f in audio_files(source):
                if part == "speech":
                    speech_items.append((f, {"extra": {"source": source.name}}))
                    continue
                extra: dict = {}
                if f.stem in notes:
                    genres, has_vocals = notes[f.stem]
                    extra["genres"] = genres
                    if has_vocals is not None:
                        extra["vocals"] = has_vocals
                    if has_vocals and not vocals:
                        continue
                noise_items.append((f, {"category": f"{part}/{source.name}", "extra": extra}))
    return single_records("noise", NAME, root, noise_items) + single_records("speech", NAME, root, speech_items)
