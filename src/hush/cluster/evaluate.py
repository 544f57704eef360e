"""Scoring pairs on Ray actors: :func:`hush.evaluation.score_pair` on each, the results in the input order."""

from __future__ import annotations

from tqdm import tqdm

from hush.cluster.dispatch import Lost, default_actors, import_ray, ray_session, run_tasks
from hush.cluster.workers import ScoreWorker
from hush.evaluation import Pair, Scored
from hush.evaluation.scoring import split_metrics


def score_pairs_on_cluster(
    pairs: list[Pair],
    metrics: list[str] | None = None,
    *,
    transcripts: dict[str, str] | None = None,
    cluster: str = "auto",
    actors: int | None = None,
    threads_per_actor: int = 1,
    retries: int = 3,
    progress: bool = False,
) -> list[Scored]:
    """What :func:`hush.evaluation.score_pairs` returns for the same pairs, computed on Ray actors."""
    split_metrics(metrics, transcripts is not None)  # a bad request fails once, up front
    scored: list[Scored | None] = [None] * len(pairs)
    with (
        ray_session(cluster, num_cpus=actors * threads_per_actor if actors else None),
        tqdm(total=len(pairs), desc="evaluate", unit="file", disable=not progress, leave=False) as bar,
    ):
        remote = import_ray().remote(ScoreWorker).options(num_cpus=threads_per_actor)
        make = lambda: remote.remote(metrics, transcripts, threads_per_actor)  # noqa: E731
        submit = lambda actor, item, attempt: actor.score.remote(item[1])  # noqa: E731
        n = actors or default_actors(threads_per_actor)
        for (i, pair), value in run_tasks(make, n, enumerate(pairs), submit, retries=retries):
            scored[i] = (
                Scored(pair.name, error=f"{pair.enhanced}: {value.reason}") if isinstance(value, Lost) else value
            )
            bar.update()
    return scored  # type: ignore[return-value]  # every index was filled: run_tasks yields each item once
