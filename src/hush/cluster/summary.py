"""The summary of a batch run: what :func:`hush.enhance_many` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Failure:
    """A file (or an input argument) that gave no output, and why, as one line naming it."""

    path: str
    reason: str


@dataclass
class Summary:
    """``files`` enhanced in this run holding ``audio_seconds`` of audio; ``failures`` with their reasons.

    ``skipped``: files a resumed run found done already. ``pending``: files left unprocessed (an interrupted run,
    or one whose workers all died); a run with ``resume`` picks them up. ``manifest``: the run manifest (cluster
    runs).
    """

    files: int = 0
    audio_seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    skipped: int = 0
    pending: int = 0
    wall_seconds: float = 0.0
    manifest: Path | None = None
    where: str = "this process"

    @property
    def ok(self) -> bool:
        return not self.failures and not self.pending

    @property
    def speed(self) -> float:
        """Seconds of audio enhanced per second of wall time."""
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0
