"""The DNS-era zoo systems on ../shared/data/dev beside `erbdf`, at the equal budget of recipes/zoo/.

    python benchmarks/zoo_dev.py                 # every finished recipe run (runs/zoo/<name>/best.pt)
    python benchmarks/zoo_dev.py --no-compare    # tables from benchmarks/results/zoo_dev.json

One `hush compare` (one thread) scores PESQ-WB, ESTOI, SI-SDR and DNSMOS P.808 with RTF; each model file adds its
parameters and MACs per second (`hush list --models`' measure), and `flowse` runs at 1, 2, 5 and 10 sampling steps.
The hallucination measure is the output energy where the clean reference is silent (frames more than 50 dB below the
reference's loudest), in dB relative to the reference's active speech: a generative model that invents
phoneme-like energy in noise-only stretches scores high; the noisy input's value is the floor to beat.
Writes the "zoo-dev" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("erbdf", "dpdfnet", "fullsubnet", "fast-fullsubnet", "mp-senet", "flowse", "flowse-storm")
FLOW_STEPS = (1, 2, 5, 10)
METRICS = ("pesq_wb", "estoi", "si_sdr", "dnsmos_p808")


def frame_power(x: np.ndarray, frame: int) -> np.ndarray:
    n = len(x) // frame
    return np.square(x[: n * frame].reshape(n, frame)).mean(axis=1)


def silent_energy_db(clean: np.ndarray, enhanced: np.ndarray, sr: int, below_db: float = 50.0) -> float:
    """Output power in the frames (20 ms) where the clean reference is more than ``below_db`` under its loudest
    frame, in dB relative to the reference's power in its other frames; NaN when the reference has no silent frame."""
    frame = int(0.02 * sr)
    n = min(len(clean), len(enhanced))
    ref, out = frame_power(clean[:n], frame), frame_power(enhanced[:n], frame)
    silent = ref < ref.max() * 10 ** (-below_db / 10)
    if not silent.any() or silent.all():
        return float("nan")
    return float(10 * np.log10(out[silent].mean() / ref[~silent].mean() + 1e-12))


def systems(runs: Path) -> dict[str, str]:
    """Label -> method spec, for the recipe runs that finished."""
    out = {}
    for name in NAMES:
        path = runs / name / "best.pt"
        if not path.exists():
            continue
        if name.startswith("flowse"):
            for n in FLOW_STEPS:
                out[f"{name} ({n} steps)"] = f"{path}:steps={n}"
        else:
            out[name] = str(path)
    return out


def model_row(spec: str) -> dict:
    from hush.models import load
    from hush.models.complexity import describe

    path, _, opts = spec.partition(":")
    options = dict(kv.split("=") for kv in opts.split(",")) if opts else {}
    row = describe(load(path, **{k: int(v) for k, v in options.items()}))
    return {k: row[k] for k in ("parameters", "macs_per_second", "causal") if k in row}


def hallucination(spec: str, dev: Path) -> float:
    import soundfile as sf

    import hush

    values = []
    for clean_path in sorted((dev / "clean").glob("*.flac")):
        clean, sr = sf.read(clean_path)
        noisy, _ = sf.read(dev / "noisy" / clean_path.name)
        out = noisy if spec == "noisy" else hush.enhance(noisy, sr, method=spec)
        values.append(silent_energy_db(clean, out, sr))
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def run_compare(sys_map: dict[str, str], dev: Path, out_json: Path) -> None:
    hush_bin = ROOT / ".venv" / "bin" / "hush"
    cmd = [str(hush_bin) if hush_bin.exists() else "hush", "compare", "--clean", f"{dev}/clean", "--noisy",
           f"{dev}/noisy", "--systems", ",".join(sys_map.values()), "--threads", "1", "-q", "--metrics",
           ",".join(METRICS), "--json", str(out_json)]  # fmt: skip
    subprocess.run(cmd, check=True)


def table(results: dict, labels: dict[str, str], extra: dict[str, dict]) -> str:
    by_name = {r["name"]: r for r in results["systems"]} if "systems" in results else {}
    head = "| system | params | MMAC/s | causal | PESQ-WB | ESTOI | SI-SDR | P.808 | RTF | silent-frame energy (dB) |"
    lines = [head, "|" + "---|" * 10]
    for label, spec in [("noisy", "noisy"), *labels.items()]:
        r = by_name.get(spec, by_name.get(label, {}))
        mean = r.get("mean", {})
        e = extra.get(label, {})

        def f(v, fmt):
            return format(v, fmt) if isinstance(v, int | float) and np.isfinite(v) else "–"

        lines.append(
            f"| {label} | {f(e.get('parameters'), ',')} | {f(e.get('macs_per_second', float('nan')) / 1e6, '.0f')} | "
            f"{'yes' if e.get('causal') else 'no' if 'causal' in e else '–'} | {f(mean.get('pesq_wb'), '.3f')} | "
            f"{f(mean.get('estoi'), '.3f')} | {f(mean.get('si_sdr'), '.2f')} | {f(mean.get('dnsmos_p808'), '.3f')} | "
            f"{f(r.get('rtf'), '.4f')} | {f(e.get('silent_db'), '.1f')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", default="../shared/data/dev")
    ap.add_argument("--runs", default="runs/zoo")
    ap.add_argument("--json", default="benchmarks/results/zoo_dev.json")
    ap.add_argument("--no-compare", action="store_true")
    args = ap.parse_args(argv)
    dev, out_json = Path(args.dev), Path(args.json)
    labels = systems(Path(args.runs))
    if not labels:
        print(f"no finished zoo runs under {args.runs} (bash recipes/zoo/run.sh trains them)")
        return 1
    if not args.no_compare:
        run_compare(labels, dev, out_json)
        extra = {label: {**model_row(spec), "silent_db": hallucination(spec, dev)} for label, spec in labels.items()}
        extra["noisy"] = {"silent_db": hallucination("noisy", dev)}
        out_json.with_suffix(".extra.json").write_text(json.dumps(extra, indent=2) + "\n")
    extra = json.loads(out_json.with_suffix(".extra.json").read_text())
    results = json.loads(out_json.read_text())
    body = (
        "## Model zoo at equal budget on ../shared/data/dev\n\n"
        "Command: `python benchmarks/zoo_dev.py` (recipes in recipes/zoo/: the same data and 8000 steps of 8 "
        "two-second segments for every system, CPU-sized configurations). Published scores come from full-size "
        "models trained on GPUs; this compares the systems at an equal small budget. Silent-frame energy: output "
        "energy where the clean reference is silent, relative to its speech (lower is better; a generative model "
        "that invents speech-like sound there scores high).\n\n" + table(results, labels, extra) + "\n"
    )
    update_section("zoo-dev", body)
    print("BENCHMARKS.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
