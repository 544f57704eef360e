"""``hush enhance INPUT... -o OUTDIR``."""

from __future__ import annotations

import sys
from pathlib import Path

from hush.api import default_method


def add_parser(sub) -> None:
    p = sub.add_parser("enhance", help="enhance audio files, folders or globs",
                       description="Enhance audio files. Output names mirror input names under OUTDIR.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio files, folders or glob patterns")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR", help="output folder")
    p.add_argument("-m", "--method", default=None,
                   help="method name (see `hush list`) or model file; default: the bundled default")
    p.add_argument("--suffix", default="", help="appended to each output file's stem, e.g. _enh")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("-j", "--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--threads", type=int, default=1, help="threads per worker for torch/onnxruntime (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from hush.inference.batch import enhance_jobs, expand_inputs, plan_jobs
    from hush.methods import resolve
    from hush.runtime import set_threads

    method = args.method or default_method()
    set_threads(args.threads)
    resolve(method)  # fail fast, once, on an unknown method
    pairs, errors = expand_inputs(args.inputs, args.recursive)
    jobs, more = plan_jobs(pairs, args.output, args.suffix)
    errors += more
    results = enhance_jobs(jobs, method, overwrite=args.overwrite, n_jobs=args.jobs, threads=args.threads,
                           progress=not args.quiet and sys.stderr.isatty())
    for r in results:
        for w in r.warnings:
            print(f"hush: warning: {r.src}: {w}", file=sys.stderr)
        if not r.ok:
            errors.append(r.error)
    for e in errors:
        print(f"hush: error: {e}", file=sys.stderr)
    n_ok = sum(r.ok for r in results)
    if not args.quiet:
        print(f"enhanced {n_ok} file(s) with {method} into {args.output}"
              + (f"; {len(errors)} failed" if errors else ""), file=sys.stderr)
    return 1 if errors else 0
