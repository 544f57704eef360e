"""Rebuild examples/{clean,noisy}/demo.flac from Debian-packaged audio (see examples/README.md).

    apt-get download ktuberling-data lincity-ng-data
    dpkg-deb -x ktuberling-data_*.deb x_ktuberling; dpkg-deb -x lincity-ng-data_*.deb x_lincity
    python examples/make_demo_clip.py x_ktuberling x_lincity
"""

import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

WORDS = ["egypt_camel", "moon_astronaut", "flower", "egypt_pyramid", "hat", "moon_planet", "earring", "ball"]
NOISE = "Farm2"
SR, SNR_DB = 16000, 5.0


def load(path: Path) -> np.ndarray:
    x, sr = sf.read(str(path), dtype="float64", always_2d=True)
    return soxr.resample(x.mean(axis=1), sr, SR, quality="VHQ")


def main(ktub: str, lincity: str) -> None:
    words = Path(ktub) / "usr/share/ktuberling/sounds/en"
    gap = np.zeros(int(0.25 * SR))
    speech = np.concatenate([np.concatenate([load(words / f"{w}.ogg"), gap]) for w in WORDS])
    speech = speech / np.sqrt(np.mean(speech**2)) * 10 ** (-25 / 20)
    noise = load(Path(lincity) / f"usr/share/games/lincity-ng/sounds/{NOISE}.wav")
    noise = np.tile(noise, int(np.ceil(len(speech) / len(noise))))[: len(speech)]
    noise *= np.sqrt(np.sum(speech**2) / np.sum(noise**2)) * 10 ** (-SNR_DB / 20)
    out = Path(__file__).parent
    sf.write(out / "clean" / "demo.flac", speech, SR, subtype="PCM_16")
    sf.write(out / "noisy" / "demo.flac", speech + noise, SR, subtype="PCM_16")
    print(f"{len(speech) / SR:.1f} s written")


if __name__ == "__main__":
    main(*sys.argv[1:3])
