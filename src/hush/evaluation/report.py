"""Aggregation and presentation of scores: means, improvements, tables, JSON and CSV."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from hush.evaluation.scoring import Scored
from hush.metrics import AVAILABLE_METRICS, mean_metrics
from hush.metrics.asr import ASR_METRICS, COUNTS, pooled_rate
from hush.metrics.degenerate import WORST

# Table column order: the metric registry's own order.
ORDER = [*AVAILABLE_METRICS, *ASR_METRICS]


def summarize(scored: list[Scored]) -> dict:
    """The JSON document of ``hush evaluate``: means (NaN excluded), NaN counts, improvements and per-file rows."""
    ok = [s for s in scored if s.error is None]
    mean, nans = _pooled(mean_metrics([s.metrics for s in ok]), [s.metrics for s in ok])
    doc: dict = {
        "mean": mean,
        "nan_counts": {k: v for k, v in nans.items() if v},
        "n_files": len(ok),
        "n_failed": len(scored) - len(ok),
        "failed_outputs": {s.name: s.failure for s in ok if s.failure},
    }
    if ok and ok[0].noisy:
        noisy_mean, _ = _pooled(mean_metrics([s.noisy for s in ok]), [s.noisy for s in ok])
        doc["noisy_mean"] = noisy_mean
        doc["improvement"] = {k: mean[k] - noisy_mean[k] for k in mean if k in noisy_mean}
    files = []
    for s in scored:
        row: dict = {"file": s.name}
        if s.error:
            row["error"] = s.error
        if s.failure:
            row["failure"] = f"{s.failure} output"
        row.update(s.metrics)
        row.update({f"noisy_{k}": v for k, v in s.noisy.items()})
        files.append(row)
    doc["files"] = files
    return doc


def _pooled(summary: tuple[dict, dict], rows: list[dict]) -> tuple[dict, dict]:
    """Means with the recognizer's rates pooled over files (all errors over all reference words) and their counts
    left out."""
    mean, nans = summary
    for metric, counts in COUNTS.items():
        for k in counts:
            mean.pop(k, None)
            nans.pop(k, None)
        if metric in mean:
            mean[metric] = pooled_rate(rows, metric)
    return mean, nans


def _fmt(v: float) -> str:
    return "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def _ordered(keys) -> list[str]:
    return [k for k in ORDER if k in keys] + sorted(k for k in keys if k not in ORDER)


def format_table(doc: dict) -> str:
    """A plain-text table of means (and noisy means and improvements when present)."""
    keys = _ordered(doc["mean"].keys())
    failed = doc.get("failed_outputs", {})
    cols = ["metric", "enhanced"] + (["noisy", "improvement"] if "noisy_mean" in doc else []) + ["n_nan"]
    cols += ["n_silent"] if failed else []
    rows = []
    for k in keys:
        r = [k, _fmt(doc["mean"][k])]
        if "noisy_mean" in doc:
            r += [_fmt(doc["noisy_mean"].get(k)), _fmt(doc["improvement"].get(k))]
        r.append(str(doc["nan_counts"].get(k, 0)))
        if failed:  # outputs with no signal, counted with the metric's worst value
            r.append(str(len(failed) if k in WORST else 0))
        rows.append(r)
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(cols)]
    line = lambda r: "  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True)))  # noqa: E731
    return "\n".join([line(cols), line(["-" * w for w in widths])] + [line(r) for r in rows])


def format_per_file(doc: dict) -> str:
    keys = _ordered({k for f in doc["files"] for k in f if k not in ("file", "error")})
    lines = ["\t".join(["file", *keys])]
    for f in doc["files"]:
        lines.append(
            "\t".join([f["file"], *(_fmt(f.get(k)) for k in keys)]) + (f"\t{f['error']}" if "error" in f else "")
        )
    return "\n".join(lines)


def _clean_nan(o):
    if isinstance(o, float) and math.isnan(o):
        return None
    if isinstance(o, dict):
        return {k: _clean_nan(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_clean_nan(v) for v in o]
    return o


def write_json(doc: dict, path: Path) -> None:
    Path(path).write_text(json.dumps(_clean_nan(doc), indent=2) + "\n")


def write_csv(doc: dict, path: Path) -> None:
    keys = ["file", *_ordered({k for f in doc["files"] for k in f if k != "file"})]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for f in doc["files"]:
            w.writerow({k: f.get(k, "") for k in keys})
