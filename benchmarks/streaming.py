"""Streaming latency, real-time factor and per-hop time on one thread; int8 quantization effect.

    python benchmarks/streaming.py [--methods default,mmse-lsa,wiener] [MODEL.pt ...] [--files 20] [--repeats 3]
    python benchmarks/streaming.py --quick --no-write --methods default,mmse-lsa   (smoke test)

For every method (a registered name or a model file; names that do not resolve are skipped with a note):

- algorithmic latency: ``hush.Streamer(method, sr=16000).latency_ms`` and the method's ``lookahead`` at 16 kHz;
- real-time factor (processing time / audio duration, median over ``--repeats``) on one thread for PyTorch
  offline (``enhance`` on the whole signal), PyTorch streaming and ONNX streaming (fp32 and int8; neural models
  only), the stream fed 10 ms blocks (160 samples) through :class:`hush.Streamer`;
- per-call time of ``Streamer.process(block)`` in streaming: p50, p99, max and p99 as a share of the 10 ms budget;
- for neural models, fp32 vs dynamic-int8 ONNX exports: file size and mean PESQ-WB / SI-SDR on the dev files.

The input is the concatenation of the first ``--files`` dev noisy files (sorted), at 16 kHz. Writes the
"streaming" section of BENCHMARKS.md and benchmarks/results/streaming.json (``--no-write``: print only).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import math
import os
import platform
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

from hush.threads import set_threads  # noqa: E402

set_threads(1)  # before torch / onnxruntime sessions exist

import torch  # noqa: E402

from hush.audio.io import read  # noqa: E402
from hush.errors import HushError  # noqa: E402
from hush.inference.streamer import Streamer  # noqa: E402
from hush.methods import Enhancer, resolve  # noqa: E402
from hush.models.base import SEModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared/data/dev"
RESULTS = ROOT / "benchmarks/results/streaming.json"
SR = 16000
BLOCK = 160  # 10 ms at 16 kHz
BUDGET_MS = 1000.0 * BLOCK / SR
WARMUP_S = 2.0
DEFAULT_METHODS = "default,hq,mmse-lsa,wiener"
BACKENDS = ("torch-offline", "torch-stream", "onnx-stream", "onnx-int8-stream")
LABEL = {
    "torch-offline": "PyTorch offline",
    "torch-stream": "PyTorch streaming",
    "onnx-stream": "ONNX streaming (fp32)",
    "onnx-int8-stream": "ONNX streaming (int8)",
}
DASH = "—"


# ------------------------------------------------------------------------------------------------------ input


def load_dev(dev: Path, n_files: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, noisy, clean)`` mono float32 at 16 kHz for the first ``n_files`` noisy files (sorted)."""
    out = []
    for p in sorted((dev / "noisy").glob("*.flac"))[:n_files]:
        noisy, sr = read(p)
        clean, sr_c = read(dev / "clean" / p.name)
        if sr != SR or sr_c != SR:
            raise SystemExit(f"{p.name}: expected {SR} Hz dev files, got {sr}/{sr_c}")
        out.append((p.name, noisy[0], clean[0]))
    if not out:
        raise SystemExit(f"no dev files under {dev / 'noisy'}")
    return out


# ------------------------------------------------------------------------------------------------------ timing


def time_offline(enh: Enhancer, x: np.ndarray, repeats: int) -> dict:
    enh.enhance(x[: int(WARMUP_S * SR)], SR)  # warm-up
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        enh.enhance(x, SR)
        times.append(time.perf_counter() - t0)
    dur = len(x) / SR
    return {"rtf": float(np.median(times)) / dur, "rtf_all": [t / dur for t in times]}


def run_stream(streamer: Streamer, blocks: list[np.ndarray], hop_times: np.ndarray | None) -> np.ndarray:
    """Feed ``blocks``; with ``hop_times`` write each ``process`` call's seconds into it. Returns the output."""
    streamer.reset()
    outs = []
    for k, b in enumerate(blocks):
        t0 = time.perf_counter()
        y = streamer.process(b)
        if hop_times is not None:
            hop_times[k] = time.perf_counter() - t0
        outs.append(y)
    outs.append(streamer.flush())
    return np.concatenate(outs)


def time_stream(streamer: Streamer, x: np.ndarray, repeats: int) -> tuple[dict, np.ndarray]:
    """RTF (median over repeats, flush included) and per-call percentiles pooled over the repeats."""
    blocks = [x[i : i + BLOCK] for i in range(0, len(x), BLOCK)]
    run_stream(streamer, blocks[: int(WARMUP_S * SR) // BLOCK], None)  # warm-up
    totals, pooled, y = [], [], None
    for _ in range(repeats):
        hop = np.empty(len(blocks))
        gc.collect()
        t0 = time.perf_counter()
        y = run_stream(streamer, blocks, hop)
        totals.append(time.perf_counter() - t0)
        pooled.append(hop)
    dur = len(x) / SR
    ms = 1000.0 * np.concatenate(pooled)
    p50, p99 = np.percentile(ms, [50, 99])
    res = {
        "rtf": float(np.median(totals)) / dur,
        "rtf_all": [t / dur for t in totals],
        "calls": int(len(ms)),
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "max_ms": float(ms.max()),
        "mean_ms": float(ms.mean()),
        "p99_budget": float(p99) / BUDGET_MS,
    }
    return res, y


# ------------------------------------------------------------------------------------------------------ quality


def quality(enh: Enhancer, files: list) -> dict:
    from hush.metrics import pesq_wb, si_sdr

    pesq, sdr = [], []
    for _, noisy, clean in files:
        y = np.asarray(enh.enhance(noisy, SR), np.float32)[: len(clean)]
        pesq.append(pesq_wb(clean, y, SR))
        sdr.append(si_sdr(clean, y))
    return {"pesq_wb": _mean(pesq), "si_sdr": _mean(sdr), "per_file": {"pesq_wb": pesq, "si_sdr": sdr}}


def int8_share(path: Path) -> float:
    """Fraction of the graph's weight elements stored as int8 (dynamic quantization leaves e.g. GRUs in fp32)."""
    import onnx

    n = {True: 0, False: 0}
    for t in onnx.load(str(path)).graph.initializer:
        if t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.INT8):
            n[t.data_type == onnx.TensorProto.INT8] += int(np.prod(t.dims, dtype=np.int64))
    return n[True] / max(n[True] + n[False], 1)


def _mean(v: list[float]) -> float:
    v = [x for x in v if x is not None and math.isfinite(x)]
    return float(np.mean(v)) if v else float("nan")


# ------------------------------------------------------------------------------------------------------ methods


def bench_method(name: str, x: np.ndarray, files: list, repeats: int, log) -> dict:
    enh = resolve(name)
    enh.set_threads(1)
    torch.set_num_threads(1)
    model = getattr(enh, "model", None)
    from hush.onnx_backend.runtime import OnnxEnhancer

    is_onnx_file = isinstance(enh, OnnxEnhancer)
    neural = isinstance(model, SEModel) or is_onnx_file
    st = Streamer(enh, sr=SR, backend="torch")
    row: dict = {
        "method": name,
        "kind": "neural" if neural else "classical",
        "notes": [],
        "latency_ms": st.latency_ms,
        "delay_ms": st.delay_ms,
        "lookahead_ms": 1000.0 * enh.lookahead(SR) / SR,
        "chunked_fallback": bool(st.chunked),
        "timing": {},
    }
    if isinstance(model, SEModel):
        from hush.models.complexity import macs_per_second

        row.update(
            arch=model.arch,
            params=int(model.num_parameters()),
            macs_per_second=int(macs_per_second(model)),
            hop=int(model.hop_size),
            n_fft=int(getattr(model, "n_fft", 0) or 0),
            causal=bool(model.causal),
        )
    if st.chunked:
        row["notes"].append(f"non-causal: streams in {st.latency_ms:.0f} ms chunks (chunked fallback)")

    if not is_onnx_file:
        log(f"  {name}: offline")
        row["timing"]["torch-offline"] = time_offline(enh, x, repeats)
        offline = np.asarray(enh.enhance(x, SR), np.float32)
        log(f"  {name}: torch streaming")
        row["timing"]["torch-stream"], y = time_stream(st, x, repeats)
        # contract check: stream = offline delayed by st.delay (exact up to float rounding for causal methods)
        row["stream_vs_offline_max_abs"] = float(np.max(np.abs(y[st.delay : st.delay + len(x)] - offline)))
    else:
        row["notes"].append("an ONNX file: no PyTorch model")
    if not neural:
        return row

    from hush.onnx_backend.cache import cached_export
    from hush.onnx_backend.graph import ExportError

    try:
        log(f"  {name}: ONNX export / streaming (fp32)")
        ost = Streamer(enh, sr=SR, backend="onnx")
        row["timing"]["onnx-stream"], _ = time_stream(ost, x, repeats)
    except ExportError as e:
        row["notes"].append(f"no ONNX export: {e}")
        return row
    if is_onnx_file:
        row["notes"].append("int8 comparison needs the PyTorch model file")
        return row

    log(f"  {name}: int8 export / streaming")
    p32, p8 = cached_export(model), cached_export(model, quantize="int8")
    e32 = OnnxEnhancer(p32, name=f"{name} (onnx fp32)", threads=1)
    e8 = OnnxEnhancer(p8, name=f"{name} (onnx int8)", threads=1)
    row["timing"]["onnx-int8-stream"], _ = time_stream(Streamer(e8, sr=SR, backend="onnx"), x, repeats)
    log(f"  {name}: fp32 / int8 quality on {len(files)} files")
    q32, q8 = quality(e32, files), quality(e8, files)
    row["int8"] = {
        "fp32_bytes": p32.stat().st_size,
        "int8_bytes": p8.stat().st_size,
        "int8_weight_share": int8_share(p8),
        "fp32": q32,
        "int8": q8,
        "delta_pesq_wb": q8["pesq_wb"] - q32["pesq_wb"],
        "delta_si_sdr": q8["si_sdr"] - q32["si_sdr"],
    }
    return row


# ------------------------------------------------------------------------------------------------------ report


def _rtf(row: dict, backend: str) -> str:
    t = row["timing"].get(backend)
    return f"{t['rtf']:.4f}" if t else DASH


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def render(doc: dict) -> str:
    rows = doc["rows"]
    cmd = doc["command"]
    lines = [
        "## Streaming latency and real-time factor",
        "",
        f"Command: `{cmd}` ({doc['date']}, {doc['cores']} cores, {doc['machine']}; load average "
        f"{doc['loadavg']:.1f} at start).",
        f"Input: the first {doc['n_files']} dev noisy files (`{doc['dev']}/noisy`, sorted) concatenated, "
        f"{doc['seconds']:.1f} s at {SR} Hz.",
        "All timings are on **one thread** (`torch.set_num_threads(1)`, onnxruntime `intra_op_num_threads=1`); "
        f"RTF = processing time / audio duration, median of {doc['repeats']} run(s) after a warm-up. "
        f"Streaming feeds {BLOCK}-sample ({BUDGET_MS:.0f} ms) blocks to `hush.Streamer(method, sr={SR})`; "
        "its RTF includes `flush`.",
        "",
        "#### Latency and real-time factor",
        "",
        "| method | latency (ms) | lookahead (ms) | delay (ms) | params | MMAC/s | "
        + " | ".join(f"RTF {LABEL[b]}" for b in BACKENDS)
        + " |",
        "|---" * (6 + len(BACKENDS)) + "|",
    ]
    for r in rows:
        params = f"{r['params'] / 1e3:.0f} k" if "params" in r else DASH
        macs = f"{r['macs_per_second'] / 1e6:.0f}" if "macs_per_second" in r else DASH
        look = "whole input" if r["lookahead_ms"] > 1e6 else f"{r['lookahead_ms']:.1f}"
        lines.append(
            f"| {r['method']} | {r['latency_ms']:.1f} | {look} | {r['delay_ms']:.1f} | "
            f"{params} | {macs} | " + " | ".join(_rtf(r, b) for b in BACKENDS) + " |"
        )
    lines += [
        "",
        "Latency = `Streamer.latency_ms`: the longest a sample waits, fed one sample at a time, until `process` "
        "returns its enhanced counterpart (stream delay + one hop of buffering); lookahead = the method's "
        "`lookahead` (how far ahead the output depends on the input; non-causal models stream in 1 s chunks "
        "with crossfades, so their stream differs from whole-file output: about 15 dB SNR for `hq` with 1 s "
        "chunks, 19 dB with 4 s); delay = the stream's "
        "alignment offset. ONNX columns are for neural models only. Contract check, max |PyTorch stream "
        "(delay removed) "
        "− offline|: "
        + ", ".join(
            f"{r['method']} {r['stream_vs_offline_max_abs']:.1e}" for r in rows if "stream_vs_offline_max_abs" in r
        )
        + ".",
        "",
        f"#### Per-call time of `Streamer.process` ({BLOCK}-sample blocks, pooled over the runs)",
        "",
        f"| method | backend | calls | p50 (ms) | p99 (ms) | max (ms) | p99 / {BUDGET_MS:.0f} ms budget |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for b in BACKENDS[1:]:
            t = r["timing"].get(b)
            if t:
                lines.append(
                    f"| {r['method']} | {LABEL[b]} | {t['calls']} | {t['p50_ms']:.3f} | {t['p99_ms']:.3f} | "
                    f"{t['max_ms']:.2f} | {100 * t['p99_budget']:.1f} % |"
                )
    q_rows = [r for r in rows if "int8" in r]
    if q_rows:
        noisy = doc["noisy"]
        lines += [
            "",
            f"#### int8 dynamic quantization (ONNX), {doc['n_files']} dev files",
            "",
            f"Noisy input: PESQ-WB {noisy['pesq_wb']:.3f}, SI-SDR {noisy['si_sdr']:.2f} dB. "
            "int8 = onnxruntime dynamic int8 quantization of the learned weight matrices "
            '(`hush export onnx --quantize int8`); "int8 weights" = share of the weight elements stored '
            "as int8 (the rest, e.g. GRU and convolution weights, stays fp32); Δ = int8 − fp32.",
            "",
            "| method | fp32 size | int8 size | int8 weights | PESQ-WB fp32 | PESQ-WB int8 | Δ PESQ-WB | "
            "SI-SDR fp32 | SI-SDR int8 | Δ SI-SDR (dB) | RTF fp32 | RTF int8 |",
            "|---" * 12 + "|",
        ]
        for r in q_rows:
            q = r["int8"]
            lines.append(
                f"| {r['method']} | {_mb(q['fp32_bytes'])} | {_mb(q['int8_bytes'])} | "
                f"{100 * q['int8_weight_share']:.0f} % | "
                f"{q['fp32']['pesq_wb']:.3f} | {q['int8']['pesq_wb']:.3f} | {q['delta_pesq_wb']:+.3f} | "
                f"{q['fp32']['si_sdr']:.2f} | {q['int8']['si_sdr']:.2f} | {q['delta_si_sdr']:+.2f} | "
                f"{_rtf(r, 'onnx-stream')} | {_rtf(r, 'onnx-int8-stream')} |"
            )
    notes = [f"- {r['method']}: {n}" for r in rows for n in r["notes"]]
    notes += [f"- {s['method']}: skipped ({s['reason']})" for s in doc["skipped"]]
    if notes:
        lines += ["", "Notes:", "", *notes]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", help="extra model files (.pt / .onnx) appended to --methods")
    ap.add_argument("--methods", default=DEFAULT_METHODS, help=f"comma-separated (default: {DEFAULT_METHODS})")
    ap.add_argument("--files", type=int, default=20, help="number of dev files (default 20, about 70 s)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=None, help="cut the concatenated input to this length")
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--quick", action="store_true", help="smoke test: 2 files, 2 s of audio, 1 repeat")
    ap.add_argument("--no-write", action="store_true", help="print only; write neither BENCHMARKS.md nor JSON")
    args = ap.parse_args(argv)
    if args.quick:
        args.files, args.repeats, args.seconds = min(args.files, 2), 1, args.seconds or 2.0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()] + list(args.models)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    files = load_dev(args.dev, args.files)
    x = np.concatenate([f[1] for f in files]).astype(np.float32)
    if args.seconds:
        x = x[: int(args.seconds * SR)]
    from hush.metrics import pesq_wb, si_sdr

    noisy_q = {
        "pesq_wb": _mean([pesq_wb(c, n, SR) for _, n, c in files]),
        "si_sdr": _mean([si_sdr(c, n) for _, n, c in files]),
    }
    rows, skipped = [], []
    warnings.filterwarnings("ignore", category=UserWarning)
    for name in methods:
        log(f"{name}")
        try:
            rows.append(bench_method(name, x, files, args.repeats, log))
        except HushError as e:
            log(f"  skipped: {e}")
            skipped.append({"method": name, "reason": str(e).splitlines()[0]})
    import onnxruntime

    try:
        dev_shown = str(args.dev.resolve().relative_to(ROOT.parent.resolve()).as_posix())
        dev_shown = f"../{dev_shown}"
    except ValueError:
        dev_shown = str(args.dev)
    argv_shown = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--no-write"]
    doc = {
        "command": shlex.join(["python", "benchmarks/streaming.py", *argv_shown]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "loadavg": os.getloadavg()[0],
        "threads": 1,
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "dev": dev_shown,
        "n_files": len(files),
        "files": [f[0] for f in files],
        "seconds": len(x) / SR,
        "repeats": args.repeats,
        "block": BLOCK,
        "sample_rate": SR,
        "noisy": noisy_q,
        "rows": rows,
        "skipped": skipped,
    }
    text = render(doc)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(doc, indent=1) + "\n")
        update_section("streaming", text)
        log(f"wrote {RESULTS.relative_to(ROOT)} and the 'streaming' section of BENCHMARKS.md")


if __name__ == "__main__":
    main()
