"""Metric scores for metric discriminators, computed beside the training step.

A MetricGAN discriminator learns to predict the true metric of what the generator outputs, so every step needs
real PESQ / ESTOI / DNSMOS scores (the ``pesq``, ``pystoi`` and ``onnxruntime`` libraries through
:func:`hush.metrics.compute_metrics`, exactly as ``hush evaluate`` scores a file: an output with no signal gets the
metric's worst value). They are CPU-bound and slow next to a small model's step, so :class:`MetricWorkers` runs them
in worker processes, and :class:`ScoreQueue` hands a step's outputs to the workers and gives them back ``lag``
steps later with their scores: the training step goes on while they are scored, and the order in which results
arrive never matters, so a run is reproducible and resumes exactly (pending outputs travel in the checkpoint and
are scored again on resume).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from hush.errors import MissingExtraError
from hush.metrics import compute_metrics, dnsmos
from hush.metrics.degenerate import degenerate_output, worst_scores

RANGES: dict[str, tuple[float, float]] = {
    "pesq_wb": (1.0, 4.5),
    "pesq_nb": (1.0, 4.5),
    "stoi": (0.0, 1.0),
    "estoi": (0.0, 1.0),
    "si_sdr": (-10.0, 30.0),
    "dnsmos_sig": (1.0, 5.0),
    "dnsmos_bak": (1.0, 5.0),
    "dnsmos_ovrl": (1.0, 5.0),
}
"""The metrics a discriminator can learn and the range mapped onto [0, 1] (values outside are clipped)."""

NON_INTRUSIVE = frozenset({"dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl"})
"""Metrics that score the signal alone: clean speech does not reach the top of their range, so it is scored too."""


def normalise(metric: str, value: float) -> float:
    """``value`` of ``metric`` mapped to [0, 1]; NaN stays NaN."""
    lo, hi = RANGES[metric]
    return float(np.clip((value - lo) / (hi - lo), 0.0, 1.0)) if np.isfinite(value) else float("nan")


def score_pair(ref: np.ndarray, est: np.ndarray, sr: int, metrics: tuple[str, ...]) -> dict[str, float]:
    """Raw scores of one pair as ``hush evaluate`` computes them (NaN where a metric cannot score it).

    DNSMOS scores one 9.01 s window of the tiled clip, P.835 only (``hush evaluate`` averages every window of a short
    clip tiled past 9 s, which are nearly identical: within about 0.05 MOS, at a seventh of the cost)."""
    ref, est = np.asarray(ref, dtype=np.float64), np.asarray(est, dtype=np.float64)
    intrusive = [m for m in metrics if m not in NON_INTRUSIVE]
    try:
        out = compute_metrics(ref, est, sr, intrusive) if intrusive else {}
        if len(intrusive) < len(metrics):
            out.update(dnsmos(est, sr, max_windows=1, p808=False))
    except MissingExtraError:
        raise
    except Exception:  # a pair no metric can handle is left out, never a crashed run
        out = {}
    if degenerate_output(ref, est):
        out = worst_scores(out)
    return {m: float(out.get(m, float("nan"))) for m in metrics}


def _init_worker() -> None:
    torch.set_num_threads(1)


class MetricWorkers:
    """Scores pairs in ``workers`` processes, or in the calling process when ``workers`` is 0."""

    def __init__(self, sample_rate: int, workers: int = 0):
        self.sample_rate, self.workers = int(sample_rate), int(workers)
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, ref: np.ndarray, est: np.ndarray, metrics: tuple[str, ...]) -> Future:
        if self.workers <= 0:
            done: Future = Future()
            done.set_result(score_pair(ref, est, self.sample_rate, metrics))
            return done
        if self._pool is None:  # spawned, so the workers share no thread or lock state with the trainer
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                min(self.workers, os.cpu_count() or 1), mp_context=ctx, initializer=_init_worker
            )
        return self._pool.submit(score_pair, ref, est, self.sample_rate, metrics)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __del__(self) -> None:
        self.close()


@dataclass
class Entry:
    """One step's signals to score: ``ref`` ``(B, T)`` references, ``lengths`` ``(B,)`` valid samples per row, and
    named ``(B, T)`` signals with the metrics each is scored with. ``scores`` fills in ``(B, K)`` normalised
    values per signal (K metrics of the queue, NaN where a metric was not asked for or cannot score the row)."""

    ref: Tensor
    lengths: Tensor
    signals: dict[str, Tensor]
    wanted: dict[str, list[str]]
    scores: dict[str, Tensor] = field(default_factory=dict)

    def state(self) -> dict:
        return {"ref": self.ref, "lengths": self.lengths, "signals": self.signals, "wanted": self.wanted}


class ScoreQueue:
    """Entries on their way through the workers; :meth:`push` returns the entry pushed ``lag`` steps earlier with
    its scores (waiting for them if needed), or ``None`` while the queue fills."""

    def __init__(self, workers: MetricWorkers, metrics: list[str], lag: int = 0):
        self.workers, self.metrics, self.lag = workers, list(metrics), int(lag)
        self._queue: deque[tuple[Entry, dict[str, list[Future]]]] = deque()

    def _submit(self, entry: Entry) -> tuple[Entry, dict[str, list[Future]]]:
        futures = {}
        for name, wanted in entry.wanted.items():
            sig = entry.signals[name].detach().float().numpy()
            ref = entry.ref.detach().float().numpy()
            futures[name] = [
                self.workers.submit(ref[b, :n], sig[b, :n], tuple(wanted)) for b, n in enumerate(entry.lengths.tolist())
            ]
        return entry, futures

    def push(self, entry: Entry) -> Entry | None:
        self._queue.append(self._submit(entry))
        if len(self._queue) <= self.lag:
            return None
        done, futures = self._queue.popleft()
        for name, rows in futures.items():
            values = [[normalise(m, f.result().get(m, float("nan"))) if m in f.result() else float("nan")
                       for m in self.metrics] for f in rows]  # fmt: skip
            done.scores[name] = torch.tensor(values, dtype=torch.float32).reshape(len(rows), len(self.metrics))
        return done

    def state(self) -> list[dict]:
        """The pending entries (their signals, not their scores: those are computed again on resume)."""
        return [entry.state() for entry, _ in self._queue]

    def load_state(self, state: list[dict]) -> None:
        self._queue.clear()
        for s in state:
            self._queue.append(self._submit(Entry(s["ref"], s["lengths"], s["signals"], s["wanted"])))
