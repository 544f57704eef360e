"""Build the dev variants the bundled models are reported on, reproducibly, from ../shared/data:

* ``reverb``: every dev utterance in a simulated room that no training or validation mixture uses (its own seed),
  RT60 0.2-1.3 s, plus the very noise of its dev pair (``noisy - clean``) at the dev pair's SNR measured against
  the target; the target (``clean/``) is the direct path plus 50 ms of early reflections, aligned to the direct path.
* ``tel``: the dev pairs resampled to 8 kHz (soxr), i.e. telephone band; score with PESQ-NB at 8 kHz.
* ``asr``: 20 utterances of each held-out LibriSpeech speaker (recipes/common/asr_heldout_speakers.txt) mixed at
  0, 5 and 10 dB with held-out noise (the dev set's own noise pool: the noise of the dev pairs, never trained on),
  with ``transcripts.txt`` for ``--asr``.

    python benchmarks/make_dev_variants.py [--out data] [--shared ../shared/data] [--only reverb,tel,asr]

Each variant is a folder with ``clean/``, ``noisy/`` and ``meta.csv`` (file, snr_db, ...), ready for
``hush compare --clean OUT/clean --noisy OUT/noisy``.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from tqdm import tqdm

from hush.data.mixing.rir import RIRBank, RIRConfig, reverberate

ROOM_SEED = 90210  # rooms of their own: training uses seed 0, validation seed 1
ASR_SNRS = (0, 5, 10)
ASR_PER_SPEAKER = 20


def _read(path: Path) -> tuple[np.ndarray, int]:
    x, sr = sf.read(path, dtype="float64", always_2d=True)
    return x.mean(axis=1), sr


def _write(path: Path, x: np.ndarray, sr: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.asarray(x, np.float32), sr, subtype="FLOAT" if path.suffix == ".wav" else "PCM_24")


def _energy(x: np.ndarray) -> float:
    return float(np.sum(np.asarray(x, np.float64) ** 2))


def _scaled_to(target: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    return noise * math.sqrt(_energy(target) / (_energy(noise) * 10 ** (snr_db / 10)))


def _peak_safe(*xs: np.ndarray) -> float:
    peak = max(float(np.max(np.abs(x))) for x in xs)
    return 0.99 / peak if peak > 0.99 else 1.0


def dev_rows(shared: Path) -> list[dict]:
    with open(shared / "dev" / "meta.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def make_reverb(shared: Path, out: Path) -> None:
    rows = dev_rows(shared)
    cfg = RIRConfig(n_rirs=len(rows), rt60_range=(0.2, 1.3), seed=ROOM_SEED, cache=str(out / "rirs.npz"))
    bank = RIRBank.build(cfg, 16000)
    meta = []
    for i, row in enumerate(tqdm(rows, desc="reverb dev", unit="file")):
        clean, sr = _read(shared / "dev" / "clean" / row["file"])
        noisy, _ = _read(shared / "dev" / "noisy" / row["file"])
        h, d = bank[i]
        rev, early = reverberate(clean, h, d, sr, "early", 50.0)
        noise = _scaled_to(early, noisy - clean, float(row["snr_db"]))
        g = _peak_safe(rev + noise, early)
        name = Path(row["file"]).with_suffix(".wav").name
        _write(out / "clean" / name, early * g, sr)
        _write(out / "noisy" / name, (rev + noise) * g, sr)
        meta.append({"file": name, "snr_db": row["snr_db"], "rt60": f"{bank.rt60[i]:.3f}", "speaker": row["speaker"]})
    _write_meta(out, meta)


def make_tel(shared: Path, out: Path) -> None:
    meta = []
    for row in tqdm(dev_rows(shared), desc="telephone dev", unit="file"):
        name = Path(row["file"]).with_suffix(".wav").name
        for kind in ("clean", "noisy"):
            x, sr = _read(shared / "dev" / kind / row["file"])
            _write(out / kind / name, soxr.resample(x, sr, 8000, quality="VHQ"), 8000)
        meta.append({"file": name, "snr_db": row["snr_db"], "speaker": row["speaker"]})
    _write_meta(out, meta)


def make_asr(shared: Path, out: Path, speakers_file: Path) -> None:
    speakers = [s.split("#")[0].strip() for s in speakers_file.read_text().splitlines()]
    speakers = [s for s in speakers if s]
    texts = {}
    for line in (shared / "lists" / "librispeech_text.txt").read_text().splitlines():
        uid, _, words = line.partition(" ")
        texts[uid] = words
    noises = []
    for row in dev_rows(shared):  # the dev noise pool: recordings no model trains on
        clean, _ = _read(shared / "dev" / "clean" / row["file"])
        noisy, _ = _read(shared / "dev" / "noisy" / row["file"])
        noises.append(noisy - clean)
    rng = np.random.default_rng(2027)
    meta, lines = [], []
    for spk in speakers:
        files = sorted((shared / "speech" / "librispeech" / spk).glob("*.ogg"))
        files = [f for f in files if 2.0 <= sf.info(f).duration <= 16.0 and f.stem in texts]
        picked = sorted(rng.choice(len(files), size=min(ASR_PER_SPEAKER, len(files)), replace=False))
        for j in tqdm(picked, desc=f"asr dev {spk}", unit="file"):
            f = files[int(j)]
            x, sr = _read(f)
            x = x * 10 ** (-25 / 20) / math.sqrt(np.mean(x**2))  # -25 dBFS, like dev
            snr = ASR_SNRS[len(meta) % len(ASR_SNRS)]
            n = noises[int(rng.integers(len(noises)))]
            n = np.resize(np.roll(n, -int(rng.integers(len(n)))), len(x))
            n = _scaled_to(x, n, snr)
            g = _peak_safe(x + n, x)
            name = f"{snr:02d}dB_{f.stem}.wav"
            _write(out / "clean" / name, x * g, sr)
            _write(out / "noisy" / name, (x + n) * g, sr)
            meta.append({"file": name, "snr_db": snr, "speaker": spk})
            lines.append(f"{f.stem} {texts[f.stem]}")
    _write_meta(out, meta)
    (out / "transcripts.txt").write_text("\n".join(sorted(lines)) + "\n")


def _write_meta(out: Path, rows: list[dict]) -> None:
    with open(out / "meta.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("data"))
    ap.add_argument("--only", default="reverb,tel,asr")
    ap.add_argument("--speakers", type=Path, default=Path("recipes/common/asr_heldout_speakers.txt"))
    args = ap.parse_args()
    todo = {v.strip() for v in args.only.split(",")}
    if "reverb" in todo:
        make_reverb(args.shared, args.out / "dev-reverb")
    if "tel" in todo:
        make_tel(args.shared, args.out / "dev-tel")
    if "asr" in todo:
        make_asr(args.shared, args.out / "dev-asr", args.speakers)


if __name__ == "__main__":
    main()
