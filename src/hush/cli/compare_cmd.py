"""``hush compare``: enhance a noisy set with several systems and score them side by side."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="compare methods and peer systems on a clean/noisy set",
        description="Enhance the noisy files with each system, score them, and print one table "
        "with paired-bootstrap 95%% intervals of the differences.",
    )
    p.add_argument("--clean", required=True, type=Path, help="folder of clean references")
    p.add_argument("--noisy", required=True, type=Path, help="folder of noisy inputs (same names)")
    p.add_argument(
        "--systems",
        required=True,
        help="comma-separated hush methods, model files or peers (rnnoise, deepfilternet3, nsnet2, gtcrn, "
        "noisereduce); a method's own options stay with it (default:atten_lim_db=9,mix=0.7,rnnoise is two systems)",
    )
    p.add_argument("--threads", type=int, default=1, help="threads for torch and onnxruntime (default 1)")
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes for scoring (after each system's timed enhancement; default: all cores)",
    )
    p.add_argument("--baseline", default="noisy", help="system the differences are taken against")
    p.add_argument("--meta", type=Path, help="CSV with columns file and snr_db (default: NOISY/../meta.csv)")
    p.add_argument("--group", help="regex on file names whose first group names the condition")
    p.add_argument("--metrics", help="comma-separated metrics (default: PESQ-WB/NB, STOI, ESTOI, SI-SDR, DNSMOS)")
    p.add_argument(
        "--asr",
        type=Path,
        metavar="TRANSCRIPTS",
        help="add the WER and CER of a speech recognizer (PocketSphinx, English; hush[asr]), pooled over files; "
        "TRANSCRIPTS has lines '<id> <words>', id = the file's stem or its end after the last '_'",
    )
    p.add_argument("--json", type=Path, help="write all scores and intervals as JSON")
    p.add_argument(
        "--reuse",
        type=Path,
        metavar="JSON",
        help="add every system of an earlier --json on the same files that is not in --systems, "
        "with its stored scores and RTF (e.g. the peers, to score only a new model)",
    )
    p.add_argument("--markdown", type=Path, help="write the tables as Markdown")
    p.add_argument("--out", type=Path, help="keep the enhanced files under OUT/<system>/")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def render(runs, metrics, diffs, conditions, baseline: str, column: str = "snr_db") -> str:
    from hush.compare import condition_tables, differences_table, means_table

    parts = [
        "### All files",
        "",
        means_table(runs, metrics),
        "",
        f"Differences against `{baseline}`: mean [95% paired-bootstrap interval]",
        "",
        differences_table(diffs, metrics, baseline),
    ]
    if conditions:
        for cond, table in condition_tables(runs, metrics, conditions).items():
            parts += ["", f"### {column} = {cond}" if column else f"### {cond}", "", table]
    return "\n".join(parts) + "\n"


def split_systems(text: str) -> list[str]:
    """Comma-separated systems, where a ``key=value`` piece continues the method spec before it."""
    systems: list[str] = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        if systems and "=" in piece and ":" not in piece.split("=", 1)[0] and ":" in systems[-1]:
            systems[-1] += "," + piece
        else:
            systems.append(piece)
    return systems


def run(args) -> int:
    from hush.compare import COMPARE_METRICS, NOISY, differences, from_json, load_conditions, run_compare, to_json
    from hush.errors import HushError

    systems = split_systems(args.systems)
    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else COMPARE_METRICS
    if args.baseline not in ["noisy", *systems]:
        raise HushError(f"--baseline {args.baseline!r} is neither 'noisy' nor one of --systems")
    meta = args.meta or (args.noisy.parent / "meta.csv")
    reused_doc = None
    if args.reuse:
        try:
            reused_doc = json.loads(args.reuse.read_text())
        except (OSError, ValueError) as e:
            raise HushError(f"{args.reuse}: cannot read the comparison to reuse: {e}") from None
    transcripts = None
    if args.asr:
        from hush.metrics.asr import ASR_METRICS, read_transcripts

        transcripts = read_transcripts(args.asr)
        metrics = [*metrics, *(m for m in ASR_METRICS if m not in metrics)]
    pairs, runs = run_compare(
        args.clean,
        args.noisy,
        systems,
        args.threads,
        metrics,
        args.out,
        progress=not args.quiet and sys.stderr.isatty(),
        jobs=args.jobs,
        transcripts=transcripts,
    )
    note = ""
    if reused_doc is not None:
        reused = from_json(reused_doc, [p.name for p in pairs], metrics, skip={NOISY, *systems})
        runs += reused
        note = (
            f"Reused from {args.reuse} (scores and RTF of that run): {', '.join(r.name for r in reused) or 'none'}.\n\n"
        )
    conditions = load_conditions(pairs, meta if meta.exists() else None, args.group)
    diffs = differences(runs, metrics, args.baseline)
    text = note + render(runs, metrics, diffs, conditions, args.baseline, "" if args.group else "snr_db")
    print(text)
    print(f"{len(pairs)} files, {args.threads} thread(s); RTF = processing time / audio duration")
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        args.json.write_text(
            json.dumps(to_json(runs, metrics, diffs, conditions, [p.name for p in pairs]), indent=2) + "\n"
        )
    errors = [e for r in runs for e in r.errors]
    for e in errors:
        print(f"hush: error: {e}", file=sys.stderr)
    return 1 if errors else 0
