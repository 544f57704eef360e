"""Build the per-user sets of the personalization experiment (seeded; the shared set's five personalization users).

    python benchmarks/personal_sets.py --out runs/personal/sets

Per user: a seeded 70 % of their utterances, each mixed with premixture noise at 0…15 dB, are "their recordings"
(``recordings/*.flac``: the only audio of the user that personalization sees); the other 30 % are mixed with test
noise at −5…5 dB (``test/noisy``, ``test/clean``, ``test/meta.csv``). Premixture, training and test noise pools are
disjoint (``personal_data.pools``). Mixtures are brought to −25 dBFS RMS (the same gain on the clean file), lowered
together if the peak would pass 0.95.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from personal_data import SEED, load, personal_users, pools  # noqa: E402

from hush.audio.io import write  # noqa: E402
from hush.data.mixing.pse import read_audio_16k  # noqa: E402

SR = 16000


def mix(clean: np.ndarray, noise: np.ndarray, snr_db: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    if len(noise) < len(clean):
        noise = np.tile(noise, len(clean) // len(noise) + 1)
    start = int(rng.integers(0, len(noise) - len(clean) + 1))
    n = noise[start : start + len(clean)].astype(np.float64)
    n *= np.sqrt(np.mean(clean**2) / (np.mean(n**2) + 1e-20) / 10 ** (snr_db / 10))
    noisy = clean + n
    gain = 10 ** (-25 / 20) / (np.sqrt(np.mean(noisy**2)) + 1e-12)
    gain = min(gain, 0.95 / (np.abs(noisy).max() * 1.0 + 1e-12))
    return clean * gain, noisy * gain


def build(out: Path, fraction: float = 0.7) -> None:
    p = pools()
    premix = load(p["noise_premix"], 300, seed=SEED + 1, min_seconds=1.0)
    test = load(p["noise_test"], 300, seed=SEED + 2, min_seconds=1.0)
    for k, (user, files) in enumerate(sorted(personal_users().items())):
        rng = np.random.default_rng([SEED, k])
        order = rng.permutation(len(files))
        n_rec = int(round(fraction * len(files)))
        udir = out / user
        (udir / "recordings").mkdir(parents=True, exist_ok=True)
        (udir / "test" / "noisy").mkdir(parents=True, exist_ok=True)
        (udir / "test" / "clean").mkdir(parents=True, exist_ok=True)
        rows = []
        for j, i in enumerate(order):
            f = files[i]
            clean = read_audio_16k(f).astype(np.float64)
            if j < n_rec:
                snr = rng.uniform(0, 15)
                _, noisy = mix(clean, premix[int(rng.integers(len(premix)))], snr, rng)
                write(udir / "recordings" / f"{f.stem}.flac", noisy.astype(np.float32), SR)
            else:
                snr = rng.uniform(-5, 5)
                c, noisy = mix(clean, test[int(rng.integers(len(test)))], snr, rng)
                write(udir / "test" / "noisy" / f"{f.stem}.flac", noisy.astype(np.float32), SR)
                write(udir / "test" / "clean" / f"{f.stem}.flac", c.astype(np.float32), SR)
                rows.append({"file": f"{f.stem}.flac", "snr_db": round(snr, 2)})
        with open(udir / "test" / "meta.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, ["file", "snr_db"])
            w.writeheader()
            w.writerows(rows)
        print(f"{user}: {n_rec} recordings, {len(rows)} test mixtures", flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("runs/personal/sets"))
    build(ap.parse_args().out)
