"""Ray Core plumbing: connecting to a cluster, starting actors, and keeping them fed with one item per task.

Ray places the actors and runs the tasks; the driver keeps at most ``per_actor`` tasks queued on each actor (the
usual ``ray.wait`` pattern for bounded submission), so that items are read from a lazy iterator as workers free up
and a million-file run holds only the items in flight. An actor that dies (killed, out of memory, its node lost) is
replaced by a new one, and the items it held go to the next free actor: each item is tried at most ``1 + retries``
times and the pool replaces at most ``retries`` actors per slot, so a run that keeps killing its workers ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from hush.errors import HushError, MissingExtraError
from hush.version import __version__

log = logging.getLogger("hush.cluster")

# Objects in the store are paths and small results, never audio: the minimum Ray accepts is plenty.
LOCAL_OBJECT_STORE_BYTES = 100_000_000


def import_ray():
    try:
        import ray
    except ImportError:
        raise MissingExtraError("--cluster", "cluster") from None
    return ray


@contextlib.contextmanager
def ray_session(address: str = "auto", num_cpus: int | None = None) -> Iterator[str]:
    """Connect to Ray for the duration of the block; yields a description of where the work runs.

    ``auto``: the cluster this machine belongs to (``RAY_ADDRESS`` or ``ray start``), else a new local instance
    with ``num_cpus`` CPUs (default: all), no dashboard and a small object store, stopped at the end. ``local``:
    always a new local instance. ``ray://HOST:PORT`` (Ray Client) or ``HOST:PORT``: that cluster. A session the
    caller already initialized is used as it is and left running.
    """
    ray = import_ray()
    if ray.is_initialized():
        yield "the running Ray session"
        return
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    where = None
    try:
        if address == "auto":
            with contextlib.suppress(ConnectionError):
                ray.init(address="auto", **quiet)
                where = "the Ray cluster of this machine"
        elif address != "local":
            ray.init(address=address, **quiet)
            where = f"the Ray cluster at {address}"
        if where is None:
            ray.init(
                address="local",
                num_cpus=num_cpus,
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                **quiet,
            )
            where = f"a local Ray instance ({int(ray.cluster_resources().get('CPU', 0))} CPUs)"
    except ConnectionError as e:
        raise HushError(f"cannot connect to Ray at {address} ({e})") from None
    try:
        yield where
    finally:
        ray.shutdown()


def default_actors(threads_per_actor: int) -> int:
    """As many actors as the cluster's CPUs hold at ``threads_per_actor`` each (at least one)."""
    cpus = import_ray().cluster_resources().get("CPU", os.cpu_count() or 1)
    return max(int(cpus) // max(threads_per_actor, 1), 1)


def _check_version(ready: tuple[str, str]) -> None:
    host, version = ready
    if version != __version__:
        log.warning("worker %s runs hush %s, this driver %s: outputs may differ", host, version, __version__)


def _cause(err: Exception) -> str:
    """The last line of a remote error: the exception that ended the remote call."""
    lines = [ln.strip() for ln in str(err).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else type(err).__name__


@dataclass
class Lost:
    """An item that produced no result: its workers died ``attempts`` times, or its task raised."""

    reason: str


@dataclass
class _Task:
    item: Any
    attempts: int = 0


def run_tasks(
    make_actor: Callable[[], Any],
    n_actors: int,
    items: Iterable[Any],
    submit: Callable[[Any, Any, int], Any],
    *,
    retries: int = 3,
    per_actor: int = 2,
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, value)`` as tasks finish (completion order), with ``value`` a :class:`Lost` for an item that
    could not be run.

    ``submit(actor, item, attempt)`` starts the task (``attempt`` 0 first) and returns its object ref. An actor
    gets work as soon as it has loaded (the others may still be waiting for room on the cluster). Raises
    :class:`HushError` when an actor's constructor fails or every actor is gone; items not yet yielded then stay
    unprocessed. Stopping the generator (an error in the caller, Ctrl-C) kills the actors, so no work goes on
    behind the caller's back.
    """
    ray = import_ray()
    actors: list[Any] = []
    starting: dict[Any, int] = {}  # ready() refs of actors still loading: they get work once loaded

    def start(k: int) -> None:
        actors[k] = make_actor()
        starting[actors[k].ready.remote()] = k

    replaced = [0] * n_actors
    load = [0] * n_actors
    up = [False] * n_actors

    def died(k: int, actor: Any, err: Exception) -> None:
        ray.kill(actor, no_restart=True)
        up[k] = False
        if replaced[k] < retries:
            replaced[k] += 1
            log.warning("a worker died (%s); starting another", _cause(err))
            start(k)
        else:
            actors[k] = None
            log.warning("a worker died (%s) for the %d. time; not replaced", _cause(err), retries + 1)

    flying: dict[Any, tuple[int, Any, _Task]] = {}
    again: deque[_Task] = deque()
    source = iter(items)
    exhausted = False
    try:
        actors.extend([None] * n_actors)
        for k in range(n_actors):
            start(k)
        while True:
            while not (exhausted and not again):
                free = [k for k in range(n_actors) if up[k] and load[k] < per_actor]
                if not free:
                    break
                if again:
                    task = again.popleft()
                else:
                    try:
                        task = _Task(next(source))
                    except StopIteration:
                        exhausted = True
                        break
                k = min(free, key=load.__getitem__)
                flying[submit(actors[k], task.item, task.attempts)] = (k, actors[k], task)
                task.attempts += 1
                load[k] += 1
            if not flying and (exhausted and not again):
                return
            if not flying and not starting:
                raise HushError(f"every worker died ({retries} replacements each); the rest was not processed")
            (ref,), _ = ray.wait([*flying, *starting], num_returns=1)
            if ref in starting:
                k = starting.pop(ref)
                try:
                    _check_version(ray.get(ref))
                    up[k] = True
                except ray.exceptions.RayError as e:
                    if "creation task" in str(e):  # its constructor raised: it would on every node alike
                        raise HushError(f"a worker could not start: {_cause(e)}") from None
                    died(k, actors[k], e)  # killed while loading
                continue
            k, actor, task = flying.pop(ref)
            load[k] -= 1
            try:
                value = ray.get(ref)
            except ray.exceptions.RayActorError as e:
                if actors[k] is actor:  # the first of its tasks to report the death
                    died(k, actor, e)
                if task.attempts > retries:
                    yield task.item, Lost(f"its worker died {task.attempts} times ({_cause(e)})")
                else:
                    again.append(task)
                continue
            except ray.exceptions.RayError as e:
                yield task.item, Lost(_cause(e))
                continue
            yield task.item, value
    finally:
        for a in actors:
            if a is not None:
                ray.kill(a, no_restart=True)
