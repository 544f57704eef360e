"""A small generated corpus on disk (speech and noise folders) and its manifest records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from hush.data.manifest import Record
from tests.helpers.signals import SR, harmonic, pink


def make_record(path: Path, kind: str, speaker=None, category=None) -> Record:
    info = sf.info(str(path))
    return Record(
        id=path.stem,
        path=str(path),
        kind=kind,
        corpus="test",
        duration=info.duration,
        sample_rate=info.samplerate,
        speaker=speaker,
        category=category,
    )


def make_corpus(root: Path) -> dict:
    """speech/<spk>/*.wav|flac (3 speakers, one 22.05 kHz file, one short utterance pair, one silent file) and
    noise/<category>/* (white wav, short pink flac, pink ogg/vorbis). Returns record lists by name."""
    sp, no = root / "speech", root / "noise"
    files = {
        ("spk1", "a.wav"): (harmonic(2.0, 120, 1), SR),
        ("spk1", "b.wav"): (harmonic(1.5, 125, 2), SR),
        ("spk2", "c.flac"): (harmonic(2.0, 210, 3, sr=22050), 22050),
        ("spk3", "short1.wav"): (harmonic(0.3, 160, 4), SR),
        ("spk3", "short2.wav"): (harmonic(0.25, 165, 5), SR),
        ("spk4", "silent.wav"): (np.zeros(2 * SR, np.float32), SR),
    }
    recs = {}
    for (spk, name), (x, sr) in files.items():
        p = sp / spk / name
        p.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(p), x, sr, subtype="PCM_16")
        recs[name] = make_record(p, "speech", speaker=spk)
    noises = {
        ("white", "w.wav"): (0.05 * np.random.default_rng(7).standard_normal(3 * SR), {}),
        ("pink", "p.flac"): (pink(SR // 2, 8), {}),
        ("pink", "q.ogg"): (pink(2 * SR, 9), {"format": "OGG", "subtype": "VORBIS"}),
    }
    for (cat, name), (x, kw) in noises.items():
        p = no / cat / name
        p.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(p), x.astype(np.float32), SR, **kw)
        recs[name] = make_record(p, "noise", category=cat)
    return recs
