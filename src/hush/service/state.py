"""What one running service holds: its settings, the served methods and the worker pools."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from fastapi import Request
from starlette.requests import HTTPConnection

from hush.service.catalog import Catalog
from hush.service.config import ServiceConfig
from hush.service.errors import ApiError
from hush.service.pool import QueueFull, WorkerPool

log = logging.getLogger("hush.service")


@dataclass
class ServiceState:
    config: ServiceConfig
    catalog: Catalog
    pool: WorkerPool
    streams: ThreadPoolExecutor  # one frame at a time per stream, never queued behind file jobs
    open_streams: int = 0
    started: float = field(default=0.0)

    @classmethod
    def create(cls, config: ServiceConfig) -> ServiceState:
        return cls(
            config,
            Catalog(config.methods, config.warmup),
            WorkerPool(config.workers, config.queue),
            ThreadPoolExecutor(config.max_streams, thread_name_prefix="hush-stream"),
        )

    def require_ready(self) -> None:
        if self.catalog.error:
            raise ApiError(503, f"the served methods failed to load: {self.catalog.error}")
        if not self.catalog.ready:
            raise ApiError(503, "the methods are still loading", headers={"Retry-After": "2"})

    def require_room(self) -> None:
        """503 at once when every worker is busy and the queue is full (before reading an upload)."""
        if self.pool.pending >= self.pool.capacity:
            raise busy(QueueFull(self.pool.retry_after()))

    async def run(self, fn, *args):
        """``fn(*args)`` on the worker pool; a failure that is not the client's is a 500 without internals."""
        try:
            return await self.pool.run(fn, *args)
        except QueueFull as e:
            raise busy(e) from None
        except ApiError:
            raise
        except Exception as e:
            log.error("%s failed: %s: %s", getattr(fn, "__name__", fn), type(e).__name__, e, exc_info=e)
            raise ApiError(500, f"the request failed on the server ({type(e).__name__})") from None


def busy(e: QueueFull) -> ApiError:
    return ApiError(503, str(e), "busy", headers={"Retry-After": str(e.retry_after)})


def state_of(conn: Request | HTTPConnection) -> ServiceState:
    return conn.app.state.hush
