"""``hush evaluate --clean DIR --enhanced DIR``."""

from __future__ import annotations

import sys
from pathlib import Path

from hush.cli import cluster_opts


def add_parser(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score enhanced files against clean references",
        description="Pair files by name, resample to the clean file's rate, and score them.",
    )
    p.add_argument("--clean", required=True, type=Path, help="folder of clean reference files")
    p.add_argument("--enhanced", required=True, type=Path, help="folder of enhanced files")
    p.add_argument("--noisy", type=Path, help="folder of noisy inputs: also report improvements over them")
    p.add_argument("--suffix", default="", help="suffix of enhanced file stems (as given to hush enhance)")
    p.add_argument("--metrics", help="comma-separated subset of metrics (default: all available)")
    p.add_argument(
        "--asr",
        type=Path,
        metavar="TRANSCRIPTS",
        help="also run a speech recognizer (PocketSphinx, English; hush[asr]) and report WER and CER per file and "
        "pooled; TRANSCRIPTS has lines '<id> <words>', id = the file's stem or its end after the last '_'",
    )
    p.add_argument("-j", "--jobs", type=int, default=1, help="parallel worker processes")
    p.add_argument("--json", type=Path, help="write means and per-file scores as JSON")
    p.add_argument("--csv", type=Path, help="write per-file scores as CSV")
    p.add_argument("--per-file", action="store_true", help="print per-file scores too")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit non-zero when an enhanced file is silent or constant where its clean reference has speech "
        "(such files are always scored with each metric's worst value and reported in one warning line)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    cluster_opts.add_evaluate_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from hush.evaluation import (
        format_per_file,
        format_table,
        pair_folders,
        score_pairs,
        summarize,
        write_csv,
        write_json,
    )

    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
    transcripts = None
    if args.asr:
        from hush.metrics.asr import read_transcripts

        transcripts = read_transcripts(args.asr)
    pairs, problems = pair_folders(args.clean, args.enhanced, args.noisy, args.suffix)
    progress = not args.quiet and sys.stderr.isatty()
    cluster_opts.validate(args)
    if args.cluster:  # the same scores from Ray actors, in the same order
        scored = cluster_opts.score(args, pairs, metrics, transcripts, progress)
    else:
        scored = score_pairs(pairs, metrics, jobs=args.jobs, progress=progress, transcripts=transcripts)
    doc = summarize(scored)
    for s in scored:
        for w in s.warnings:
            print(f"hush: warning: {w}", file=sys.stderr)
    failed = doc["failed_outputs"]
    if failed:
        names = ", ".join(list(failed)[:5]) + (", ..." if len(failed) > 5 else "")
        print(
            f"hush: warning: {len(failed)} of {doc['n_files']} enhanced file(s) are silent or constant where the "
            f"clean reference has speech ({names}): scored with each metric's worst value",
            file=sys.stderr,
        )
    errors = problems + [s.error for s in scored if s.error]
    if args.per_file:
        print(format_per_file(doc))
        print()
    print(format_table(doc))
    print(f"{doc['n_files']} file(s) scored" + (f", {len(errors)} problem(s)" if errors else ""))
    if args.json:
        write_json(doc, args.json)
    if args.csv:
        write_csv(doc, args.csv)
    for e in errors:
        print(f"hush: error: {e}", file=sys.stderr)
    return 1 if errors or (args.strict and failed) else 0
