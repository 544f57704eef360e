"""Train the bundled frame-wise SNR predictor on the shared set's generalist pools and score it on held-out
speakers and noise sources; writes the model file and the BENCHMARKS.md section "snr-predictor".

    OMP_NUM_THREADS=1 nice python benchmarks/personal_snr.py --steps 3000 --out src/hush/pretrained/snr.pt

Training: speech of the generalist speakers, noise of the ``train`` pool plus hush's generated noise bank
(:mod:`benchmarks.personal_data`). Scoring: held-out speakers mixed with UrbanSound8K noise, a source the predictor
never saw, and with held-out Debian files.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402
from personal_data import load, pools  # noqa: E402

from hush.data.mixing.pse import synthetic_noise_bank  # noqa: E402
from hush.models.snr import SNRPredictor, load_predictor, save_predictor  # noqa: E402
from hush.training.snr_predictor import SNRTrainConfig, score_predictor, train_predictor  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--speech", type=int, default=1500, help="training utterances loaded (seeded choice)")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--no-md", action="store_true", help="do not write BENCHMARKS.md")
    ap.add_argument("--score-only", action="store_true", help="score the existing --out file instead of training")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    p = pools()
    t0 = time.time()
    speech = [] if args.score_only else load(p["speech_train"], args.speech, seed=1, min_seconds=1.0)
    noise = load(p["noise_train"], None, seed=2) + synthetic_noise_bank()
    held_speech = load(p["speech_heldout"], 150, seed=3, min_seconds=1.0)
    urban = load([q for q in p["noise_test"] + p["noise_premix"] if "urbansound8k" in q], 150, seed=4)
    held_debian = load([q for q in p["noise_test"] if "/debian/" in q], None, seed=5)
    print(f"loaded {len(speech)} utterances, {len(noise)} noises in {time.time() - t0:.0f} s", flush=True)
    cfg = SNRTrainConfig(steps=args.steps)
    if args.score_only:
        model = load_predictor(args.out)
        meta = model.meta
        minutes = meta["train_minutes_1cpu"]
    else:
        model = SNRPredictor(hidden=args.hidden)
        t0 = time.time()
        log = lambda s, v: print(f"step {s} L1 {v:.2f} dB", flush=True)  # noqa: E731
        model = train_predictor(speech, noise, cfg, model, log=log)
        minutes = (time.time() - t0) / 60
        meta = {
            "trained": f"{args.steps} steps of {cfg.batch_size} mixtures ({cfg.seconds[0]}-{cfg.seconds[1]} s, SNR "
            f"{cfg.snr_range[0]}..{cfg.snr_range[1]} dB), {len(speech)} utterances of the shared set's generalist "
            "speakers, Debian/music/Speech Commands noise and hush's generated noise bank",
            "train_minutes_1cpu": round(minutes, 1),
        }
    scores = {
        "urbansound8k": score_predictor(model, held_speech, urban),
        "debian_heldout": score_predictor(model, held_speech, held_debian),
        "training_pool_heldout_speakers": score_predictor(model, held_speech, noise),
    }
    print(json.dumps(scores, indent=1))
    save_predictor(model, args.out, metrics=scores, meta=meta)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB, {model.num_parameters()} parameters)")
    if args.no_md:
        return
    names = {
        "urbansound8k": "UrbanSound8K (a source never trained on)",
        "debian_heldout": "held-out Debian files",
        "training_pool_heldout_speakers": "the training noise (held-out speakers only)",
    }
    rows = "\n".join(
        f"| {names[name]} | {s['mae_db']:.2f} | {s['corr']:.3f} | {s['constant_mae_db']:.2f} | {s['mae_db_mid']:.2f} "
        f"| {s['weight_mae']:.3f} | {s['constant_weight_mae']:.3f} | {s['frames']} |"
        for name, s in scores.items()
    )
    update_section(
        "snr-predictor",
        f"""## SNR predictor (`hush snr`, data purification)

`python benchmarks/personal_snr.py --steps {args.steps} --out src/hush/pretrained/snr.pt` ({minutes:.0f} min of
training on one thread of a CPU shared with other jobs; `--score-only` rescores the file).

The bundled frame-wise SNR predictor: {model.num_parameters()} parameters, {size / 1e6:.2f} MB, bidirectional GRU
({args.hidden} units, 2 layers) on log-power spectra of Hann frames of 1024 samples every 256 (64 ms / 16 ms at
16 kHz). Target per frame: SegSNR = 10·log10(Σ(w·s)² / Σ(w·r)²), clamped to [−30, 40] dB. Scored on 200 seeded
3 s mixtures (SNR −10…25 dB) of 150 utterances of held-out speakers (never trained on) with each noise set;
"constant" is the error of always answering the median target; "−10…20 dB" is the MAE on the frames whose target
lies there, where the data-purification weight sigmoid(dB) is neither about 0 nor about 1; "weight MAE" is the mean
absolute error of that weight (and of the best constant weight).

| noise | MAE (dB) | correlation | constant MAE (dB) | MAE −10…20 dB | weight MAE | constant weight MAE | frames |
|---|---|---|---|---|---|---|---|
{rows}
""",
    )


if __name__ == "__main__":
    main()
