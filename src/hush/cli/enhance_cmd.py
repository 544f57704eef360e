"""``hush enhance INPUT... -o OUTDIR`` and ``hush enhance IN.wav -o OUT.wav``."""

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
        description="Enhance audio files. Output names mirror input names under OUTDIR; one input file with -o "
        "naming an audio file (out.wav) writes that file.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio files, folders or glob patterns")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT",
        help="output folder, or an output file name with an audio extension (out.wav) for one input file",
    )
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
    p.add_argument(
        "--downmix",
        action="store_true",
        help="enhance the mean of the channels once (one speaker recorded in stereo) and write it mono",
    )
    p.add_argument(
        "--keep-channels",
        action="store_true",
        help="with --downmix: copy the enhanced mix into every channel of the input instead of writing mono",
    )
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
    arr = p.add_argument_group("microphone arrays")
    arr.add_argument(
        "--array",
        default=None,
        metavar="SPEC",
        help="array geometry for methods that need one (delay-and-sum): linear:N:SPACING_M, circular:N:RADIUS_M, "
        "binaural, or a geometry .json file",
    )
    arr.add_argument("--array-file", type=Path, default=None, metavar="JSON", help="array geometry file")
    arr.add_argument(
        "--link-channels",
        action="store_true",
        help="one common gain for all channels (keeps stereo and binaural level and time differences)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    cluster_opts.add_enhance_arguments(p)
    p.set_defaults(func=run)


def array_method(method, args):
    """``method`` with the array geometry and channel linking the arguments ask for."""
    from hush.methods.multichannel import is_multichannel
    from hush.multichannel import link_channels, parse_array, read_array_file

    if args.array is not None and args.array_file is not None:
        raise HushError("give --array or --array-file, not both")
    geometry = read_array_file(args.array_file) if args.array_file else parse_array(args.array) if args.array else None
    if args.link_channels:
        if is_multichannel(method):
            raise HushError(f"--link-channels applies to single-channel methods; {method.name} already takes the array")
        method = link_channels(method)
    if geometry is not None and is_multichannel(method):
        method.geometry = geometry
    return method


def run(args) -> int:
    from tqdm import tqdm

    from hush.audio.io import AUDIO_EXTENSIONS
    from hush.inference import Job, enhance_jobs, expand_inputs, plan_jobs, with_backend
    from hush.methods import resolve
    from hush.threads import set_threads

    method = args.method or default_method()
    named = args.output.suffix.lower() in AUDIO_EXTENSIONS and not args.output.is_dir()
    if not named and args.output.exists() and not args.output.is_dir():
        raise HushError(f"{args.output}: exists and is not a folder (-o names the output folder or an audio file)")
    if args.keep_channels and not args.downmix:
        raise HushError("--keep-channels applies with --downmix")
    if named and args.suffix:
        raise HushError(f"--suffix applies to output folders; -o {args.output} names the output file itself")
    set_threads(args.threads)
    options = {k: v for k, v in (("atten_lim_db", args.atten_lim_db), ("mix", args.mix)) if v is not None}
    # fail fast, once, on an unknown method or a bad option value; with onnx this also exports into the cache
    enh = with_backend(resolve(method, **options), args.backend)
    cluster_opts.validate(args)
    if args.cluster:  # Ray actors, lazy listing, a resumable run manifest
        return cluster_opts.enhance(args, method, options, named)
    if args.array or args.array_file or args.link_channels:  # the configured method object goes to the workers
        method, options = array_method(enh, args), {}
    pairs, errors = expand_inputs(args.inputs, args.recursive, exclude=None if named else args.output)
    if named:
        if len(pairs) > 1:
            raise HushError(
                f"-o {args.output} names one output file, but the inputs hold {len(pairs)} files; "
                "give an output folder instead"
            )
        jobs, more = [Job(src, args.output) for src, _ in pairs], []
    else:
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
        downmix=args.downmix,
        keep_channels=args.keep_channels,
    )
    errors += [r.error for r in results if not r.ok]
    n_ok = sum(r.ok for r in results)
    if not args.quiet:
        print(
            f"enhanced {n_ok} file(s) with {getattr(method, 'name', method)} into {args.output}"
            + (f"; {len(errors)} failed" if errors else ""),
            file=sys.stderr,
        )
    return 1 if errors else 0
