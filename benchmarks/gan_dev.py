"""Adversarial training on ../shared/data/dev: the runs of recipes/gan/ against their regression-trained starts.

    python benchmarks/gan_dev.py                 # every finished run under runs/gan: `hush compare`, tables, figure
    python benchmarks/gan_dev.py --no-compare    # tables and figure from benchmarks/results/gan_dev.json

One `hush compare` (one thread) scores PESQ-WB, ESTOI, SI-SDR and DNSMOS (OVRL, P.808). Δ cells are mean differences
against the regression-trained start of the same model (wave-u-net's regression-only twin; the GRU's regression
stage that every MetricGAN run fine-tunes) with 95% paired-bootstrap intervals over the dev files. The OKD check asks
whether a run improves every target metric (PESQ-WB, ESTOI, DNSMOS OVRL) with the whole interval above zero, which is
MetricGAN-OKD's claim against the multi-metric single generator. Writes the "gan-dev" section of BENCHMARKS.md and a
spectrogram figure of one dev file (noisy, regression, MetricGAN+, OKD) to docs/images/gan_spectrograms.png.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

from hush.compare.bootstrap import Interval, paired_bootstrap  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("pesq_wb", "estoi", "si_sdr", "dnsmos_ovrl", "dnsmos_p808")
LABEL = {"pesq_wb": "PESQ-WB", "estoi": "ESTOI", "si_sdr": "SI-SDR", "dnsmos_ovrl": "OVRL", "dnsmos_p808": "P.808"}
TARGETS = ("pesq_wb", "estoi", "dnsmos_ovrl")  # the OKD runs' target metrics
# label -> (run folder, model file, baseline label)
RUNS = {
    "wave-u-net regression": ("wave-u-net-regression", "best.pt", None),
    "wave-u-net GAN": ("wave-u-net-gan", "best.pt", "wave-u-net regression"),
    "GRU regression": ("gru-regression", "best.pt", None),
    "MetricGAN+ (PESQ-WB)": ("gru-metricgan-plus", "best.pt", "GRU regression"),
    "multi-metric single G": ("gru-multi-metric", "best.pt", "GRU regression"),
    "OKD: PESQ-WB generator": ("gru-okd", "best.pt", "GRU regression"),
    "OKD: ESTOI generator": ("gru-okd", "best-estoi.pt", "GRU regression"),
    "OKD: OVRL generator": ("gru-okd", "best-dnsmos_ovrl.pt", "GRU regression"),
}
FIGURE = ("GRU regression", "MetricGAN+ (PESQ-WB)", "OKD: PESQ-WB generator")


def systems(runs: Path) -> dict[str, str]:
    """Label -> model file of every finished run (a summary.json beside the file)."""
    return {
        label: str(runs / folder / name)
        for label, (folder, name, _) in RUNS.items()
        if (runs / folder / name).exists() and (runs / folder / "summary.json").exists()
    }


def best_by_validation(runs: Path) -> str | None:
    """The OKD generator the run's own validation picked (summary.json ``best_generator``), as a label."""
    path = runs / "gru-okd" / "summary.json"
    if not path.exists():
        return None
    chosen = json.loads(path.read_text()).get("best_generator")
    return next((lb for lb, (f, name, _) in RUNS.items() if f == "gru-okd" and name == chosen), None)


def own_validation(model_file: str) -> float | None:
    """PESQ-WB + ESTOI of the selected checkpoint on the run's own validation set (never dev)."""
    path = Path(model_file)
    log = path.parent / ("valid.csv" if path.name == "best.pt" else f"valid-{path.stem.removeprefix('best-')}.csv")
    rows = list(csv.DictReader(log.open())) if log.exists() else []
    scores = [float(r["pesq_wb"]) + float(r["estoi"]) for r in rows if "pesq_wb" in r and "estoi" in r]
    return max(scores) if scores else None


def per_file(doc: dict, spec: str, metric: str) -> list[float]:
    return [f.get(metric, float("nan")) for f in doc["systems"][spec]["per_file"]]


def diff(doc: dict, a: str, b: str, metric: str) -> Interval:
    return paired_bootstrap(per_file(doc, a, metric), per_file(doc, b, metric))


def _fmt(v: float | None, fmt: str) -> str:
    return format(v, fmt) if isinstance(v, int | float) and np.isfinite(v) else "–"


def tables(doc: dict, sys_map: dict[str, str], chosen: str | None, cmd: str) -> str:
    lines = [
        "## Adversarial training (GAN, MetricGAN+, MetricGAN-OKD) on ../shared/data/dev",
        "",
        f"Command: `{cmd}` (one `hush compare` run, one thread, ../shared/data/dev). Runs: `bash recipes/gan/run.sh`;",
        "every MetricGAN run fine-tunes the same regression-trained GRU for the same 1500 steps, the GAN wave-u-net",
        "and its regression-only twin train from scratch for the same 4000 steps. Own valid: PESQ-WB + ESTOI of the",
        "selected checkpoint on held-back speakers and noise (what selection used; never dev).",
        "",
        "| system | own valid | " + " | ".join(LABEL[m] for m in METRICS) + " |",
        "|---|---|" + "---|" * len(METRICS),
    ]
    noisy = doc["systems"].get("noisy", {}).get("mean", {})
    lines.append(
        "| noisy | – | " + " | ".join(_fmt(noisy.get(m), ".2f" if m == "si_sdr" else ".3f") for m in METRICS) + " |"
    )
    for label, spec in sys_map.items():
        mean = doc["systems"][spec]["mean"]
        mark = " (best by validation)" if label == chosen else ""
        cells = [_fmt(mean.get(m), ".2f" if m == "si_sdr" else ".3f") for m in METRICS]
        lines.append(f"| {label}{mark} | {_fmt(own_validation(spec), '.3f')} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Against the regression-trained start (mean difference [95% paired-bootstrap interval]); 'all targets up':",
        "PESQ-WB, ESTOI and OVRL each with the whole interval above zero.",
        "",
        "| system | vs | " + " | ".join(f"Δ{LABEL[m]}" for m in METRICS) + " | all targets up |",
        "|---|---|" + "---|" * (len(METRICS) + 1),
    ]
    verdicts = {}
    for label, spec in sys_map.items():
        base = RUNS[label][2]
        if base is None or base not in sys_map:
            continue
        ivs = {m: diff(doc, spec, sys_map[base], m) for m in METRICS}
        up = all(ivs[m].low > 0 for m in TARGETS)
        verdicts[label] = up
        cells = " | ".join(str(ivs[m]) for m in METRICS)
        lines.append(f"| {label} | {base} | {cells} | {'yes' if up else 'no'} |")
    okd = chosen or ("OKD: PESQ-WB generator" if "OKD: PESQ-WB generator" in verdicts else None)
    if okd in verdicts and "multi-metric single G" in verdicts:
        claim = verdicts[okd] and not verdicts["multi-metric single G"]
        lines += [
            "",
            f"OKD's claim (all target metrics improve with OKD, not with the multi-metric single generator): "
            f"{'reproduces' if claim else 'does not reproduce'} here ({okd}: "
            f"{'all up' if verdicts[okd] else 'not all up'}; multi-metric single G: "
            f"{'all up' if verdicts['multi-metric single G'] else 'not all up'}).",
        ]
    return "\n".join(lines) + "\n"


def log_spectrogram(x: np.ndarray, n_fft: int = 512, hop: int = 128) -> np.ndarray:
    """(frames, bins) magnitude in dB of a Hann-windowed STFT, floored 80 dB under its peak."""
    x = np.pad(np.asarray(x, dtype=np.float64), (0, max(0, n_fft - len(x))))
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop] * np.hanning(n_fft)
    db = 20 * np.log10(np.abs(np.fft.rfft(frames, axis=-1)) + 1e-10)
    return np.maximum(db, db.max() - 80.0)


def spectrogram_figure(signals: dict[str, np.ndarray], sr: int, path: Path, title: str = "") -> Path:
    """One panel per signal, stacked, with a shared dB scale; written as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    specs = {k: log_spectrogram(v) for k, v in signals.items()}
    top = max(float(s.max()) for s in specs.values())
    fig, axes = plt.subplots(len(specs), 1, figsize=(9, 2.2 * len(specs)), sharex=True, squeeze=False)
    for ax, (label, spec) in zip(axes[:, 0], specs.items(), strict=True):
        extent = (0, spec.shape[0] * 128 / sr, 0, sr / 2000)
        ax.imshow(spec.T, origin="lower", aspect="auto", extent=extent, vmin=top - 80, vmax=top, cmap="magma")
        ax.set_ylabel("kHz")
        ax.set_title(label, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("s")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def figure(sys_map: dict[str, str], dev: Path, name: str | None, path: Path) -> Path | None:
    """The spectrograms of one dev file: noisy, regression, MetricGAN+, OKD (those that exist)."""
    import soundfile as sf

    import hush

    have = [lb for lb in FIGURE if lb in sys_map]
    files = sorted((dev / "noisy").glob("*.flac"))
    if not have or not files:
        return None
    noisy_path = next((f for f in files if f.stem == name), files[0])
    noisy, sr = sf.read(noisy_path)
    signals = {"noisy": noisy, **{lb: hush.enhance(noisy, sr, method=sys_map[lb]) for lb in have}}
    return spectrogram_figure(signals, sr, path, title=noisy_path.name)


def run_compare(sys_map: dict[str, str], dev: Path, out_json: Path) -> None:
    specs = list(dict.fromkeys(sys_map.values()))
    cmd = [sys.executable, "-m", "hush", "compare", "--clean", f"{dev}/clean", "--noisy",
           f"{dev}/noisy", "--systems", ",".join(specs), "--threads", "1", "-q", "--metrics", ",".join(METRICS),
           "--json", str(out_json)]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", default="../shared/data/dev")
    ap.add_argument("--runs", default="runs/gan")
    ap.add_argument("--json", default="benchmarks/results/gan_dev.json")
    ap.add_argument("--figure", default="docs/images/gan_spectrograms.png")
    ap.add_argument("--file", default=None, help="dev file (stem) of the figure; default the first")
    ap.add_argument("--no-compare", action="store_true", help="reuse the JSON of an earlier run")
    args = ap.parse_args(argv)
    runs, dev, out_json = ROOT / args.runs, Path(args.dev), ROOT / args.json
    sys_map = systems(runs)
    if not sys_map:
        print(f"no finished runs under {args.runs} (bash recipes/gan/run.sh trains them)")
        return 1
    sys_map = {k: str(Path(v).relative_to(ROOT)) for k, v in sys_map.items()}
    if not args.no_compare:
        out_json.parent.mkdir(parents=True, exist_ok=True)
        run_compare(sys_map, dev, out_json)
    doc = json.loads(out_json.read_text())
    sys_map = {k: v for k, v in sys_map.items() if v in doc["systems"]}
    update_section("gan-dev", tables(doc, sys_map, best_by_validation(runs), "python benchmarks/gan_dev.py"))
    made = figure(sys_map, dev, args.file, ROOT / args.figure)
    print("BENCHMARKS.md updated" + (f"; figure {made}" if made else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
