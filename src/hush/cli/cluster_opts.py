"""The ``--cluster`` options of ``hush enhance`` and ``hush evaluate``: the same work on Ray actors (hush[cluster])."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hush.errors import HushError

CLUSTER_HELP = (
    "run on Ray: 'auto' (the cluster of this machine, else a local Ray instance), 'local', ray://HOST:PORT "
    "(Ray Client) or HOST:PORT; inputs and outputs must be on storage every node sees at the same path"
)


def _common(g) -> None:
    g.add_argument("--cluster", metavar="ADDRESS", help=CLUSTER_HELP)
    g.add_argument("--actors", type=int, metavar="N", help="Ray actors (default: the cluster's CPUs / T)")
    g.add_argument("--threads-per-actor", type=int, default=1, metavar="T", help="CPUs and threads per actor (1)")
    g.add_argument(
        "--retries",
        type=int,
        default=3,
        metavar="N",
        help="a file whose worker dies is tried again up to N times, a dead worker replaced up to N times (3)",
    )


def add_enhance_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cluster (Ray, hush[cluster])")
    _common(g)
    g.add_argument(
        "--files-per-task",
        type=int,
        default=1,
        metavar="K",
        help="send files to the actors K at a time: less driver work per file, coarser balance (1)",
    )
    g.add_argument("--resume", action="store_true", help="continue the run in the manifest: skip the files done")
    g.add_argument("--manifest", type=Path, metavar="PATH", help="run manifest (default: OUTDIR/.hush-run.sqlite)")


def add_evaluate_arguments(p: argparse.ArgumentParser) -> None:
    _common(p.add_argument_group("cluster (Ray, hush[cluster])"))


def validate(args) -> None:
    """Check the cluster options; without ``--cluster`` refuse them, since they would be silently ignored."""
    if args.cluster:
        if args.actors is not None and args.actors < 1:
            raise HushError("--actors must be at least 1")
        if args.threads_per_actor < 1 or getattr(args, "files_per_task", 1) < 1 or args.retries < 0:
            raise HushError("--threads-per-actor and --files-per-task must be at least 1, --retries at least 0")
        return
    names = ("--actors", "--resume", "--manifest")
    given = [n for n in names if getattr(args, n[2:], None) not in (None, False)]
    if given:
        raise HushError(f"{', '.join(given)} applies with --cluster")


def enhance(args, method: str, options: dict, named: bool = False) -> int:
    """``hush enhance ... --cluster``: run, print each problem as it comes and one summary line."""
    from tqdm import tqdm

    from hush.cluster import enhance_on_cluster

    if named:
        raise HushError(f"--cluster writes into an output folder; -o {args.output} names one file")
    if getattr(args, "array", None) or getattr(args, "array_file", None) or getattr(args, "link_channels", False):
        raise HushError("--cluster does not run array methods (--array, --array-file, --link-channels)")
    file_options = {k: True for k in ("downmix", "keep_channels") if getattr(args, k, False)}

    def report(r) -> None:
        for w in r.warnings:
            tqdm.write(f"hush: warning: {r.src}: {w}", file=sys.stderr)
        if not r.ok:
            tqdm.write(f"hush: error: {r.error}", file=sys.stderr)

    s = enhance_on_cluster(
        args.inputs, args.output, method, options=options, backend=args.backend, suffix=args.suffix,
        recursive=args.recursive, overwrite=args.overwrite, resume=args.resume, manifest=args.manifest,
        cluster=args.cluster, actors=args.actors, threads_per_actor=args.threads_per_actor,
        files_per_task=args.files_per_task, file_options=file_options, retries=args.retries,
        progress=not args.quiet and sys.stderr.isatty(),
        report=report,
    )  # fmt: skip
    if not args.quiet:
        line = f"enhanced {s.files} file(s), {s.audio_seconds:.1f} s of audio, with {method} into {args.output}"
        line += f" on {s.where}" if s.files else ""
        line += f"; {s.skipped} done before" if s.skipped else ""
        line += f"; {len(s.failures)} failed" if s.failures else ""
        line += f"; {s.pending} pending (continue with --resume)" if s.pending else ""
        print(f"{line}; manifest {s.manifest}", file=sys.stderr)
    return 0 if s.ok else 1


def score(args, pairs, metrics, transcripts, progress: bool):
    """``hush evaluate ... --cluster``: the scores of :func:`hush.evaluation.score_pairs`, from Ray actors."""
    from hush.cluster import score_pairs_on_cluster

    return score_pairs_on_cluster(
        pairs, metrics, transcripts=transcripts, cluster=args.cluster, actors=args.actors,
        threads_per_actor=args.threads_per_actor, retries=args.retries, progress=progress,
    )  # fmt: skip
