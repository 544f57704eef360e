"""A bounded pool of worker threads that runs CPU-bound jobs off the event loop.

At most ``workers`` jobs run and at most ``queue`` more wait; a job beyond that is refused at once
(:class:`QueueFull`, answered 503 with ``Retry-After``) instead of piling up memory and latency. Threads rather
than processes: the methods are loaded once and shared (their weights are read-only; every job builds its own
stream state), and torch, numpy, soxr and onnxruntime release the GIL in their inner loops.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class QueueFull(Exception):
    """Every worker is busy and the queue is full; ``retry_after`` is a guess in whole seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"the service is busy; retry in {retry_after} s")
        self.retry_after = retry_after


class WorkerPool:
    def __init__(self, workers: int, queue: int):
        self.workers, self.queue = workers, queue
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="hush-worker")
        self._lock = threading.Lock()
        self.pending = 0  # running + waiting
        self._mean_seconds = 1.0  # running mean job time, for Retry-After

    @property
    def capacity(self) -> int:
        return self.workers + self.queue

    def retry_after(self) -> int:
        waves = math.ceil((self.pending + 1) / self.workers)
        return max(1, math.ceil(waves * self._mean_seconds))

    async def run(self, fn: Callable[..., T], *args) -> T:
        """``fn(*args)`` on a worker thread; raises :class:`QueueFull` when the pool is at capacity."""
        with self._lock:
            if self.pending >= self.capacity:
                raise QueueFull(self.retry_after())
            self.pending += 1
        future = self._executor.submit(self._timed, fn, args)
        future.add_done_callback(self._release)  # also when a waiting job is cancelled, and only when it ends
        return await asyncio.wrap_future(future)

    def _release(self, _future) -> None:
        with self._lock:
            self.pending -= 1

    def _timed(self, fn: Callable[..., T], args: tuple) -> T:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * (time.perf_counter() - t0)

    def shutdown(self) -> None:
        """Wait for running and queued jobs, then stop the threads."""
        self._executor.shutdown(wait=True)
