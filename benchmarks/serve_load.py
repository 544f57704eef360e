"""Throughput and latency of ``hush serve`` on loopback: requests/s and p50/p99 latency at several client counts.

    python benchmarks/serve_load.py [--method default] [--workers 2] [--clients 1,4,16] [--seconds 5]
                                    [--rounds 4] [--no-write]

Starts ``hush serve --port 0`` (the system picks a free loopback port) with ``--workers`` enhancement threads, then
for each client count C runs C threads, each posting the same generated ``--seconds`` noisy 16 kHz WAV
(16-bit, mono) ``--rounds`` times in a row to ``POST /v1/enhance`` over one keep-alive connection, after one warm-up
request per client. Latency is from sending the request to having read the whole answer; requests/s is the number
of requests over the wall time of the level. Writes the "serve-load" section of BENCHMARKS.md (``--no-write``:
print only).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import re
import shlex
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_md import update_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SR = 16000


def noisy_wav(seconds: float) -> bytes:
    """A harmonic 'voice' with a syllabic envelope in white noise at 5 dB SNR, as 16-bit WAV bytes."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voice = sum(np.sin(k * phase) / k for k in range(1, 25)) * (0.55 - 0.45 * np.cos(2 * np.pi * 3 * t))
    voice *= 0.05 / np.sqrt(np.mean(voice**2))
    noise = rng.standard_normal(len(t)) * 0.05 / np.sqrt(10 ** (5 / 10))
    buf = io.BytesIO()
    sf.write(buf, (voice + noise).astype(np.float32), SR, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def start_server(method: str, workers: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "hush", "serve", "--port", "0", "--methods", method, "--workers", str(workers)]
    proc = subprocess.Popen([*cmd, "--queue", "64", "-q"], stderr=subprocess.PIPE, text=True, env=env)
    url = None
    for line in proc.stderr:
        m = re.search(r"serving (http://\S+/)", line)
        if m:
            url = m.group(1)
            break
    if url is None:
        raise SystemExit("hush serve did not start")
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # keep the pipe drained
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "readyz", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    raise SystemExit("hush serve did not become ready")


def level(url: str, body: bytes, clients: int, rounds: int) -> dict:
    def client(_: int) -> list[float]:
        times = []
        with httpx.Client(timeout=300) as c:
            post = lambda: c.post(url + "v1/enhance", content=body, headers={"content-type": "audio/wav"})  # noqa: E731
            post().raise_for_status()  # warm-up, not timed
            barrier.wait()
            for _ in range(rounds):
                t0 = time.perf_counter()
                r = post()
                r.raise_for_status()
                times.append(time.perf_counter() - t0)
        return times

    barrier = threading.Barrier(clients + 1)
    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client, k) for k in range(clients)]
        barrier.wait()
        t0 = time.perf_counter()
        latencies = [t for f in futures for t in f.result()]
        wall = time.perf_counter() - t0
    lat = np.asarray(latencies) * 1000
    return {
        "clients": clients,
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", default="default")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=4, help="timed requests per client and level")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    body = noisy_wav(args.seconds)
    load = os.getloadavg()[0]
    proc, url = start_server(args.method, args.workers)
    try:
        rows = [level(url, body, int(c), args.rounds) for c in args.clients.split(",")]
    finally:
        proc.terminate()
        proc.wait(60)

    command = "python " + " ".join(shlex.quote(a) for a in ["benchmarks/serve_load.py", *sys.argv[1:]])
    lines = [
        "## Service throughput (`hush serve` on loopback)",
        "",
        f"Command: `{command}` ({datetime.date.today()}, {os.cpu_count()} cores, {platform.machine()}; load average "
        f"{load:.1f} at start).",
        f"Method `{args.method}`, `--workers {args.workers}` (one torch thread each); each client posts a "
        f"{args.seconds:g} s 16 kHz mono 16-bit WAV to `POST /v1/enhance` {args.rounds} times over one keep-alive "
        "connection after a warm-up request. Latency: request sent to answer read.",
        "",
        "| clients | requests | requests/s | audio s / s | p50 latency | p99 latency |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['clients']} | {r['requests']} | {r['rps']:.2f} | {r['rps'] * args.seconds:.1f} | "
            f"{r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms |"
        )
    lines += [
        "",
        "Past the worker count, more clients queue (up to `--queue`, then 503 with `Retry-After`): throughput stays "
        "at what the workers deliver and latency grows with the queue.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        update_section("serve-load", text)
        print("wrote the 'serve-load' section of BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
