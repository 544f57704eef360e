"""Do the bundled models depend on details below audibility? Parity between runtimes and sensitivity to inaudible
noise, on dev audio with and without stretches of digital silence; writes the "silence-robustness" section of
BENCHMARKS.md and benchmarks/results/silence_parity.json.

    python benchmarks/silence_parity.py [--models ...] [--compare benchmarks/results/floor_dev.json]

The audio is the first 24 noisy dev files joined, once with 0.5 s of exact zeros between them (a muted microphone,
VoIP silence suppression, an edited podcast) and once without. For each model: output SNR of PyTorch streaming
(10 ms chunks) and of the onnx backend against PyTorch offline (causal models), and of the model's output on the
input plus white noise at -100 dBFS against its output on the input. ``--compare`` adds the dev scores of the
models with and without their feature floor from a ``hush compare --json`` run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

import hush
from hush.compare.bootstrap import paired_bootstrap
from hush.inference.backend import with_backend
from hush.inference.streamer import Streamer
from hush.methods import resolve
from hush.threads import set_threads

ROOT = Path(__file__).resolve().parents[1]
SR = 16000


def snr_db(ref: np.ndarray, est: np.ndarray) -> float:
    ref, est = np.asarray(ref, np.float64), np.asarray(est, np.float64)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - est) ** 2), 1e-30)))


def fixture(dev: Path, gaps: bool) -> np.ndarray:
    parts = []
    for f in sorted((dev / "noisy").glob("*.flac"))[:24]:
        x, sr = sf.read(f, dtype="float32")
        assert sr == SR
        parts += [x, np.zeros(SR // 2 if gaps else 0, np.float32)]
    return np.concatenate(parts)


def streamed(name: str, x: np.ndarray, chunk: int = 160) -> np.ndarray:
    st = Streamer(name, SR)
    y = np.concatenate([st.process(x[i : i + chunk]) for i in range(0, len(x), chunk)] + [st.flush()])
    return y[st.delay : st.delay + len(x)]


def measure(name: str, x: np.ndarray) -> dict:
    enh = resolve(name)
    offline = hush.enhance(x, SR, method=enh)
    dither = 10 ** (-100 / 20) * np.random.default_rng(0).standard_normal(len(x)).astype(np.float32)
    row = {"perturbation_db": snr_db(offline, hush.enhance(x + dither, SR, method=enh))}
    if enh.causal:
        row["stream_db"] = snr_db(offline, streamed(name, x))
        row["onnx_db"] = snr_db(offline, hush.enhance(x, SR, method=with_backend(enh, "onnx")))
    return row


def _fmt(v) -> str:
    return "–" if v is None else f"{min(v, 999.0):.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "data" / "dev")
    ap.add_argument("--models", default="default:feature_floor=0,default,hq:feature_floor=0,hq")
    ap.add_argument("--compare", type=Path, help="hush compare --json of the models with and without the floor")
    args = ap.parse_args()
    os.environ.setdefault("HUSH_CACHE_DIR", tempfile.mkdtemp(prefix="hush-parity-"))
    set_threads(1)
    rows = {}
    for name in args.models.split(","):
        rows[name] = {
            "gaps": measure(name, fixture(args.dev, True)),
            "no gaps": measure(name, fixture(args.dev, False)),
        }
    out = {"models": rows}
    lines = [
        "## Silence robustness: runtimes and inaudible noise",
        "",
        f"Command: `python benchmarks/silence_parity.py --models {args.models}"
        + (f" --compare {args.compare}" if args.compare else "")
        + "`. Output SNR in dB (higher: closer); audio: the first 24 noisy dev files joined with 0.5 s of exact zeros "
        'between them ("gaps", 90 s) or without. *perturbation*: output on the input plus white noise at −100 dBFS '
        "against the output on the input; *stream*: PyTorch streaming in 10 ms chunks against PyTorch offline; "
        "*onnx*: the onnx backend (on-the-fly export) against PyTorch offline. `NAME:feature_floor=0` is the same "
        "weights without the feature floor, as they shipped before v1.1.",
        "",
        "| model | perturbation, gaps | perturbation, no gaps | stream, gaps | stream, no gaps | onnx, gaps "
        "| onnx, no gaps |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        g, n = r["gaps"], r["no gaps"]
        cells = [g["perturbation_db"], n["perturbation_db"], g.get("stream_db"), n.get("stream_db")]
        cells += [g.get("onnx_db"), n.get("onnx_db")]
        lines.append(f"| {name} | " + " | ".join(_fmt(c) for c in cells) + " |")
    if args.compare and args.compare.exists():
        doc = json.loads(args.compare.read_text())
        systems = doc["systems"]
        metrics = list(next(iter(systems.values()))["mean"])
        lines += ["", "Dev quality of the same weights without and with the feature floor (120 files, one thread):", ""]
        lines += ["| system | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
        for sysname, sysdoc in systems.items():
            lines.append(f"| {sysname} | " + " | ".join(f"{sysdoc['mean'][m]:.3f}" for m in metrics) + " |")
        lines += ["", "With the floor minus without, mean [95 % paired-bootstrap interval]:", ""]
        lines += ["| model | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
        for sysname in systems:
            floored = next((k for k in systems if k.startswith(f"{sysname}:feature_floor")), None)
            if floored is None:
                continue
            a, b = systems[floored]["per_file"], systems[sysname]["per_file"]
            cells = [str(paired_bootstrap([r[m] for r in a], [r[m] for r in b])) for m in metrics]
            lines.append(f"| {sysname} | " + " | ".join(cells) + " |")
        out["compare"] = str(args.compare)
    (ROOT / "benchmarks" / "results" / "silence_parity.json").write_text(json.dumps(out, indent=2) + "\n")
    subprocess.run(
        ["python", str(ROOT / "benchmarks" / "bench_md.py"), "silence-robustness"],
        input="\n".join(lines) + "\n",
        text=True,
        check=True,
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
