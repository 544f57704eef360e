"""Many files at once: input expansion (files, folders, globs), output naming, parallel jobs, progress."""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from hush.audio.io import AUDIO_EXTENSIONS, output_suffix
from hush.errors import HushError, os_problem
from hush.inference.backend import with_backend
from hush.inference.files import FileResult, enhance_file
from hush.methods import resolve
from hush.threads import set_threads


@dataclass(frozen=True)
class Job:
    src: Path
    dst: Path


def _is_audio_name(p: Path) -> bool:
    return p.suffix.lower() in AUDIO_EXTENSIONS and not p.name.startswith(".")


def _inside(p: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        return p.resolve().is_relative_to(folder)
    except OSError:
        return False


def expand_inputs(
    inputs: list[str], recursive: bool = False, exclude: Path | None = None
) -> tuple[list[tuple[Path, Path]], list[str]]:
    """Return ``(file, relative output name)`` pairs and one error line per input that matches nothing.

    Files keep their name; files found in a folder keep their path relative to that folder (sub-folders only
    with ``recursive``); glob matches keep their name. Folders and globs never yield files inside ``exclude``
    (the output folder, so that a rerun does not enhance the previous outputs).
    """
    pairs: list[tuple[Path, Path]] = []
    errors: list[str] = []
    exclude = exclude.resolve() if exclude is not None else None
    for arg in inputs:
        p = Path(arg)
        if p.is_dir():
            found = sorted(p.rglob("*") if recursive else p.glob("*"))
            files = [f for f in found if f.is_file() and _is_audio_name(f) and not _inside(f, exclude)]
            if not files:
                errors.append(f"{arg}: folder holds no audio files" + ("" if recursive else " (try --recursive)"))
            pairs += [(f, f.relative_to(p)) for f in files]
        elif p.is_file():
            pairs.append((p, Path(p.name)))
        elif glob.has_magic(arg):
            matches = (Path(f) for f in glob.glob(arg, recursive=recursive))
            files = sorted(f for f in matches if f.is_file() and not _inside(f, exclude))
            if not files:
                errors.append(f"{arg}: no file matches this pattern")
            pairs += [(f, Path(f.name)) for f in files]
        else:
            try:
                os.stat(p)
                problem = "not a regular file or folder"
            except OSError as e:
                problem = os_problem(e)
            errors.append(f"{arg}: {problem}")
    return pairs, errors


def plan_jobs(pairs: list[tuple[Path, Path]], outdir: Path, suffix: str = "") -> tuple[list[Job], list[str]]:
    """Map inputs to outputs under ``outdir``; refuse collisions and outputs that would land on an input."""
    inputs = {f.resolve() for f, _ in pairs}
    seen: dict[Path, Path] = {}
    jobs, errors = [], []
    for src, rel in pairs:
        dst = outdir / rel.with_name(f"{rel.stem}{suffix}{output_suffix(rel)}")
        key = dst.resolve()
        if key in inputs:
            errors.append(f"{src}: output would overwrite an input file; use another -o folder or a --suffix")
        elif key in seen:
            errors.append(f"{src}: output name {dst} is also the output of {seen[key]}; rename one of them")
        else:
            seen[key] = src
            jobs.append(Job(src, dst))
    return jobs, errors


_worker_method = None
_worker_file_options: dict = {}


def _init_worker(method: str, threads: int, options: dict, backend: str, file_options: dict | None = None) -> None:
    global _worker_method, _worker_file_options
    set_threads(threads)
    _worker_method = with_backend(resolve(method, **options), backend)
    _worker_method.set_threads(threads)
    _worker_file_options = dict(file_options or {})


def _run_job(job: Job, overwrite: bool) -> FileResult:
    t0 = time.perf_counter()
    try:
        res = enhance_file(job.src, job.dst, _worker_method, overwrite=overwrite, **_worker_file_options)
    except HushError as e:
        return FileResult(job.src, job.dst, ok=False, error=str(e))
    except Exception as e:  # never let one file stop the batch
        return FileResult(job.src, job.dst, ok=False, error=f"{job.src}: {type(e).__name__}: {e}")
    res.seconds = time.perf_counter() - t0
    return res


def enhance_jobs(
    jobs: list[Job],
    method: str = "default",
    *,
    overwrite: bool = False,
    n_jobs: int = 1,
    threads: int = 1,
    progress: bool = True,
    options: dict | None = None,
    backend: str = "torch",
    report: Callable[[FileResult], None] | None = None,
    downmix: bool = False,
    keep_channels: bool = False,
) -> list[FileResult]:
    """Run jobs in this process (``n_jobs == 1``) or in a pool of worker processes; results keep job order.

    Each worker resolves ``method`` with ``options`` once, on ``backend`` (see :mod:`hush.inference.backend`).
    ``report`` is called with each result as soon as it is known (in completion order), so that a run that is
    killed has already told what failed; it should print through ``tqdm.write`` to stay above the progress bar.
    ``downmix`` and ``keep_channels`` as for :func:`~hush.inference.files.enhance_file`.
    """
    options = options or {}
    file_options = {"downmix": downmix, "keep_channels": keep_channels}
    bar = tqdm(total=len(jobs), unit="file", desc="enhance", disable=not progress, leave=False)
    results: dict[int, FileResult] = {}

    def done(i: int, res: FileResult) -> None:
        results[i] = res
        if report is not None:
            report(res)
        bar.update()

    try:
        if n_jobs <= 1 or len(jobs) <= 1:
            _init_worker(method, threads, options, backend, file_options)
            for i, job in enumerate(jobs):
                done(i, _run_job(job, overwrite))
        else:
            workers = min(n_jobs, len(jobs), os.cpu_count() or 1)
            init = (method, threads, options, backend, file_options)
            pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=init)
            try:
                futs = {pool.submit(_run_job, job, overwrite): i for i, job in enumerate(jobs)}
                for fut in as_completed(futs):
                    done(futs[fut], fut.result())
            except BaseException:  # interrupted: start no new file; running ones finish or die with the group
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown()
    finally:
        bar.close()
    return [results[i] for i in range(len(jobs))]


# The per-file steps of a worker, for runners that bring their own workers (hush.cluster's Ray actors): resolve the
# method once per process, then enhance job after job exactly as the local pool does.
init_worker = _init_worker
run_job = _run_job
