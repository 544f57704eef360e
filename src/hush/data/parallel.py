"""One map over worker processes for the per-file corpus jobs (scoring, target cleaning)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(fn: Callable[[T], R], items: Iterable[T], jobs: int = 1, ordered: bool = True) -> Iterator[R]:
    """``fn`` over ``items``, in ``jobs`` spawned worker processes when ``jobs`` > 1 (``fn`` must then be picklable).

    Results come as they are ready (in order unless ``ordered`` is False). ``fn`` should return errors rather than
    raise them. Close the iterator (``contextlib.closing``) to stop the workers when the caller stops early.
    """
    if jobs <= 1:
        yield from map(fn, items)
        return
    import multiprocessing as mp

    pool = mp.get_context("spawn").Pool(jobs)
    try:
        yield from (pool.imap if ordered else pool.imap_unordered)(fn, items, chunksize=4)
    finally:
        pool.terminate()
