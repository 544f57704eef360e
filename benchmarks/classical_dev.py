"""Classical enhancers on the dev set: `hush enhance` per method and tracker, then `hush evaluate`.

    python benchmarks/classical_dev.py [--dev ../shared/data/dev] [--jobs 2]

Writes the section "classical-dev" of BENCHMARKS.md: means over all files and a row per input SNR.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_md import update_section  # noqa: E402

METHODS = ["spectral-subtraction", "wiener", "mmse-stsa", "mmse-lsa"]
TRACKERS = ["spp", "minimum-statistics"]
METRICS = ["pesq_wb", "estoi", "si_sdr"]


def hush(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "hush", *args], check=True)


def mean(v):
    v = [x for x in v if x is not None and math.isfinite(x)]
    return sum(v) / len(v) if v else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/dev")
    ap.add_argument("--jobs", default="2")
    args = ap.parse_args()
    snr = {}
    with open(args.dev / "meta.csv") as fh:
        for r in csv.DictReader(fh):
            snr[Path(r["file"]).stem] = float(r["snr_db"])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        noisy_json = Path(tmp) / "noisy.json"
        hush(
            "evaluate",
            "--clean",
            str(args.dev / "clean"),
            "--enhanced",
            str(args.dev / "noisy"),
            "--metrics",
            ",".join(METRICS),
            "--json",
            str(noisy_json),
            "-j",
            args.jobs,
            "-q",
        )
        results["noisy"] = (json.loads(noisy_json.read_text()), float("nan"))
        for m in METHODS:
            for tr in TRACKERS:
                name = f"{m} ({tr})"
                out = Path(tmp) / f"{m}-{tr}"
                t0 = time.perf_counter()
                # options reach the method through the API; the CLI takes the tracker as method option syntax
                hush(
                    "enhance",
                    str(args.dev / "noisy"),
                    "-o",
                    str(out),
                    "-m",
                    f"{m}:noise_tracker={tr}",
                    "-j",
                    args.jobs,
                    "-q",
                )
                wall = time.perf_counter() - t0
                js = Path(tmp) / f"{m}-{tr}.json"
                hush(
                    "evaluate",
                    "--clean",
                    str(args.dev / "clean"),
                    "--enhanced",
                    str(out),
                    "--metrics",
                    ",".join(METRICS),
                    "--json",
                    str(js),
                    "-j",
                    args.jobs,
                    "-q",
                )
                results[name] = (json.loads(js.read_text()), wall)
    snrs = sorted(set(snr.values()))
    lines = [
        "## Classical enhancers on ../shared/data/dev",
        "",
        "Command: `python benchmarks/classical_dev.py` (runs `hush enhance -m METHOD:noise_tracker=T` then "
        "`hush evaluate`).",
        "",
        "All 120 files, means (improvement over noisy in parentheses):",
        "",
        "| system | PESQ-WB | ESTOI | SI-SDR (dB) |",
        "|---|---|---|---|",
    ]
    base = results["noisy"][0]["mean"]
    for name, (doc, _) in results.items():
        cells = [
            f"{doc['mean'][k]:.3f}" + ("" if name == "noisy" else f" ({doc['mean'][k] - base[k]:+.3f})")
            for k in METRICS
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for k, label in zip(METRICS, ["PESQ-WB", "ESTOI", "SI-SDR (dB)"], strict=True):
        lines += [
            "",
            f"{label} per input SNR (dB):",
            "",
            "| system | " + " | ".join(f"{s:g}" for s in snrs) + " |",
            "|---" * (len(snrs) + 1) + "|",
        ]
        for name, (doc, _) in results.items():
            by = defaultdict(list)
            for f in doc["files"]:
                by[snr[Path(f["file"]).stem]].append(f.get(k))
            lines.append(f"| {name} | " + " | ".join(f"{mean(by[s]):.3f}" for s in snrs) + " |")
    update_section("classical-dev", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
