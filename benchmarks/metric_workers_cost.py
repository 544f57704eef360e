"""What the metric workers of a `metric_gan:` config cost per training step, on one core.

    python benchmarks/metric_workers_cost.py recipes/gan/conf/gru-okd.yaml [more configs]

Times each metric on `--n` crops of ../shared/data/dev (noisy against clean, the config's segment length), then
counts the scoring jobs one step submits (`rows` outputs per generator with its metrics, the noisy input with every
metric under `learn_noisy`, the clean reference for DNSMOS) and prints the CPU seconds per step they add up to.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from hush.training import load_config
from hush.training.metric_workers import NON_INTRUSIVE, score_pair


def clip_seconds(metric: str, pairs: list[tuple[np.ndarray, np.ndarray]], sr: int) -> float:
    """Mean seconds to score one pair with ``metric`` (after one untimed call that loads the library)."""
    score_pair(*pairs[0], sr, (metric,))
    t0 = time.perf_counter()
    for ref, est in pairs:
        score_pair(ref, est, sr, (metric,))
    return (time.perf_counter() - t0) / len(pairs)


def jobs_per_step(cfg) -> dict[str, int]:
    """Metric -> clips scored with it in one step: either mode scores ``rows`` outputs with each metric (one
    generator with all of them, or each OKD generator with its own), plus the noisy input (``learn_noisy``) and the
    clean reference (a non-intrusive metric) with it."""
    mg = cfg.metric_gan
    rows = mg.rows or cfg.train.batch_size
    return {m: rows * (1 + int(mg.learn_noisy) + int(m in NON_INTRUSIVE)) for m in mg.metrics or [mg.metric]}


def dev_pairs(dev: Path, n: int, seconds: float, sr: int = 16000) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for path in sorted((dev / "clean").glob("*.flac"))[:n]:
        clean, _ = sf.read(path)
        noisy, _ = sf.read(dev / "noisy" / path.name)
        m = min(len(clean), int(seconds * sr))
        out.append((clean[:m], noisy[:m]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("configs", nargs="+")
    ap.add_argument("--dev", default="../shared/data/dev")
    ap.add_argument("--n", type=int, default=8)
    args = ap.parse_args(argv)
    cfgs = [load_config(c) for c in args.configs]
    if any(c.metric_gan is None for c in cfgs):
        print("every config needs a metric_gan section")
        return 1
    seconds = cfgs[0].data.mix.segment_seconds
    pairs = dev_pairs(Path(args.dev), args.n, seconds)
    metrics = sorted({m for c in cfgs for m in (c.metric_gan.metrics or [c.metric_gan.metric])})
    cost = {m: clip_seconds(m, pairs, 16000) for m in metrics}
    for m in metrics:
        print(f"{m}: {1000 * cost[m]:.0f} ms per {seconds:g} s clip")
    for path, cfg in zip(args.configs, cfgs, strict=True):
        jobs = jobs_per_step(cfg)
        total = sum(cost[m] * n for m, n in jobs.items())
        detail = ", ".join(f"{n} x {m}" for m, n in jobs.items())
        print(f"{path}: {total:.2f} CPU s per step ({detail}); {cfg.metric_gan.workers} workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
