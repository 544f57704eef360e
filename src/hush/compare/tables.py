"""Tables of a comparison: means per system, per condition, and paired-bootstrap differences."""

from __future__ import annotations

import math

import numpy as np

from hush.compare.bootstrap import Interval, paired_bootstrap, paired_bootstrap_ratio
from hush.compare.runner import SystemRun
from hush.errors import HushError
from hush.metrics.asr import COUNTS, pooled_rate

LABELS = {
    "pesq_wb": "PESQ-WB",
    "pesq_nb": "PESQ-NB",
    "stoi": "STOI",
    "estoi": "ESTOI",
    "si_sdr": "SI-SDR",
    "dnsmos_sig": "SIG",
    "dnsmos_bak": "BAK",
    "dnsmos_ovrl": "OVRL",
    "dnsmos_p808": "P808",
    "wer": "WER",
    "cer": "CER",
    "rtf": "RTF",
}


def _mean(vals) -> float:
    v = np.asarray([x for x in vals if x is not None and math.isfinite(x)], dtype=np.float64)
    return float(v.mean()) if len(v) else float("nan")


def means(run: SystemRun, metrics: list[str], select: list[bool] | None = None) -> dict[str, float]:
    rows = [s for i, s in enumerate(run.scores) if select is None or select[i]]
    return {m: pooled_rate(rows, m) if m in COUNTS else _mean(r.get(m) for r in rows) for m in metrics}


def _pooled_difference(a: list[dict], b: list[dict], metric: str, seed: int) -> Interval:
    """Paired bootstrap of a pooled rate (errors over reference length) of ``a`` minus ``b``, resampling files."""
    err, length = COUNTS[metric]
    nan = float("nan")
    return paired_bootstrap_ratio(
        [r.get(err, nan) for r in a], [r.get(err, nan) for r in b], [r.get(length, nan) for r in a], seed=seed
    )


def differences(runs: list[SystemRun], metrics: list[str], baseline: str, seed: int = 0) -> dict:
    """``{system: {metric: Interval}}`` of system minus baseline, for every system but the baseline."""
    base = next(r for r in runs if r.name == baseline)
    out = {}
    for r in runs:
        if r is base:
            continue
        out[r.name] = {
            m: _pooled_difference(r.scores, base.scores, m, seed)
            if m in COUNTS
            else paired_bootstrap([s[m] for s in r.scores], [s[m] for s in base.scores], seed=seed)
            for m in metrics
        }
    return out


def _fmt(v: float, m: str) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v:.4f}" if m == "rtf" else f"{v:.2f}" if m in ("si_sdr",) else f"{v:.3f}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def means_table(runs: list[SystemRun], metrics: list[str], select: list[bool] | None = None) -> str:
    header = ["system"] + [LABELS.get(m, m) for m in metrics] + ["RTF"]
    rows = []
    for r in runs:
        mm = means(r, metrics, select)
        rows.append([r.name] + [_fmt(mm[m], m) for m in metrics] + [_fmt(r.rtf, "rtf") if r.seconds else "–"])
    return markdown_table(header, rows)


def differences_table(diffs: dict[str, dict[str, Interval]], metrics: list[str], baseline: str) -> str:
    header = [f"system − {baseline}"] + [LABELS.get(m, m) for m in metrics]
    rows = [[name] + [str(d[m]) if d[m].n else "–" for m in metrics] for name, d in diffs.items()]
    return markdown_table(header, rows)


def condition_tables(runs: list[SystemRun], metrics: list[str], conditions: list[str]) -> dict[str, str]:
    def key(c):
        try:
            return (0, float(c))
        except ValueError:
            return (1, c)

    out = {}
    for cond in sorted(set(conditions), key=key):
        sel = [c == cond for c in conditions]
        out[cond] = means_table(runs, metrics, sel)
    return out


def _stored(metrics: list[str], row: dict) -> list[str]:
    """The metrics and, for pooled rates, the counts behind them that a row has."""
    return [*metrics, *(k for m in metrics if m in COUNTS for k in COUNTS[m] if k in row)]


def to_json(
    runs: list[SystemRun], metrics: list[str], diffs: dict, conditions: list[str] | None, names: list[str]
) -> dict:
    def clean(v):
        return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v

    doc = {"systems": {}, "baseline_differences": {}, "files": names}
    for r in runs:
        doc["systems"][r.name] = {
            "mean": {m: clean(v) for m, v in means(r, metrics).items()},
            "rtf": clean(r.rtf) if r.seconds else None,
            "per_file": [{k: clean(s.get(k)) for k in _stored(metrics, s)} for s in r.scores],
            "errors": r.errors,
        }
        if conditions:
            doc["systems"][r.name]["conditions"] = {
                c: {m: clean(v) for m, v in means(r, metrics, [x == c for x in conditions]).items()}
                for c in sorted(set(conditions))
            }
    for name, d in diffs.items():
        doc["baseline_differences"][name] = {
            m: {"mean": clean(i.mean), "low": clean(i.low), "high": clean(i.high), "n": i.n} for m, i in d.items()
        }
    if conditions:
        doc["conditions"] = conditions
    return doc


def from_json(doc: dict, names: list[str], metrics: list[str], skip: set[str] = frozenset()) -> list[SystemRun]:
    """The systems of a :func:`to_json` document (except ``skip``) as runs with their stored per-file scores and
    RTF, for re-using peer scores next to new systems. ``names`` must be the document's files, in order."""
    if doc.get("files") != names:
        raise HushError("the reused comparison was made on other files (or in another order)")
    runs = []
    for name, sysdoc in doc.get("systems", {}).items():
        if name in skip:
            continue
        missing = [m for m in metrics if any(m not in f for f in sysdoc["per_file"])]
        if missing:
            raise HushError(f"the reused comparison has no {', '.join(missing)} scores for {name!r}")
        scores = [{k: math.nan if v is None else float(v) for k, v in f.items()} for f in sysdoc["per_file"]]
        rtf = sysdoc.get("rtf")
        runs.append(
            SystemRun(
                name,
                scores,
                seconds=float(rtf) if rtf else 0.0,
                audio_seconds=1.0,
                errors=list(sysdoc.get("errors", [])),
            )
        )
    return runs
