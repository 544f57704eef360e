"""A real ``hush serve`` process on a free loopback port: concurrency, identity with ``hush enhance``, size limits
enforced before the body is read, robustness to bad requests, and a clean stop on SIGTERM."""

from __future__ import annotations

import io
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import soundfile as sf

from hush.cli import main
from tests.helpers.server import hush_server, noisy_signal, wav_bytes

pytest.importorskip("fastapi", reason="hush[serve] not installed")
httpx = pytest.importorskip("httpx", reason="httpx not installed (hush[serve-test])")
pytestmark = pytest.mark.slow

N = 20


@pytest.fixture(scope="module")
def server():
    with hush_server("--methods", "default,wiener", "--workers", "2", "--queue", "32", "--max-upload-mb", "1") as s:
        yield s


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """20 noisy files: mono 16 kHz and stereo 48 kHz, 16-bit and float, 0.5 to 2 s."""
    root = tmp_path_factory.mktemp("serve-inputs")
    for k in range(N):
        sr = 48000 if k % 3 == 0 else 16000
        x = noisy_signal(0.5 + 0.075 * k, sr, seed=k)
        if k % 4 == 0:
            x = np.stack([x, noisy_signal(0.5 + 0.075 * k, sr, seed=k + 100)], axis=1)
        sf.write(root / f"f{k:02d}.wav", x * 0.5, sr, subtype="FLOAT" if k % 5 == 0 else "PCM_16")
    return root


def test_concurrent_uploads_equal_hush_enhance(server, inputs, tmp_path):
    assert main(["enhance", str(inputs), "-o", str(tmp_path / "cli"), "-m", "default", "-q"]) == 0
    files = sorted(inputs.glob("*.wav"))

    def upload(path: Path) -> httpx.Response:
        with httpx.Client(timeout=120) as c:
            return c.post(server.url + "v1/enhance", files={"file": (path.name, path.read_bytes(), "audio/wav")})

    with ThreadPoolExecutor(N) as pool:
        responses = list(pool.map(upload, files))
    for path, r in zip(files, responses, strict=True):
        assert r.status_code == 200, (path.name, r.text)
        ref = tmp_path / "cli" / path.name
        info, ref_info = sf.info(io.BytesIO(r.content)), sf.info(ref)
        assert (info.samplerate, info.channels, info.format, info.subtype) == (
            ref_info.samplerate,
            ref_info.channels,
            ref_info.format,
            ref_info.subtype,
        )
        ours = sf.read(io.BytesIO(r.content))[0]
        assert np.array_equal(ours, sf.read(ref)[0]), f"{path.name} differs from hush enhance"
        if info.subtype != "FLOAT":  # float WAV carries libsndfile's PEAK chunk, which holds a time stamp
            assert r.content == ref.read_bytes()
    deadline = time.monotonic() + 10  # the line is written once the answer is out: it may trail the client
    while sum("POST /v1/enhance 200" in line for line in server.log) < N and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum("POST /v1/enhance 200" in line for line in server.log) >= N  # one log line per request


def _raw_request(url: str, head: str, chunks, deadline: float = 20.0) -> tuple[int, int]:
    """Send ``head`` and then body chunks until the server answers; the status and the body bytes sent."""
    u = urlparse(url)
    sent = 0
    with socket.create_connection((u.hostname, u.port), timeout=deadline) as s:
        s.sendall(head.encode())
        s.setblocking(False)
        reply = b""
        t0 = time.monotonic()
        for chunk in chunks:
            try:
                reply += s.recv(65536)
            except BlockingIOError:
                pass
            if reply or time.monotonic() - t0 > deadline:
                break
            try:
                sent += s.send(chunk)
            except (BlockingIOError, InterruptedError):
                time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                break
        s.setblocking(True)
        while b"\r\n" not in reply:
            more = s.recv(65536)
            if not more:
                break
            reply += more
    return int(reply.split(b" ", 2)[1]), sent


def test_oversize_upload_is_refused_before_it_is_read(server):
    total = 200 * 2**20  # declared 200 MB; the limit is 1 MB
    chunk = b"\0" * 65536
    head = f"POST /v1/enhance HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: {total}\r\n\r\n"
    status, sent = _raw_request(server.url, head, (chunk for _ in range(total // len(chunk))))
    assert status == 413 and sent < 10 * 2**20
    # no length given: chunked transfer, cut off once past the limit
    head = "POST /v1/enhance HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n"
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    status, sent = _raw_request(server.url, head, (framed for _ in range(total // len(chunk))))
    assert status == 413 and sent < 20 * 2**20
    assert server.alive()


def test_service_stays_up_after_bad_requests(server):
    good = wav_bytes(noisy_signal(0.5))
    bad = [
        ("POST", "v1/enhance", {"content": b"garbage" * 100, "headers": {"content-type": "audio/wav"}}, 400),
        ("POST", "v1/enhance", {"content": b"{}", "headers": {"content-type": "application/json"}}, 415),
        ("POST", "v1/enhance?method=../../x.pt", {"content": good, "headers": {"content-type": "audio/wav"}}, 422),
        ("POST", "v1/enhance", {"content": b"\0" * (2 * 2**20), "headers": {"content-type": "audio/wav"}}, 413),
        ("POST", "v1/enhance", {"content": b"--x\r\nbroken", "headers": {"content-type": "multipart/form-data"}}, 400),
        ("POST", "v1/evaluate", {"files": {"clean": ("c.wav", good)}}, 422),
        ("GET", "v1/nothing", {}, 404),
        ("POST", "v1/tag?top=9999", {"content": good}, 422),
        ("POST", "v1/tag", {"content": b"garbage" * 100, "headers": {"content-type": "audio/wav"}}, 400),
    ]
    with httpx.Client(timeout=60) as c:
        for verb, path, kwargs, status in bad:
            r = c.request(verb, server.url + path, **kwargs)
            assert r.status_code == status, (path, r.text)
            assert set(r.json()) == {"error", "detail"}
            assert c.get(server.url + "healthz").status_code == 200 and server.alive()
        # a client that hangs up in the middle of its upload
        u = urlparse(server.url)
        with socket.create_connection((u.hostname, u.port)) as s:
            s.sendall(
                b"POST /v1/enhance HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: 99999\r\n\r\n"
            )
            s.sendall(good[:5000])
        r = c.post(server.url + "v1/enhance", content=good, headers={"content-type": "audio/wav"})
        assert r.status_code == 200 and server.alive()
    assert not any("Traceback" in line for line in server.log)


def test_sigterm_finishes_the_request_in_flight(tmp_path):
    x = noisy_signal(3.0)
    body = wav_bytes(x)
    (tmp_path / "in.wav").write_bytes(body)
    assert main(["enhance", str(tmp_path / "in.wav"), "-o", str(tmp_path / "out"), "-m", "wiener", "-q"]) == 0

    with hush_server("--methods", "wiener") as server:
        u = urlparse(server.url)
        result = {}

        def slow_upload() -> None:  # the body trickles in over about a second
            def chunks():
                for k in range(0, len(body), len(body) // 10 + 1):
                    time.sleep(0.1)
                    yield body[k : k + len(body) // 10 + 1]

            with httpx.Client(timeout=60) as c:
                result["r"] = c.post(
                    f"http://{u.hostname}:{u.port}/v1/enhance",
                    content=chunks(),
                    headers={"content-type": "audio/wav", "content-length": str(len(body))},
                )

        t = threading.Thread(target=slow_upload)
        t.start()
        time.sleep(0.35)
        server.proc.send_signal(signal.SIGTERM)
        t.join(60)
        assert server.proc.wait(30) == 0
    assert result["r"].status_code == 200
    assert result["r"].content == (tmp_path / "out" / "in.wav").read_bytes()
    assert "hush: serve: stopped" in server.log
