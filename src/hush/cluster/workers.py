"""What runs inside the Ray actors: plain classes, made remote by :mod:`hush.cluster.dispatch`.

An :class:`EnhanceWorker` resolves the method once and then enhances file after file with the local path's own
per-file step (:func:`hush.inference.batch.run_job`), so outputs, atomic writes, the no-overwrite rule and the
one-line errors are those of ``hush enhance``. A :class:`ScoreWorker` scores pairs with
:func:`hush.evaluation.score_pair`, as ``hush evaluate`` does.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

from hush.audio.io import probe
from hush.errors import HushError
from hush.evaluation import Pair, Scored, score_pair
from hush.inference.batch import Job, init_worker, run_job
from hush.inference.files import FileResult
from hush.threads import set_threads
from hush.version import __version__


def where() -> str:
    """``host:pid`` of this worker process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Outcome:
    """One file's result as the driver records it."""

    result: FileResult
    audio_seconds: float = 0.0
    worker: str = ""


def _audio_seconds(path: Path) -> float:
    try:
        return probe(path).duration
    except HushError:  # the file was enhanced, so this cannot fail short of it vanishing meanwhile
        return 0.0


def _written_since(dst: Path, since: float) -> bool:
    try:
        return dst.stat().st_mtime >= since
    except OSError:
        return False


class EnhanceWorker:
    """Holds one resolved method; :meth:`enhance` runs one job."""

    def __init__(
        self, method: str, threads: int, options: dict, backend: str, overwrite: bool, file_options: dict | None = None
    ):
        init_worker(method, threads, options, backend, file_options)
        self.overwrite = overwrite

    def ready(self) -> tuple[str, str]:
        """``(host:pid, hush version)``, once the method is loaded."""
        return where(), __version__

    def enhance(self, src: str, dst: str, accept_since: float | None = None) -> Outcome:
        """Enhance ``src`` into ``dst``. With ``accept_since`` (a retry), an output written since then is taken
        as done: the attempt that wrote it died before it could reply."""
        job = Job(Path(src), Path(dst))
        if accept_since is not None and _written_since(job.dst, accept_since):
            res = FileResult(job.src, job.dst)
        else:
            res = run_job(job, self.overwrite)
        return Outcome(res, _audio_seconds(job.src) if res.ok else 0.0, where())

    def enhance_batch(self, jobs: list[tuple[str, str, float | None]]) -> list[Outcome]:
        """:meth:`enhance` on each ``(src, dst, accept_since)``: one task for several files costs the driver one
        round trip instead of several."""
        return [self.enhance(*job) for job in jobs]


class ScoreWorker:
    """Scores pairs with the metrics and transcripts it was given."""

    def __init__(self, metrics: list[str] | None, transcripts: dict[str, str] | None, threads: int):
        set_threads(threads)
        self.metrics = metrics
        self.transcripts = transcripts

    def ready(self) -> tuple[str, str]:
        return where(), __version__

    def score(self, pair: Pair) -> Scored:
        return score_pair(pair, self.metrics, self.transcripts)
