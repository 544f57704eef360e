"""``hush enhance INPUT... -o OUTDIR``."""

from __future__ import annotations

import sys
from pathlib import Path

from hush.cli import cluster_opts
from hush.errors import HushError
from hush.methods import default_method


def add_parser(sub) -> None:
    p = sub.add_parser(
        "enhance",
        help="enhance audio files, folders or globs",
        description="Enhance audio files. Output names mirror input names under OUTDIR.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio files, folders or glob patterns")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR", help="output folder")
    p.add_argument(
        "-m", "--method", default=None, help="method name (see `hush list`) or model file; default: the bundled default"
    )
    p.add_argument(
        "--atten-lim-db",
        type=float,
        default=None,
        metavar="DB",
        help="suppress at most DB dB per time-frequency bin (> 0; default: no limit), e.g. 12 keeps "
        "some natural background",
    )
    p.add_argument(
        "--mix",
        type=float,
        default=None,
        metavar="M",
        help="dry/wet mix from 0 (input unchanged) to 1 (fully enhanced, the default): M*enhanced + (1-M)*input",
    )
    p.add_argument("--suffix", default="", help="appended to each output file's stem, e.g. _enh")
    p.add_argument("-r", "--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("-j", "--jobs", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--threads", type=int, default=1, help="threads per worker for torch/onnxruntime (default 1)")
    p.add_argument(
        "--backend",
        choices=["torch", "onnx"],
        default="torch",
        help="neural model runtime: torch (default) or onnx (onnxruntime; the model is exported once into "
        "a cache, or -m names an .onnx file)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    cluster_opts.add_enhance_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from tqdm import tqdm

    from hush.inference import enhance_jobs, expand_inputs, plan_jobs, with_backend
    from hush.methods import resolve
    from hush.threads import set_threads

    method = args.method or default_method()
    if args.output.exists() and not args.output.is_dir():
        raise HushError(f"{args.output}: exists and is not a folder (-o names the output folder)")
    set_threads(args.threads)
    options = {k: v for k, v in (("atten_lim_db", args.atten_lim_db), ("mix", args.mix)) if v is not None}
    # fail fast, once, on an unknown method or a bad option value; with onnx this also exports into the cache
    with_backend(resolve(method, **options), args.backend)
    cluster_opts.validate(args)
    if args.cluster:  # Ray actors, lazy listing, a resumable run manifest
        return cluster_opts.enhance(args, method, options)
    pairs, errors = expand_inputs(args.inputs, args.recursive)
    jobs, more = plan_jobs(pairs, args.output, args.suffix)
    errors += more
    for e in errors:
        print(f"hush: error: {e}", file=sys.stderr)

    def report(r) -> None:  # as each file finishes, above the progress bar
        for w in r.warnings:
            tqdm.write(f"hush: warning: {r.src}: {w}", file=sys.stderr)
        if not r.ok:
            tqdm.write(f"hush: error: {r.error}", file=sys.stderr)

    results = enhance_jobs(
        jobs,
        method,
        overwrite=args.overwrite,
        n_jobs=args.jobs,
        threads=args.threads,
        progress=not args.quiet and sys.stderr.isatty(),
        options=options,
        backend=args.backend,
        report=report,
    )
    errors += [r.error for r in results if not r.ok]
    n_ok = sum(r.ok for r in results)
    if not args.quiet:
        print(
            f"enhanced {n_ok} file(s) with {method} into {args.output}" + (f"; {len(errors)} failed" if errors else ""),
            file=sys.stderr,
        )
    return 1 if errors else 0
