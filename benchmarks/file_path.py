"""Real-time factor of the file path (``hush enhance``) against the array path (``hush.enhance``), one thread.

    python benchmarks/file_path.py [--methods default,hq] [--seconds 60] [--repeats 3] [--no-write]

The input is the first dev noisy files (sorted, ``../shared/data/dev/noisy``) concatenated up to ``--seconds``
at 16 kHz (a generated noisy harmonic signal when the dev set is missing), written once as a 16 kHz float WAV.
For each method it times, after a warm-up and as the median of ``--repeats`` runs:

- array: ``hush.enhance(x, 16000, method)`` on the whole signal (offline);
- file: ``hush.enhance_file(in.wav, out.wav, method)`` (decoding, block-wise processing in bounded memory,
  scratch pass and encoding included);
- file, one hop per call: the same with ``hush.models.enhancer.MAX_BLOCK_FRAMES = 1`` (how the file path ran
  causal models before it stepped blocks of frames; causal neural models only).

Writes the "file-path" section of BENCHMARKS.md and benchmarks/results/file_path.json (``--no-write``: print only).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

from hush.threads import set_threads  # noqa: E402

set_threads(1)  # before torch sessions exist

import hush  # noqa: E402
import hush.models.enhancer as model_enhancer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared/data/dev"
RESULTS = ROOT / "benchmarks/results/file_path.json"
SR = 16000


def signal(seconds: float) -> tuple[np.ndarray, str]:
    """The benchmark input at 16 kHz and where it came from."""
    files = sorted((DEV / "noisy").glob("*.flac"))
    parts, n = [], 0
    for f in files:
        x, sr = sf.read(f, dtype="float32", always_2d=True)
        if sr != SR:
            continue
        parts.append(x.mean(axis=1))
        n += len(parts[-1])
        if n >= seconds * SR:
            return np.concatenate(parts)[: int(seconds * SR)], f"the first {len(parts)} dev noisy files"
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    x = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 20)) * (0.5 - 0.5 * np.cos(2 * np.pi * 3 * t))
    return (0.05 * x + 0.02 * rng.standard_normal(len(t))).astype(np.float32), "a generated noisy harmonic signal"


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(method: str, x: np.ndarray, wav: Path, out: Path, repeats: int) -> dict:
    enh = hush.load_method(method)
    seconds = len(x) / SR
    row = {"method": method, "causal": enh.causal}
    row["array"] = timed(lambda: hush.enhance(x, SR, method=enh), repeats) / seconds
    row["file"] = timed(lambda: hush.enhance_file(wav, out, enh, overwrite=True), repeats) / seconds
    if enh.causal and hasattr(enh, "model"):
        saved = model_enhancer.MAX_BLOCK_FRAMES
        model_enhancer.MAX_BLOCK_FRAMES = 1
        try:
            row["file_one_hop"] = timed(lambda: hush.enhance_file(wav, out, enh, overwrite=True), 1) / seconds
        finally:
            model_enhancer.MAX_BLOCK_FRAMES = saved
    return row


def render(doc: dict) -> str:
    lines = [
        "## File path against array path",
        "",
        f"Command: `{doc['command']}` ({doc['date']}, {doc['cores']} cores, {doc['machine']}; load average "
        f"{doc['loadavg']:.1f} at start).",
        f"Input: {doc['source']}, {doc['seconds']:.0f} s at {SR} Hz (a float WAV for the file path). "
        f"RTF = processing time / audio duration on **one thread**, median of {doc['repeats']} run(s) after a "
        "warm-up (one run for the one-hop column).",
        "",
        "| method | RTF array (`hush.enhance`) | RTF file (`hush enhance`) | file / array | "
        "RTF file, one hop per call (before) |",
        "|---|---|---|---|---|",
    ]
    for r in doc["rows"]:
        one = f"{r['file_one_hop']:.4f}" if "file_one_hop" in r else "—"
        lines.append(f"| {r['method']} | {r['array']:.4f} | {r['file']:.4f} | {r['file'] / r['array']:.2f} | {one} |")
    lines += [
        "",
        "The file path decodes, processes and encodes block by block in bounded memory. Causal models step up to "
        f"{doc['max_block_frames']} frames per forward call with their recurrent and convolution state carried "
        "between calls (`ModelStream`), so it runs at the array path's speed; the last column is the same file "
        "path fed one hop per call, as it was before. Non-causal `hq` runs overlapping 30 s chunks offline.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--methods", default="default,hq", help="comma-separated methods (default: default,hq)")
    ap.add_argument("--seconds", type=float, default=60.0, help="input length in seconds (default 60)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per path (default 3)")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    x, source = signal(args.seconds)
    loadavg = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="hush-bench-") as tmp:
        wav, out = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        sf.write(wav, x, SR, subtype="FLOAT")
        rows = []
        for m in args.methods.split(","):
            rows.append(measure(m, x, wav, out, args.repeats))
            print(json.dumps(rows[-1]), file=sys.stderr)
    argv_shown = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--no-write"]
    doc = {
        "command": shlex.join(["python", "benchmarks/file_path.py", *argv_shown]),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "loadavg": loadavg,
        "source": source,
        "seconds": len(x) / SR,
        "repeats": args.repeats,
        "max_block_frames": model_enhancer.MAX_BLOCK_FRAMES,
        "rows": rows,
    }
    text = render(doc)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(doc, indent=1) + "\n")
        update_section("file-path", text)
        print(f"wrote {RESULTS.relative_to(ROOT)} and the 'file-path' section of BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
