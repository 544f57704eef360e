"""A real ``hush serve`` process on a free loopback port (the system picks it: ``--port 0``), and uploads."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

import hush
from tests.helpers.signals import mix_at_snr, speech_like

SRC = Path(hush.__file__).resolve().parents[1]  # this checkout's code, not an installed copy


@dataclass
class Server:
    proc: subprocess.Popen
    url: str = ""
    log: list[str] = field(default_factory=list)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "readyz", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False


def _pump(server: Server, found: threading.Event) -> None:
    for line in server.proc.stderr:
        server.log.append(line.rstrip("\n"))
        m = re.search(r"serving (http://\S+/)", line)
        if m:
            server.url = m.group(1)
            found.set()
    found.set()


@contextmanager
def hush_server(*args: str, timeout: float = 90.0) -> Iterator[Server]:
    """Start ``hush serve --port 0 ARGS``, wait until ``/readyz`` answers 200, stop it with SIGTERM afterwards."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    env.setdefault("OMP_NUM_THREADS", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hush", "serve", "--port", "0", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    server = Server(proc)
    found = threading.Event()
    threading.Thread(target=_pump, args=(server, found), daemon=True).start()
    try:
        deadline = time.monotonic() + timeout
        found.wait(timeout)
        while not server.ready():
            if not server.alive() or time.monotonic() > deadline:
                raise RuntimeError("hush serve did not become ready:\n" + "\n".join(server.log[-20:]))
            time.sleep(0.2)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wav_bytes(x: np.ndarray, sr: int = 16000, fmt: str = "WAV", subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def noisy_signal(seconds: float = 2.0, sr: int = 16000, seed: int = 0) -> np.ndarray:
    clean = speech_like(sr=sr, seconds=seconds, seed=seed)
    return mix_at_snr(clean, np.random.default_rng(seed + 1).standard_normal(len(clean)), 5.0)
