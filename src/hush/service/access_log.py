"""One log line per request: client, method, path, status, seconds (WebSockets: when they close)."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("hush.service")


class AccessLog:
    """Pure ASGI middleware (it sees WebSocket sessions and streamed answers to their end)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status: list[int] = []

        async def tracked(message):
            kind = message["type"]
            if kind == "http.response.start":
                status.append(message["status"])
            elif kind == "websocket.accept":
                status.append(101)
            elif kind == "websocket.close" and not status:
                status.append(403)
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        finally:
            client = scope.get("client") or ("-", 0)
            method = scope.get("method", "WS")
            log.info(
                "%s %s %s %d %.3fs",
                client[0],
                method,
                scope.get("path", ""),
                status[0] if status else 500,
                time.perf_counter() - t0,
            )
