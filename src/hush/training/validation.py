"""A fixed validation set (never the dev set) and its scoring: loss and metrics (default PESQ-WB, ESTOI, SI-SDR)."""

from __future__ import annotations

import math

import numpy as np
import torch

from hush.metrics import compute_metrics

VALID_METRICS = ["pesq_wb", "estoi", "si_sdr"]


def materialize(dataset, n: int) -> list[dict]:
    """The first ``n`` items of a dataset at epoch 0, kept in memory as tensors."""
    if hasattr(dataset, "set_epoch"):
        dataset.set_epoch(0)
    return [dataset[i] for i in range(min(n, len(dataset)))]


@torch.no_grad()
def validate(
    model, task, items: list[dict], sr: int, batch_size: int = 8, metrics: list[str] | None = None
) -> dict[str, float]:
    """Mean validation loss and metrics of ``model`` on ``items``; NaN metric values are excluded from means."""
    metrics = list(VALID_METRICS if metrics is None else metrics)
    was_training = model.training
    model.eval()
    losses, rows = [], []
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        batch = {k: torch.stack([it[k] for it in chunk]) for k in chunk[0] if isinstance(chunk[0][k], torch.Tensor)}
        loss, _ = getattr(task, "validation_step", task.training_step)(model, batch)
        losses.append(float(loss) * len(chunk))
        out = model(batch["noisy"])["enhanced"].numpy()
        for j, it in enumerate(chunk):
            n = int(it["mask"].sum()) if "mask" in it else len(it["clean"])
            rows.append(
                compute_metrics(it["clean"].numpy()[:n].astype(np.float64), out[j, :n].astype(np.float64), sr, metrics)
            )
    model.train(was_training)
    result = {"loss": sum(losses) / max(len(items), 1)}
    for m in metrics:
        vals = [r[m] for r in rows if m in r and math.isfinite(r[m])]
        result[m] = float(np.mean(vals)) if vals else float("nan")
    return result


def score_inputs(items: list[dict], sr: int, metrics: list[str] | None = None) -> dict[str, float]:
    """The same metrics for the unprocessed noisy inputs: the reference point of a run's validation scores."""
    metrics = list(VALID_METRICS if metrics is None else metrics)
    rows = []
    for it in items:
        n = int(it["mask"].sum()) if "mask" in it else len(it["clean"])
        rows.append(
            compute_metrics(
                it["clean"].numpy()[:n].astype(np.float64), it["noisy"].numpy()[:n].astype(np.float64), sr, metrics
            )
        )
    return {m: float(np.nanmean([r.get(m, np.nan) for r in rows])) for m in metrics}


def score_for_selection(result: dict[str, float], metric: str) -> float:
    """Higher is better; the loss is negated; ``"a+b"`` is the sum of metrics a and b. Falls back to SI-SDR when
    a metric is unavailable."""
    if metric == "loss":
        return -result["loss"]
    v = sum(result.get(m, float("nan")) for m in metric.split("+"))
    if not math.isfinite(v):
        v = result.get("si_sdr", float("nan"))
    return v if math.isfinite(v) else -result["loss"]
