"""``WS /v1/stream``: raw PCM frames in, enhanced frames out, through one :class:`hush.Streamer` per connection.

Query: ``method`` (a served method), ``rate`` (Hz, default 48000), ``format`` (``f32le``, the default, or
``s16le``), ``channels`` (interleaved, default 1), ``atten_lim_db``, ``mix``, ``stats_every`` (frames, default 50).

Protocol. The server first sends a text message ``{"type": "start", "method", "rate", "format", "channels",
"delay", "delay_ms", "latency_ms"}``: ``latency_ms`` is the stream's algorithmic latency and ``delay`` the
alignment offset in samples (the reply stream is the input enhanced and delayed by ``delay`` samples). Every binary
message is answered by exactly one binary message: the enhanced audio ready so far, possibly empty, so a client can
pair request and reply to measure the round trip. Every ``stats_every`` frames, and on request, a text message
``{"type": "stats", "frames", "proc_ms_last", "proc_ms_mean", "proc_ms_p95", "proc_ms_max"}`` reports the server's
processing time per frame. Text messages from the client: ``{"type": "flush"}`` (the answer is the binary tail,
then ``{"type": "flushed", ...stats}``; the stream then starts over) and ``{"type": "stats"}``. Errors arrive as
``{"type": "error", "error", "detail"}`` before the server closes with code 1008 (bad option), 1007 (bad frame),
1013 (busy or not ready) or 1011 (server failure).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import numpy as np
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

import hush
from hush.audio.checks import MAX_RATE, MIN_RATE
from hush.cli.stream_cmd import FORMATS, decode, encode
from hush.errors import HushError
from hush.service.errors import ApiError
from hush.service.options import check_known, controlled, pick_method
from hush.service.state import ServiceState, state_of

router = APIRouter()
log = logging.getLogger("hush.service")

QUERY = ("method", "rate", "format", "channels", "atten_lim_db", "mix", "stats_every")
MAX_FRAME_SECONDS = 1.0  # one message carries at most this much audio


class StreamClosed(Exception):
    def __init__(self, code: int, error: str, detail: str):
        super().__init__(detail)
        self.code, self.error, self.detail = code, error, detail


class FrameTimes:
    """Per-frame processing times (ms) of one stream."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def add(self, ms: float) -> None:
        self.times.append(ms)
        if len(self.times) > 2000:  # keep the recent past
            del self.times[:1000]

    def report(self, frames: int) -> dict:
        t = np.asarray(self.times[-500:] or [0.0])
        return {
            "frames": frames,
            "proc_ms_last": round(float(t[-1]), 3),
            "proc_ms_mean": round(float(t.mean()), 3),
            "proc_ms_p95": round(float(np.percentile(t, 95)), 3),
            "proc_ms_max": round(float(t.max()), 3),
        }


def _int(q: dict, key: str, default: int, lo: int, hi: int) -> int:
    text = q.get(key, str(default))
    try:
        v = int(text)
    except ValueError:
        raise StreamClosed(1008, "bad option", f"{key} must be a whole number, got {text[:20]!r}") from None
    if not lo <= v <= hi:
        raise StreamClosed(1008, "bad option", f"{key} must be from {lo} to {hi}, got {v}")
    return v


def _open(st: ServiceState, q: dict) -> tuple[hush.Streamer, str, int, int]:
    try:
        check_known(q, QUERY)
        info = pick_method(q.get("method"), st.catalog)
        enh, _, _ = controlled(info, q.get("atten_lim_db"), q.get("mix"))
    except ApiError as e:
        raise StreamClosed(1008, e.error, e.detail) from None
    rate = _int(q, "rate", 48000, MIN_RATE, MAX_RATE)
    channels = _int(q, "channels", 1, 1, 8)
    fmt = q.get("format", "f32le")
    if fmt not in FORMATS:
        raise StreamClosed(1008, "bad option", f"format must be one of {', '.join(FORMATS)}, got {fmt[:20]!r}")
    try:
        streamer = hush.Streamer(enh, sr=rate)
    except HushError as e:
        raise StreamClosed(1008, "bad option", str(e)) from None
    return streamer, fmt, rate, channels


@router.websocket("/v1/stream")
async def stream(ws: WebSocket) -> None:
    st = state_of(ws)
    await ws.accept()
    loop = asyncio.get_running_loop()
    counted = False
    try:
        if not st.catalog.ready:
            raise StreamClosed(1013, "unavailable", st.catalog.error or "the methods are still loading")
        if st.open_streams >= st.config.max_streams:
            raise StreamClosed(1013, "busy", f"{st.config.max_streams} streams are open; retry later")
        st.open_streams += 1
        counted = True
        q = dict(ws.query_params)
        streamer, fmt, rate, channels = await loop.run_in_executor(st.streams, _open, st, q)
        every = _int(q, "stats_every", 50, 1, 100000)
        await ws.send_text(
            json.dumps(
                {
                    "type": "start",
                    "method": streamer.enhancer.name,
                    "rate": rate,
                    "format": fmt,
                    "channels": channels,
                    "delay": streamer.delay,
                    "delay_ms": round(streamer.delay_ms, 3),
                    "latency_ms": round(streamer.latency_ms, 3),
                }
            )
        )
        await _serve(ws, st, streamer, fmt, rate, channels, every)
    except StreamClosed as e:
        await _close(ws, e.code, e.error, e.detail)
    except WebSocketDisconnect:
        pass
    except Exception as e:  # never a traceback to the client
        log.error("stream failed: %s: %s", type(e).__name__, e, exc_info=e)
        await _close(ws, 1011, "internal error", f"the stream failed on the server ({type(e).__name__})")
    finally:
        if counted:
            st.open_streams -= 1


async def _serve(
    ws: WebSocket, st: ServiceState, streamer: hush.Streamer, fmt: str, rate: int, channels: int, every: int
):
    loop = asyncio.get_running_loop()
    width = FORMATS[fmt].itemsize * channels
    times, frames = FrameTimes(), 0

    def run(fn, *args) -> tuple[np.ndarray, float]:
        t0 = time.perf_counter()
        y = fn(*args)
        return y, 1000.0 * (time.perf_counter() - t0)

    while True:
        msg = await ws.receive()
        if msg["type"] == "websocket.disconnect":
            return
        data, text = msg.get("bytes"), msg.get("text")
        if data is not None:
            if len(data) % width or len(data) > MAX_FRAME_SECONDS * rate * width:
                raise StreamClosed(
                    1007,
                    "bad frame",
                    f"a frame must be whole {fmt} samples x {channels} channel(s), at most {MAX_FRAME_SECONDS:g} s; "
                    f"got {len(data)} bytes",
                )
            x = decode(data, fmt, channels)
            y, ms = await loop.run_in_executor(st.streams, run, streamer.process, x if channels > 1 else x[0])
            await ws.send_bytes(encode(y if channels > 1 else y[None], fmt))
            times.add(ms)
            frames += 1
            if frames % every == 0:
                await ws.send_text(json.dumps({"type": "stats", **times.report(frames)}))
            continue
        try:
            kind = json.loads(text or "").get("type")
        except (ValueError, AttributeError):
            kind = None
        if kind == "flush":
            y, ms = await loop.run_in_executor(st.streams, run, streamer.flush)
            await ws.send_bytes(encode(y if channels > 1 else y[None], fmt))
            await ws.send_text(json.dumps({"type": "flushed", **times.report(frames)}))
            times, frames = FrameTimes(), 0
        elif kind == "stats":
            await ws.send_text(json.dumps({"type": "stats", **times.report(frames)}))
        else:
            detail = 'text messages are {"type": "flush"} or {"type": "stats"}'
            await ws.send_text(json.dumps({"type": "error", "error": "bad message", "detail": detail}))


async def _close(ws: WebSocket, code: int, error: str, detail: str) -> None:
    try:
        await ws.send_text(json.dumps({"type": "error", "error": error, "detail": detail}))
        await ws.close(code, reason=detail[:120])
    except (RuntimeError, WebSocketDisconnect):  # the client is already gone
        pass
