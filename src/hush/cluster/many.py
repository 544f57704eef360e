"""``enhance_many``: many files, on this machine (the ``hush enhance`` worker pool) or on a Ray cluster."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from hush.audio.io import probe
from hush.cluster.enhance import enhance_on_cluster
from hush.cluster.summary import Failure, Summary
from hush.errors import HushError
from hush.inference.backend import with_backend
from hush.inference.batch import enhance_jobs, expand_inputs, plan_jobs
from hush.inference.files import FileResult
from hush.methods import resolve


def enhance_many(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out: str | os.PathLike,
    method: str = "default",
    cluster: str | None = None,
    *,
    suffix: str = "",
    recursive: bool = False,
    overwrite: bool = False,
    backend: str = "torch",
    jobs: int = 1,
    threads: int = 1,
    actors: int | None = None,
    threads_per_actor: int = 1,
    files_per_task: int = 1,
    downmix: bool = False,
    keep_channels: bool = False,
    resume: bool = False,
    manifest: str | os.PathLike | None = None,
    retries: int = 3,
    progress: bool = False,
    report: Callable[[FileResult], None] | None = None,
    **options,
) -> Summary:
    """Enhance files, folders, globs or JSONL/CSV file lists into the folder ``out``, mirroring the input tree.

    ``cluster=None`` runs here with ``jobs`` worker processes of ``threads`` threads; ``"auto"``, ``"local"``,
    ``"ray://HOST:PORT"`` or ``"HOST:PORT"`` runs on Ray (:func:`hush.cluster.dispatch.ray_session`) with
    ``actors`` actors of ``threads_per_actor`` threads, a run manifest and ``resume``. ``options`` go to the
    method; ``downmix`` and ``keep_channels`` as for :func:`hush.enhance_file`. Bad files never stop the run:
    they are in the summary's ``failures``.
    """
    inputs = [os.fspath(inputs)] if isinstance(inputs, str | os.PathLike) else [os.fspath(i) for i in inputs]
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise HushError(f"{out}: exists and is not a folder (the output of many files is a folder)")
    with_backend(resolve(method, **options), backend)  # an unknown method or bad option fails once, here
    if cluster:
        return enhance_on_cluster(
            inputs, out, method, options=options, backend=backend, suffix=suffix, recursive=recursive,
            overwrite=overwrite, resume=resume, manifest=manifest, cluster=cluster, actors=actors,
            threads_per_actor=threads_per_actor, files_per_task=files_per_task, retries=retries, progress=progress,
            report=report, file_options={"downmix": downmix, "keep_channels": keep_channels},
        )  # fmt: skip
    if resume or manifest is not None:
        raise HushError("resume and manifest apply to cluster runs (cluster='auto' also runs on this machine)")
    t0 = time.perf_counter()
    pairs, errors = expand_inputs(inputs, recursive)
    planned, more = plan_jobs(pairs, out, suffix)
    summary = Summary(failures=[Failure(e.split(": ", 1)[0], e) for e in errors + more])
    if report is not None:
        for f in summary.failures:
            report(FileResult(Path(f.path), ok=False, error=f.reason))
    results = enhance_jobs(
        planned, method, overwrite=overwrite, n_jobs=jobs, threads=threads, progress=progress, options=options,
        backend=backend, report=report, downmix=downmix, keep_channels=keep_channels,
    )  # fmt: skip
    for r in results:
        if r.ok:
            summary.files += 1
            summary.audio_seconds += probe(r.src).duration
        else:
            summary.failures.append(Failure(str(r.src), r.error or ""))
    summary.wall_seconds = time.perf_counter() - t0
    return summary
