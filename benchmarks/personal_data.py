"""Speech and noise pools of the personalization experiment, from the shared set's manifest (seeded, disjoint).

* speakers: the manifest's training speakers (the five personalization users are not in it), split into
  generalist speakers and held-out speakers (10 %, for scoring the SNR predictor);
* noise, three disjoint pools: ``train`` (training noise n of SE and PSE, and of the SNR predictor: the Debian
  game sounds, music and Speech Commands backgrounds, less a held-out 20 % of the Debian files), ``premix``
  (premixture noise m of the users' "recordings": UrbanSound8K air conditioner, engine idling, children playing,
  street music and drilling) and ``test`` (noise of the users' test mixtures, unseen by both: the other
  UrbanSound8K classes and the held-out Debian files).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import numpy as np

from hush.data.manifest import read_manifest
from hush.data.mixing.pse import read_audio_16k

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = Path(os.environ.get("HUSH_SHARED_MANIFEST", ROOT / "data" / "shared.jsonl"))  # hush data prepare shared
SHARED = Path(os.environ.get("HUSH_SHARED_DATA", ROOT.parent / "shared" / "data"))
PREMIX_CLASSES = {"air_conditioner", "engine_idling", "children_playing", "street_music", "drilling"}
SEED = 2021


def pools(manifest: Path = MANIFEST) -> dict[str, list[str]]:
    """Paths of each pool: ``speech_train``, ``speech_heldout``, ``noise_train``, ``noise_premix``, ``noise_test``."""
    recs = read_manifest(manifest)
    rng = np.random.default_rng(SEED)
    by_speaker: dict[str, list[str]] = defaultdict(list)
    for r in recs:
        if r.kind == "speech" and r.split == "train":
            by_speaker[f"{r.extra.get('source')}/{r.speaker}"].append(r.path)
    speakers = sorted(by_speaker)
    held = set(rng.choice(speakers, size=len(speakers) // 10, replace=False).tolist())
    out: dict[str, list[str]] = defaultdict(list)
    for spk in speakers:
        out["speech_heldout" if spk in held else "speech_train"] += by_speaker[spk]
    debian = sorted(r.path for r in recs if r.kind == "noise" and r.extra.get("source") == "debian")
    held_debian = set(rng.choice(debian, size=len(debian) // 5, replace=False).tolist())
    for r in recs:
        if r.kind != "noise":
            continue
        src = r.extra.get("source")
        if src == "urbansound8k":
            out["noise_premix" if r.category in PREMIX_CLASSES else "noise_test"].append(r.path)
        elif src == "debian" and r.path in held_debian:
            out["noise_test"].append(r.path)
        else:
            out["noise_train"].append(r.path)
    return {k: sorted(v) for k, v in out.items()}


def load(paths: list[str], count: int | None, seed: int, min_seconds: float = 0.0) -> list[np.ndarray]:
    """Up to ``count`` of ``paths`` (a seeded choice; all when None), decoded to mono 16 kHz float32."""
    rng = np.random.default_rng(seed)
    chosen = paths if count is None or count >= len(paths) else rng.choice(paths, size=count, replace=False)
    out = [read_audio_16k(Path(p)) for p in chosen]
    return [x for x in out if len(x) >= min_seconds * 16000]


def personal_users(shared: Path = SHARED) -> dict[str, list[Path]]:
    """The personalization users' utterance files, by speaker id."""
    users = (shared / "lists" / "personal_speakers.txt").read_text().split()
    return {u: sorted((shared / "personal" / u).glob("*.ogg")) for u in users}


if __name__ == "__main__":
    print(json.dumps({k: len(v) for k, v in pools().items()}))
