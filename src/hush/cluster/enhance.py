"""Enhancing many files on a Ray cluster, resumably.

The driver lists the inputs lazily (:mod:`hush.cluster.sources`), names the outputs with the local path's planning
(:func:`hush.inference.batch.plan_jobs`, a chunk at a time) into the run manifest
(:mod:`hush.cluster.run_manifest`), which also catches collisions across chunks, then feeds the pending files to
actors that each hold the method (:mod:`hush.cluster.workers`) and records every outcome as it arrives.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tqdm import tqdm

from hush.cluster.dispatch import Lost, default_actors, import_ray, ray_session, run_tasks
from hush.cluster.run_manifest import Row, RunManifest
from hush.cluster.sources import iter_inputs
from hush.cluster.summary import Failure, Summary
from hush.cluster.workers import EnhanceWorker
from hush.inference.batch import plan_jobs
from hush.inference.files import FileResult

log = logging.getLogger("hush.cluster")

MANIFEST_NAME = ".hush-run.sqlite"
CHUNK = 1000  # inputs planned together; collisions between chunks are found by the manifest's indexes


def _plan(
    runlog: RunManifest,
    entries: Iterable[tuple[Path, Path] | str],
    outdir: Path,
    suffix: str,
    problem: Callable[[str, str], None],
    tick: Callable[[], None],
) -> None:
    """Plan every listed input into ``runlog``; ``problem(path, line)`` for each input that gets no output."""

    def flush(chunk: list[tuple[Path, Path]]) -> None:
        jobs, errors = plan_jobs(chunk, outdir, suffix)
        planned, refused = iter(jobs), iter(errors)
        job = next(planned, None)
        for src, _ in chunk:  # plan_jobs gives each pair, in order, either a job or an error line
            if job is not None and job.src is src:
                if (error := runlog.add(job.src, job.dst)) is not None:
                    problem(str(src), error)
                job = next(planned, None)
            else:
                problem(str(src), runlog.fail_planning(src, next(refused)))
        runlog.commit()
        runlog.begin()

    runlog.begin()
    chunk: list[tuple[Path, Path]] = []
    for entry in entries:
        tick()
        if isinstance(entry, str):
            problem(entry.split(": ", 1)[0], entry)
            continue
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            flush(chunk)
            chunk = []
    flush(chunk)
    for src, error in runlog.outputs_on_inputs():
        problem(src, error)
    runlog.commit()


def enhance_on_cluster(
    inputs: list[str],
    outdir: str | os.PathLike,
    method: str,
    *,
    options: dict | None = None,
    backend: str = "torch",
    suffix: str = "",
    recursive: bool = False,
    overwrite: bool = False,
    resume: bool = False,
    manifest: str | os.PathLike | None = None,
    cluster: str = "auto",
    actors: int | None = None,
    threads_per_actor: int = 1,
    files_per_task: int = 1,
    file_options: dict | None = None,
    retries: int = 3,
    progress: bool = False,
    report: Callable[[FileResult], None] | None = None,
) -> Summary:
    """Enhance ``inputs`` (files, folders, globs, JSONL/CSV file lists) into ``outdir`` on Ray actors.

    Same outputs and rules as :func:`hush.inference.batch.enhance_jobs`. The run manifest (default
    ``outdir/.hush-run.sqlite``) records every file; with ``resume`` a new run skips the files done and retries
    the rest. ``report`` gets each file's result as it arrives (problems found while listing too). An interrupted
    run (Ctrl-C) leaves the unfinished files pending and re-raises.
    """
    t0 = time.perf_counter()
    outdir = Path(outdir)
    options = dict(options or {})
    file_options = {k: v for k, v in (file_options or {}).items() if v}  # the defaults are not recorded
    path = Path(manifest) if manifest is not None else outdir / MANIFEST_NAME
    params = {
        "output": str(outdir.resolve()),
        "method": method,
        "options": options,
        "backend": backend,
        "suffix": suffix,
        "file_options": file_options,
    }
    summary = Summary(manifest=path)

    def tell(res: FileResult) -> None:
        if report is not None:
            report(res)

    def problem(src: str, line: str) -> None:
        summary.failures.append(Failure(src, line))
        tell(FileResult(Path(src), ok=False, error=line))

    bar = tqdm(desc="listing", unit="file", disable=not progress, leave=False)
    try:
        with RunManifest.open(path, params, resume=resume, fresh=overwrite) as runlog:
            _plan(runlog, iter_inputs(inputs, recursive, exclude=outdir), outdir, suffix, problem, bar.update)
            summary.skipped = runlog.count("done")
            todo = runlog.count("pending")
            bar.reset(total=todo)
            bar.set_description("enhance")
            if todo:
                try:
                    _run(runlog, summary, tell, bar, method, options, file_options, backend, overwrite, cluster,
                         actors, threads_per_actor, files_per_task, retries)  # fmt: skip
                except KeyboardInterrupt:
                    log.warning(
                        "interrupted: %d file(s) still pending in %s; continue with --resume",
                        runlog.count("pending"),
                        path,
                    )
                    raise
            summary.pending = runlog.count("pending")
    finally:
        bar.close()
    summary.wall_seconds = time.perf_counter() - t0
    return summary


def _run(
    runlog: RunManifest,
    summary: Summary,
    tell: Callable[[FileResult], None],
    bar: tqdm,
    method: str,
    options: dict,
    file_options: dict,
    backend: str,
    overwrite: bool,
    cluster: str,
    actors: int | None,
    threads: int,
    files_per_task: int,
    retries: int,
) -> None:
    with ray_session(cluster, num_cpus=actors * threads if actors else None) as where:
        summary.where = where
        remote = import_ray().remote(EnhanceWorker).options(num_cpus=threads)
        n = actors or default_actors(threads)

        def submit(actor, rows: list[Row], attempt: int):
            jobs = []
            for row in rows:
                accept_since = row.dispatched  # set when an earlier attempt (of this run or one resumed) was sent
                runlog.dispatched(row, time.time())
                jobs.append((row.src, row.dst, accept_since))
            return actor.enhance_batch.remote(jobs)

        make = lambda: remote.remote(method, threads, options, backend, overwrite, file_options)  # noqa: E731
        for rows, values in run_tasks(make, n, _batches(runlog.pending(), files_per_task), submit, retries=retries):
            for row, value in zip(rows, [values] * len(rows) if isinstance(values, Lost) else values, strict=True):
                if isinstance(value, Lost):
                    res = FileResult(Path(row.src), Path(row.dst), ok=False, error=f"{row.src}: {value.reason}")
                    runlog.failed(row, res.error)
                else:
                    res = value.result
                    if res.ok:
                        runlog.done(row, value.audio_seconds, value.worker)
                        summary.files += 1
                        summary.audio_seconds += value.audio_seconds
                    else:
                        runlog.failed(row, res.error or "", value.worker)
                if not res.ok:
                    summary.failures.append(Failure(row.src, res.error or ""))
                tell(res)
                bar.update()


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch
