"""The two ablation tables of tagging-aware enhancement (recipes/tagging/) on dev and on its reverberant variant.

    python benchmarks/tagging_tables.py mtl       # Table 1: baseline, NE alpha=1, AT alpha=1, AT alpha=10, AT GradNorm
    python benchmarks/tagging_tables.py fusion    # Table 2: baseline, early, middle, late, all (+ all, causal)
    python benchmarks/tagging_tables.py mtl --no-compare   # tables from the JSON of an earlier run

Runs one `hush compare` (one thread) per test set over the finished runs `runs/tagging/<row>/best.pt`:
../shared/data/dev and data/dev-reverb (benchmarks/make_dev_variants.py --only reverb). Metrics as the paper
reports them (STOI, SDR, SI-SNR = SI-SDR) plus PESQ-WB and ESTOI; each row's differences against the baseline are
mean [95 % paired-bootstrap interval] over the files. Then it states which of the paper's findings hold here. Writes
the "tagging-mtl" or "tagging-fusion" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

from hush.compare.bootstrap import Interval, paired_bootstrap  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("stoi", "sdr", "si_sdr", "pesq_wb", "estoi")
LABEL = {"stoi": "STOI", "sdr": "SDR", "si_sdr": "SI-SNR", "pesq_wb": "PESQ-WB", "estoi": "ESTOI"}
TABLES = {
    "mtl": {
        "title": "Tagging-aware enhancement, Table 1: multi-task learning",
        "rows": {
            "baseline": "SI-SNR only",
            "ne1": "+ noise estimation, α = 1",
            "at1": "+ audio tagging, α = 1",
            "at10": "+ audio tagging, α = 10",
            "at-gradnorm": "+ audio tagging, GradNorm",
        },
    },
    "fusion": {
        "title": "Tagging-aware enhancement, Table 2: embedding fusion",
        "rows": {
            "baseline": "no fusion",
            "early": "clip embedding at the encoder input",
            "middle": "clip embedding at the TCN input",
            "late": "clip embedding at the decoder input",
            "all": "clip embedding at all three",
            "all-causal": "running embedding (past 1 s) at all three",
        },
    },
}
SETS = {"dev": "../shared/data/dev", "dev-reverb": "data/dev-reverb"}


def compare(models: list[str], test_set: str, out_json: Path) -> None:
    hush = ROOT / ".venv" / "bin" / "hush"
    cmd = [str(hush) if hush.exists() else "hush", "compare", "--clean", f"{test_set}/clean", "--noisy"]
    cmd += [f"{test_set}/noisy", "--systems", ",".join(models), "--threads", "1", "-q", "--metrics", ",".join(METRICS)]
    subprocess.run([*cmd, "--json", str(out_json)], check=True, cwd=ROOT)


def diff(doc: dict, a: str, b: str, metric: str) -> Interval:
    pa = [f.get(metric, float("nan")) for f in doc["systems"][a]["per_file"]]
    pb = [f.get(metric, float("nan")) for f in doc["systems"][b]["per_file"]]
    return paired_bootstrap(pa, pb)


def table(doc: dict, rows: dict[str, str], models: dict[str, str]) -> list[str]:
    head = "| row | " + " | ".join(LABEL[m] for m in METRICS) + " | " + " | ".join(f"Δ{LABEL[m]}" for m in METRICS)
    lines = [head + " |", "|---|" + "---|" * (2 * len(METRICS))]
    base = models.get("baseline")
    for row, what in rows.items():
        if row not in models:
            continue
        name = models[row]
        mean = doc["systems"][name]["mean"]
        cells = [
            f"{mean.get(m, float('nan')):.3f}" if m in ("stoi", "estoi", "pesq_wb") else f"{mean[m]:.2f}"
            for m in METRICS
        ]
        deltas = [str(diff(doc, name, base, m)) if base and row != "baseline" else "–" for m in METRICS]
        lines.append(f"| `{row}`: {what} | " + " | ".join(cells + deltas) + " |")
    return lines


def gain(docs: dict, models: dict[str, str], row: str, test_set: str, metric: str = "si_sdr") -> Interval | None:
    if row not in models or "baseline" not in models:
        return None
    return diff(docs[test_set], models[row], models["baseline"], metric)


def verdict(iv: Interval | None, better: bool = True) -> str:
    if iv is None:
        return "not run"
    if better:
        return "holds" if iv.low > 0 else ("contradicted" if iv.high < 0 else "not resolved")
    return "holds" if iv.high < 0 else ("contradicted" if iv.low > 0 else "not resolved")


def pair(docs: dict, models: dict[str, str], a: str, b: str, test_set: str) -> Interval | None:
    if a not in models or b not in models:
        return None
    return diff(docs[test_set], models[a], models[b], "si_sdr")


def findings(kind: str, docs: dict, models: dict[str, str]) -> list[str]:
    """The paper's findings, each judged on SI-SNR by whether its 95 % interval excludes zero."""
    out = ["Findings of the paper, judged on SI-SNR (holds: the 95 % interval is on the paper's side of zero):", ""]
    if kind == "mtl":
        ne_dev, at_dev = gain(docs, models, "ne1", "dev"), gain(docs, models, "at10", "dev")
        ne_rev, at_rev = gain(docs, models, "ne1", "dev-reverb"), gain(docs, models, "at10", "dev-reverb")
        out += [
            f"- auxiliary tasks help: NE on dev {ne_dev} ({verdict(ne_dev)}), AT α=10 on dev {at_dev} "
            f"({verdict(at_dev)})",
            f"- AT generalises better to reverberation: AT α=10 − NE on dev-reverb "
            f"{pair(docs, models, 'at10', 'ne1', 'dev-reverb')} "
            f"({verdict(pair(docs, models, 'at10', 'ne1', 'dev-reverb'))}); NE − AT α=10 on dev "
            f"{pair(docs, models, 'ne1', 'at10', 'dev')} ({verdict(pair(docs, models, 'ne1', 'at10', 'dev'))})",
            f"- α=10 beats α=1 (AT), dev {pair(docs, models, 'at10', 'at1', 'dev')} "
            f"({verdict(pair(docs, models, 'at10', 'at1', 'dev'))}), dev-reverb "
            f"{pair(docs, models, 'at10', 'at1', 'dev-reverb')} "
            f"({verdict(pair(docs, models, 'at10', 'at1', 'dev-reverb'))})",
            f"- GradNorm is below manual α: GradNorm − AT α=10 on dev "
            f"{pair(docs, models, 'at-gradnorm', 'at10', 'dev')} "
            f"({verdict(pair(docs, models, 'at-gradnorm', 'at10', 'dev'), better=False)})",
        ]
        if ne_rev is not None or at_rev is not None:
            out.append(f"- on dev-reverb: NE {ne_rev}, AT α=10 {at_rev} against the baseline")
    else:
        rev = {row: gain(docs, models, row, "dev-reverb") for row in ("early", "middle", "late", "all")}
        dev = {row: gain(docs, models, row, "dev") for row in ("early", "middle", "late", "all")}
        best = max((r for r in rev if rev[r] is not None), key=lambda r: rev[r].mean, default=None)
        out += [
            "- fusion helps: " + ", ".join(f"{r} {dev[r]} ({verdict(dev[r])})" for r in dev) + " on dev",
            f"- fusion at all positions helps most with reverb: the largest dev-reverb gain is `{best}`"
            + "; "
            + ", ".join(f"{r} {rev[r]}" for r in rev),
        ]
        causal = pair(docs, models, "all-causal", "all", "dev")
        if causal is not None:
            out.append(f"- the causal running embedding against the clip embedding (all positions), dev: {causal}")
    return out


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table", choices=sorted(TABLES))
    ap.add_argument("--runs", default="runs/tagging")
    ap.add_argument("--no-compare", action="store_true", help="reuse the JSON of an earlier run")
    a = ap.parse_args(argv)
    spec = TABLES[a.table]
    models = {row: f"{a.runs}/{row}/best.pt" for row in spec["rows"] if (ROOT / a.runs / row / "best.pt").exists()}
    if "baseline" not in models:
        raise SystemExit(f"tagging_tables: no finished baseline run ({a.runs}/baseline/best.pt)")
    docs = {}
    for name, path in SETS.items():
        out_json = ROOT / "benchmarks" / "results" / f"tagging_{a.table}_{name}.json"
        if not a.no_compare:
            out_json.parent.mkdir(parents=True, exist_ok=True)
            compare(list(models.values()), path, out_json)
        docs[name] = json.loads(out_json.read_text())
    models = {k: v for k, v in models.items() if all(v in d["systems"] for d in docs.values())}
    lines = [
        f"## {spec['title']}",
        "",
        f"Command: `bash recipes/tagging/run.sh` (its stages for this table) then "
        f"`python benchmarks/tagging_tables.py {a.table}` (one `hush compare` per test set, one thread).",
        "Every row: the small TCN-DenseUNet (0.97 M parameters, causal convolutions), SI-SNR loss, the same 2000",
        "steps of 8 two-second mixtures, seed 0 (recipes/tagging/conf/). Δ: mean difference against the baseline",
        "[95 % paired-bootstrap interval]. SI-SNR is SI-SDR.",
        "",
    ]
    for name in SETS:
        n = len(next(iter(docs[name]["systems"].values()))["per_file"])
        lines += [f"**{name}** ({SETS[name]}, {n} files)", "", *table(docs[name], spec["rows"], models), ""]
    lines += findings(a.table, docs, models)
    text = "\n".join(lines) + "\n"
    update_section(f"tagging-{a.table}", text)
    return text


if __name__ == "__main__":
    print(main())
