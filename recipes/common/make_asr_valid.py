"""The ASR validation set of a recipe: whole utterances of its validation speakers that have transcripts, mixed with
its validation noise recordings at 0, 5 and 10 dB, with ``transcripts.txt`` for ``hush evaluate --asr``.

    python recipes/common/make_asr_valid.py recipes/default/conf/train.yaml data/asr-valid-default

It holds out what the recipe's own validation holds out (``data.valid_speaker_ids``, ``data.valid_noise_by``), so
a model can be selected on WER without touching dev, the ASR dev set or anything it trained on.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np
import soundfile as sf

from hush.data.mixing.audio_cache import AudioReader
from hush.training import load_config
from hush.training.manifest_data import manifest_mixers

SNRS = (0, 5, 10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--transcripts", type=Path, default=Path("../shared/data/lists/librispeech_text.txt"))
    ap.add_argument("--max-seconds", type=float, default=16.0)
    ap.add_argument("--seed", type=int, default=31)
    ap.add_argument(
        "--every-snr",
        action="store_true",
        help="mix every utterance at every SNR (three times the files; each SNR then holds every utterance)",
    )
    args = ap.parse_args()
    texts = dict(line.split(" ", 1) for line in args.transcripts.read_text().splitlines() if " " in line)
    cfg = load_config(args.config)
    _, valid = manifest_mixers(cfg)
    sr = cfg.data.sample_rate
    reader = AudioReader(sr)
    speech = [r for r in valid.speech if Path(r.path).stem in texts and (r.duration or 0) <= args.max_seconds]
    if not speech:
        raise SystemExit(f"{args.config}: no validation speaker has transcripts in {args.transcripts}")
    rng = np.random.default_rng(args.seed)
    rows, lines = [], []
    ordered = sorted(speech, key=lambda r: r.path)
    plan = (
        [(rec, snr) for rec in ordered for snr in SNRS]
        if args.every_snr
        else [(rec, SNRS[i % len(SNRS)]) for i, rec in enumerate(ordered)]
    )
    for rec, snr in plan:
        x = reader.read_full(rec.path).astype(np.float64)
        x *= 10 ** (-25 / 20) / math.sqrt(np.mean(x**2) + 1e-20)
        noise_rec = valid.noise[int(rng.integers(len(valid.noise)))]
        n = reader.read_full(noise_rec.path).astype(np.float64)
        n = np.resize(np.roll(n, -int(rng.integers(len(n)))), len(x))
        n *= math.sqrt(np.sum(x**2) / (np.sum(n**2) * 10 ** (snr / 10) + 1e-30))
        g = min(1.0, 0.99 / max(np.max(np.abs(x + n)), 1e-9))
        stem = Path(rec.path).stem
        name = f"{snr:02d}dB_{stem}.wav"
        for kind, y in (("clean", x * g), ("noisy", (x + n) * g)):
            (args.out / kind).mkdir(parents=True, exist_ok=True)
            sf.write(args.out / kind / name, y.astype(np.float32), sr, subtype="FLOAT")
        rows.append({"file": name, "snr_db": snr, "speaker": rec.speaker, "noise": Path(noise_rec.path).name})
        if not args.every_snr or snr == SNRS[0]:  # one transcript line per utterance
            lines.append(f"{stem} {texts[stem].strip()}")
    with open(args.out / "meta.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (args.out / "transcripts.txt").write_text("\n".join(lines) + "\n")
    print(f"{args.out}: {len(rows)} utterances of {len({r['speaker'] for r in rows})} speakers")


if __name__ == "__main__":
    main()
