"""``WS /v1/stream``: 10 ms frames in, the concatenated replies equal :class:`hush.Streamer` output."""

from __future__ import annotations

import json

import numpy as np
import pytest

import hush
from tests.helpers.server import noisy_signal

pytest.importorskip("fastapi", reason="hush[serve] not installed")
pytest.importorskip("httpx", reason="httpx not installed (hush[serve-test])")


def receive_all(ws, x, frame, dtype=np.float32, scale=1.0):
    out, texts = [], []
    n_frames = -(-len(x) // frame)
    for k in range(n_frames):
        ws.send_bytes((x[k * frame : (k + 1) * frame] * scale).astype(dtype).tobytes())
    while len(out) < n_frames:  # one binary reply per frame, stats text in between
        msg = ws.receive()
        if msg.get("bytes") is not None:
            out.append(np.frombuffer(msg["bytes"], dtype))
        else:
            texts.append(json.loads(msg["text"]))
    ws.send_text(json.dumps({"type": "flush"}))
    while not texts or texts[-1]["type"] != "flushed":  # the tail, then "flushed" (a last stats may come first)
        msg = ws.receive()
        if msg.get("bytes") is not None:
            out.append(np.frombuffer(msg["bytes"], dtype))
        else:
            texts.append(json.loads(msg["text"]))
    return np.concatenate(out).astype(np.float32) / scale, texts


def reference(method: str, x: np.ndarray, sr: int, frame: int) -> tuple[np.ndarray, hush.Streamer]:
    s = hush.Streamer(method, sr=sr)
    parts = [s.process(x[k : k + frame]) for k in range(0, len(x), frame)]
    return np.concatenate([*parts, s.flush()]), s


@pytest.mark.parametrize(("method", "sr"), [("default", 48000), ("wiener", 16000)])
def test_stream_equals_streamer(client, method, sr):
    x = noisy_signal(1.5, sr)
    frame = sr // 100  # 10 ms
    with client.websocket_connect(f"/v1/stream?method={method}&rate={sr}&stats_every=40") as ws:
        start = ws.receive_json()
        y, texts = receive_all(ws, x, frame)
    ref, s = reference(method, x, sr, frame)
    assert start["type"] == "start" and start["method"] == method and start["rate"] == sr
    assert start["delay"] == s.delay and start["latency_ms"] == pytest.approx(s.latency_ms, abs=1e-3)
    assert len(y) == len(x) + s.delay
    np.testing.assert_array_equal(y, ref)
    stats = [t for t in texts if t["type"] == "stats"]
    assert [t["frames"] for t in stats] == [40, 80, 120]
    assert all(0 < t["proc_ms_mean"] <= t["proc_ms_max"] < 1000 for t in stats)
    assert texts[-1]["type"] == "flushed" and texts[-1]["frames"] == 150


def test_stream_s16le_stereo_and_limit(client):
    sr, frame = 16000, 160
    x = np.stack([noisy_signal(0.5, sr, 0), noisy_signal(0.5, sr, 7)])
    pcm = np.clip(np.round(x * 32768), -32768, 32767) / 32768  # what s16le carries
    inter = pcm.T.reshape(-1)  # interleaved
    url = f"/v1/stream?method=mmse-lsa&rate={sr}&format=s16le&channels=2&atten_lim_db=10"
    with client.websocket_connect(url) as ws:
        ws.receive_json()
        y, _ = receive_all(ws, inter, 2 * frame, np.int16, 32768.0)
    s = hush.Streamer("mmse-lsa", sr=sr, atten_lim_db=10)
    parts = [s.process(pcm[:, k : k + frame].astype(np.float32)) for k in range(0, pcm.shape[1], frame)]
    ref = np.concatenate([*parts, s.flush()], axis=1)
    ref16 = np.clip(np.round(ref * 32768), -32768, 32767) / 32768
    np.testing.assert_array_equal(y.reshape(-1, 2).T, ref16)


def closed_with(client, url: str, send: bytes | None = None) -> tuple[dict, int]:
    from starlette.websockets import WebSocketDisconnect

    with client.websocket_connect(url) as ws:
        msg = ws.receive_json()
        if msg["type"] == "start":
            ws.send_bytes(send)
            msg = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_bytes()
    return msg, info.value.code


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("method=nope", "not served"),
        ("method=wiener&rate=1000", "rate must be from 8000"),
        ("method=wiener&rate=fast", "whole number"),
        ("method=wiener&format=mp3", "s16le, f32le"),
        ("method=wiener&mix=3", "mix"),
        ("method=wiener&volume=3", "unknown option"),
    ],
)
def test_stream_bad_options_close_1008(client, query, words):
    msg, code = closed_with(client, f"/v1/stream?{query}")
    assert msg["type"] == "error" and words in msg["detail"] and code == 1008


def test_stream_bad_frame_closes_1007(client):
    msg, code = closed_with(client, "/v1/stream?method=wiener&rate=16000", b"\x00" * 7)
    assert code == 1007 and "7 bytes" in msg["detail"]


def test_stream_limit_and_not_ready_close_1013(client):
    st = client.app.state.hush
    st.open_streams = st.config.max_streams  # as if every stream slot were taken
    try:
        msg, code = closed_with(client, "/v1/stream?method=wiener")
    finally:
        st.open_streams = 0
    assert code == 1013 and "retry" in msg["detail"]

    from fastapi.testclient import TestClient

    from hush.service import ServiceConfig, create_app

    msg, code = closed_with(TestClient(create_app(ServiceConfig(methods=("wiener",)))), "/v1/stream")
    assert code == 1013 and "loading" in msg["detail"]


def test_stream_text_messages(client):
    with client.websocket_connect("/v1/stream?method=wiener&rate=16000") as ws:
        ws.receive_json()
        ws.send_text("hello")
        assert ws.receive_json()["error"] == "bad message"
        ws.send_text(json.dumps({"type": "stats"}))
        assert ws.receive_json() == {
            "type": "stats",
            "frames": 0,
            "proc_ms_last": 0.0,
            "proc_ms_mean": 0.0,
            "proc_ms_p95": 0.0,
            "proc_ms_max": 0.0,
        }
