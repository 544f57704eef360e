"""Distillation ablation on ../shared/data/dev: the students of recipes/distill/ and the distilled `default`.

    python benchmarks/distill_ablation.py                # runs `hush compare`, then writes the tables
    python benchmarks/distill_ablation.py --no-compare   # tables from benchmarks/results/distill_dev.json

Runs one `hush compare` (one thread) over the trained students `runs/distill-<config>/best.pt` and, when both exist,
the plain and distilled `default` runs (`runs/default-v1/02-rewarm/best.pt`, `runs/distill-default/best.pt`;
recipes/distill/run.sh makes them all).
Writes the "distillation" section of BENCHMARKS.md: dev means, paired-bootstrap differences against the
no-distillation student, the non-causal vs causal teacher comparison, and each run's own validation score (the
held-back speakers the runs select on; never dev).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402
from targets import diff  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = {  # config -> (teacher, distillation terms)
    "none": ("–", "none"),
    "output": ("`hq` (non-causal)", "output"),
    "features": ("`hq` (non-causal)", "features (trunk → trunk)"),
    "both": ("`hq` (non-causal)", "output + features"),
    "both-causal": ("causal `erbdf` 192×2", "output + features"),
}
DEFAULTS = {
    "default (plain)": "runs/default-v1/02-rewarm/best.pt",
    "default (distilled)": "runs/distill-default/best.pt",
}
METRICS = ("pesq_wb", "estoi", "si_sdr", "dnsmos_ovrl")
LABEL = {"pesq_wb": "PESQ-WB", "estoi": "ESTOI", "si_sdr": "SI-SDR", "dnsmos_ovrl": "OVRL"}


def systems(runs: Path) -> dict[str, str]:
    """Label -> model file, for the runs that finished (have a best.pt)."""
    out = {c: f"{runs}/distill-{c}/best.pt" for c in CONFIGS if (runs / f"distill-{c}" / "best.pt").exists()}
    if all((ROOT / p).exists() for p in DEFAULTS.values()):
        out.update(DEFAULTS)
    return out


def own_validation(model_file: str) -> tuple[int, float] | None:
    """(step, PESQ-WB) of the selected checkpoint in the run's valid.csv."""
    path = ROOT / Path(model_file).parent / "valid.csv"
    if not path.exists():
        return None
    rows = list(csv.DictReader(path.open()))
    if not rows:
        return None
    best = max(rows, key=lambda r: float(r["pesq_wb"]))
    return int(best["step"]), float(best["pesq_wb"])


def run_compare(sys_map: dict[str, str], dev: str, out_json: Path) -> None:
    hush = ROOT / ".venv" / "bin" / "hush"
    cmd = [
        str(hush) if hush.exists() else "hush",
        "compare",
        "--clean",
        f"{dev}/clean",
        "--noisy",
        f"{dev}/noisy",
        "--systems",
        ",".join(sys_map.values()),
        "--threads",
        "1",
        "-q",
        "--metrics",
        ",".join(METRICS),
        "--json",
        str(out_json),
    ]
    subprocess.run(cmd, check=True, cwd=ROOT)


def tables(doc: dict, sys_map: dict[str, str], cmd: str) -> str:
    lines = [
        "## Distillation ablation",
        "",
        f"Command: `{cmd}` (one `hush compare` run, one thread, ../shared/data/dev, 120 files).",
        "Students: causal `erbdf` hidden 96 × 1 GRU layer, 1500 steps of batch 16 × 3 s, seed 0 (identical training",
        "segments in every run), recipes in `recipes/distill/`. Teachers: `hq` as bundled then (stage 1 of",
        "recipes/hq; non-causal, bidirectional GRU) and the causal `erbdf` 192 × 2 (stage 1 of recipes/default/v1).",
        "Own validation: PESQ-WB of the selected checkpoint on held-back speakers and noise (what the runs select on;",
        "never dev).",
        "Δ cells: mean difference against the no-distillation student [95% paired-bootstrap interval].",
        "",
    ]
    have = [c for c in CONFIGS if c in sys_map]
    base = sys_map.get("none")
    lines += [
        "| student | teacher | distillation | own valid PESQ-WB (step) | "
        + " | ".join(LABEL[m] for m in METRICS)
        + " | ΔPESQ-WB | ΔSI-SDR | ΔESTOI |",
        "|---|---|---|---|" + "---|" * len(METRICS) + "---|---|---|",
    ]
    for c in have:
        name = sys_map[c]
        v = own_validation(name)
        mean = doc["systems"][name]["mean"]
        cells = [
            f"{mean.get(m, float('nan')):.3f}" if m != "si_sdr" else f"{mean.get(m, float('nan')):.2f}" for m in METRICS
        ]
        if base and c != "none":
            deltas = [str(diff(doc, name, base, m)) for m in ("pesq_wb", "si_sdr", "estoi")]
        else:
            deltas = ["–"] * 3
        own = f"{v[1]:.3f} ({v[0]})" if v else "–"
        lines.append(f"| `{c}` | {CONFIGS[c][0]} | {CONFIGS[c][1]} | {own} | " + " | ".join(cells + deltas) + " |")
    if "both" in sys_map and "both-causal" in sys_map:
        a, b = sys_map["both"], sys_map["both-causal"]
        lines += [
            "",
            "Non-causal against causal teacher (same student, same terms and weights):",
            "",
            "| pair | " + " | ".join(LABEL[m] for m in METRICS) + " |",
            "|---|" + "---|" * len(METRICS),
            "| `both` − `both-causal` | " + " | ".join(str(diff(doc, a, b, m)) for m in METRICS) + " |",
        ]
    if all(k in sys_map for k in DEFAULTS):
        a, b = sys_map["default (distilled)"], sys_map["default (plain)"]
        va, vb = own_validation(a), own_validation(b)
        lines += [
            "",
            "The bundled-size model (`erbdf` 192 × 2): `recipes/distill/default-distill.yaml` warm-starts from the",
            "plain run's selected checkpoint and trains on with output + feature distillation from `hq`. It therefore",
            "also has more steps than the plain run; the student ablation above isolates distillation itself.",
            "",
            "| model | own valid PESQ-WB (step) | " + " | ".join(LABEL[m] for m in METRICS) + " |",
            "|---|---|" + "---|" * len(METRICS),
        ]
        for label, name, v in (("plain", b, vb), ("distilled", a, va)):
            mean = doc["systems"][name]["mean"]
            own = f"{v[1]:.3f} ({v[0]})" if v else "–"
            lines.append(f"| `default` {label} | {own} | " + " | ".join(f"{mean[m]:.3f}" for m in METRICS) + " |")
        lines.append("| distilled − plain | | " + " | ".join(str(diff(doc, a, b, m)) for m in METRICS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", default="runs", help="folder holding the distill-<config> runs")
    ap.add_argument("--dev", default="../shared/data/dev")
    ap.add_argument("--json", default="benchmarks/results/distill_dev.json")
    ap.add_argument("--no-compare", action="store_true", help="reuse the JSON of an earlier run")
    a = ap.parse_args(argv)
    sys_map = systems(ROOT / a.runs if not Path(a.runs).is_absolute() else Path(a.runs))
    sys_map = {k: str(Path(v).relative_to(ROOT)) if Path(v).is_absolute() else v for k, v in sys_map.items()}
    if not sys_map:
        raise SystemExit(f"distill_ablation: no finished runs under {a.runs}/distill-*/best.pt")
    out_json = ROOT / a.json
    if not a.no_compare:
        out_json.parent.mkdir(parents=True, exist_ok=True)
        run_compare(sys_map, a.dev, out_json)
    doc = json.loads(out_json.read_text())
    sys_map = {k: v for k, v in sys_map.items() if v in doc["systems"]}
    text = tables(doc, sys_map, "python benchmarks/distill_ablation.py")
    update_section("distillation", text)
    return text


if __name__ == "__main__":
    print(main())
