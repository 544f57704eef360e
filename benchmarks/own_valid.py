"""Write a training config's own validation mixtures to a folder that ``hush compare`` reads.

The mixtures come from the config's held-back speakers and noise files (``data.valid_speakers``,
``data.valid_noise_fraction``), never from ../shared/data/dev, so choices made on them (checkpoints, inference
options) do not select on dev. ``--n`` can ask for more mixtures than the training run validates on; the first
``valid_size`` of them are the run's own validation set.

    python benchmarks/own_valid.py recipes/default/v1/conf/02-rewarm.yaml runs/own-valid --n 200
    hush compare --clean runs/own-valid/clean --noisy runs/own-valid/noisy --systems default,hq

``--fixed-set`` instead writes the first ``--n`` validation mixtures as a :class:`hush.data.mixing.mixtures.FixedSet`
(16-bit FLAC, with ``noise/`` and the full ``meta.csv``) that another recipe can validate on through
``data.valid_dir``, so that a run training on a different mixture distribution is still selected on the same
validation mixtures:

    python benchmarks/own_valid.py recipes/default/v1/conf/02-rewarm.yaml runs/default-v1/valid64 --n 64 --fixed-set
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from hush.audio.io import write
from hush.training.config import load_config
from hush.training.datasets import build_datasets


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", help="training YAML (its data section defines the held-back material)")
    ap.add_argument("out", type=Path, help="output folder (clean/ and noisy/ are written there)")
    ap.add_argument("--n", type=int, default=None, help="number of mixtures (default: the config's valid_size)")
    ap.add_argument(
        "--fixed-set",
        action="store_true",
        help="write a FixedSet (clean/, noisy/, noise/, meta.csv) for data.valid_dir",
    )
    args = ap.parse_args(argv)
    cfg = load_config(args.config)
    if args.fixed_set:
        from hush.data.mixing.mixtures import FixedSet
        from hush.training.manifest_data import manifest_mixers

        _, valid = manifest_mixers(cfg)
        FixedSet.create(valid, args.n or cfg.data.valid_size, args.out)
        print(f"wrote {args.n or cfg.data.valid_size} mixtures to {args.out}")
        return 0
    if args.n:
        cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, valid_size=args.n, epoch_size=1))
    _, items = build_datasets(cfg)
    sr = cfg.data.sample_rate
    for sub in ("clean", "noisy"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    rows = ["file,snr_db,snr_exact_db"]  # snr_db binned to 5 dB steps so that hush compare groups it
    for i, item in enumerate(items):
        n = int(item["mask"].sum()) if "mask" in item else item["clean"].shape[-1]
        for sub in ("clean", "noisy"):
            x = np.asarray(item[sub], np.float32).reshape(-1)[:n]
            # float samples: no peak scaling, so each clean/noisy pair keeps its relative level
            write(args.out / sub / f"valid{i:04d}.wav", x, sr, subtype="FLOAT", overwrite=True)
        snr = float(item["snr_db"])
        rows.append(f"valid{i:04d}.wav,{5 * round(snr / 5):g},{snr:.2f}")
    (args.out / "meta.csv").write_text("\n".join(rows) + "\n")
    print(f"wrote {len(items)} mixtures to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
