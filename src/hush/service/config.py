"""Settings of one service instance (what ``hush serve`` takes on its command line)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_METHODS = ("default", "hq", "wiener", "mmse-lsa")


@dataclass(frozen=True)
class ServiceConfig:
    """``methods``: the method specs clients may name (the first is the default); nothing else is ever resolved,
    so no client-supplied string reaches the method registry's model-file loader. ``workers``: enhancement threads;
    ``queue``: requests that may wait for one before the service answers 503. ``max_upload_mb``: the whole request
    body; ``max_seconds``: the longest audio accepted. ``max_streams``: concurrent WebSocket streams."""

    methods: tuple[str, ...] = DEFAULT_METHODS
    workers: int = 1
    queue: int = 16
    max_upload_mb: float = 50.0
    max_seconds: float = 600.0
    max_streams: int = 4
    threads: int = 1
    warmup: bool = True

    def __post_init__(self) -> None:
        if not self.methods:
            raise ValueError("at least one method must be served")
        for name, value in (("workers", self.workers), ("max_streams", self.max_streams), ("threads", self.threads)):
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.queue < 0:
            raise ValueError(f"queue must be 0 or more, got {self.queue}")
        if self.max_upload_mb <= 0 or self.max_seconds <= 0:
            raise ValueError("max_upload_mb and max_seconds must be positive")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)
