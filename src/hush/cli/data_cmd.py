"""``hush data``: prepare, corpora, score (DNSMOS of manifest records), filter (on the scores) and clean-targets."""

from __future__ import annotations

import inspect
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "data",
        help="prepare corpus manifests",
        description="Corpus preparation: turn a corpus folder in its official layout into a manifest.",
    )
    dsub = p.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)

    pp = dsub.add_parser(
        "prepare",
        help="write a manifest for a corpus folder",
        description="Scan ROOT, laid out as CORPUS's official distribution, and write one JSON record per file or "
        "clean/noisy pair to MANIFEST. No audio is written or converted.",
    )
    pp.add_argument("corpus", metavar="CORPUS", help="corpus recipe name (see `hush data corpora`)")
    pp.add_argument("root", type=Path, metavar="ROOT", help="the corpus folder")
    pp.add_argument("-o", "--output", required=True, type=Path, metavar="MANIFEST", help="manifest file (.jsonl)")
    pp.add_argument(
        "--resample",
        type=int,
        metavar="SR",
        help="record SR as each record's target rate (extra.resample_to); needed for NOIZEUS at 16 kHz",
    )
    pp.add_argument(
        "--target-sr",
        type=int,
        metavar="SR",
        help="the rate you will train at; recipes refuse corpora that would need unrequested resampling",
    )
    pp.add_argument("--split", metavar="NAME", help="keep only records of this split (e.g. train, test, dev-clean)")
    pp.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="recipe option, repeatable (see `hush data corpora`)",
    )
    pp.set_defaults(func=run)

    pc = dsub.add_parser("corpora", help="list the corpus recipes and their options")
    pc.set_defaults(func=run)

    ps = dsub.add_parser(
        "score",
        help="add DNSMOS SIG/BAK/OVRL of each record to a manifest",
        description="Score the records of one kind of MANIFEST with DNSMOS P.835 (extra `hush[metrics]`) and write "
        "the manifest with the scores in each record's extra (dnsmos_sig, dnsmos_bak, dnsmos_ovrl). "
        "Scores are cached as they come (OUTPUT.cache, or --cache), so an interrupted run resumes.",
    )
    ps.add_argument("manifest", type=Path, metavar="MANIFEST")
    ps.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="scored manifest (.jsonl)")
    ps.add_argument("--kind", default="speech", help="record kind to score (default: speech)")
    ps.add_argument("--cache", type=Path, help="score cache (default: OUT with .cache appended)")
    ps.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default: 1)")
    ps.add_argument(
        "--windows",
        type=int,
        default=None,
        metavar="N",
        help="score at most N evenly spaced 9 s DNSMOS windows per file (faster; default: all, as speechmos does)",
    )
    ps.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ps.set_defaults(func=run)

    pf = dsub.add_parser(
        "filter",
        help="keep the records whose scores pass thresholds",
        description="Keep the records of one kind whose scores (from `hush data score`) are all at least the "
        "given minimums, as the DNS Challenge does for its clean speech; other kinds are kept.",
    )
    pf.add_argument("manifest", type=Path, metavar="MANIFEST")
    pf.add_argument("-o", "--output", required=True, type=Path, metavar="OUT", help="filtered manifest (.jsonl)")
    pf.add_argument(
        "--min",
        action="append",
        default=[],
        metavar="SCORE=VALUE",
        dest="minimum",
        help="minimum score, repeatable (e.g. --min dnsmos_sig=3.2 --min dnsmos_bak=3.5)",
    )
    pf.add_argument("--kind", default="speech", help="record kind to filter (default: speech)")
    pf.set_defaults(func=run)

    pt = dsub.add_parser(
        "clean-targets",
        help="write cleaned copies of the speech as training targets",
        description="Enhance every record of one kind of MANIFEST once with METHOD (default mmse-lsa: removes the "
        "recording's own stationary background) into DIR, and write the manifest with each record's target_path "
        "set. Training then mixes noise into the original recording and learns to output the cleaned copy. "
        "Files already in DIR are reused, so an interrupted run resumes.",
    )
    pt.add_argument("manifest", type=Path, metavar="MANIFEST")
    pt.add_argument(
        "-o", "--output", required=True, type=Path, metavar="OUT", help="manifest with target_path (.jsonl)"
    )
    pt.add_argument("--dir", required=True, type=Path, metavar="DIR", help="folder for the cleaned files")
    pt.add_argument("-m", "--method", default="mmse-lsa", help="enhancement method (default: mmse-lsa)")
    pt.add_argument(
        "--root",
        type=Path,
        metavar="ROOT",
        help="the files are named after their path relative to ROOT (default: the folder common to all of them)",
    )
    pt.add_argument("--kind", default="speech", help="record kind to clean (default: speech)")
    pt.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default: 1)")
    pt.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    pt.set_defaults(func=run)


def run(args) -> int:
    if args.data_command == "corpora":
        return _corpora()
    if args.data_command == "score":
        return _score(args)
    if args.data_command == "filter":
        return _filter(args)
    if args.data_command == "clean-targets":
        return _clean_targets(args)
    return _prepare(args)


def _read(path: Path):
    from hush.data.manifest import read_manifest
    from hush.errors import HushError

    if not path.is_file():
        raise HushError(f"{path}: manifest not found")
    return read_manifest(path)


def _score(args) -> int:
    import sys
    from functools import partial

    from hush.data.curation.quality_scores import dnsmos_of_file, score_records, score_summary
    from hush.data.manifest import write_manifest
    from hush.errors import HushError

    records = _read(args.manifest)
    cache = args.cache or args.output.with_name(args.output.name + ".cache")
    if args.jobs < 1:
        raise HushError(f"--jobs must be at least 1, got {args.jobs}")
    if args.windows is not None and args.windows < 1:
        raise HushError(f"--windows must be at least 1, got {args.windows}")
    scorer = partial(dnsmos_of_file, max_windows=args.windows)
    scored = score_records(
        records, cache, kind=args.kind, scorer=scorer, jobs=args.jobs, progress=not args.quiet and sys.stderr.isatty()
    )
    write_manifest(scored, args.output)
    print(f"wrote {args.output}\n{score_summary(scored, args.kind)}")
    return 0


def _filter(args) -> int:
    from hush.data.curation.quality_scores import filter_records, parse_thresholds
    from hush.data.manifest import write_manifest
    from hush.errors import HushError

    minimum = parse_thresholds(args.minimum)
    if not minimum:
        raise HushError("give at least one --min SCORE=VALUE")
    records = _read(args.manifest)
    kept = filter_records(records, minimum, kind=args.kind)
    before = sum(r.kind == args.kind for r in records)
    after = sum(r.kind == args.kind for r in kept)
    hours = sum(r.duration or 0.0 for r in kept if r.kind == args.kind) / 3600
    write_manifest(kept, args.output)
    print(f"wrote {args.output}: kept {after} of {before} {args.kind} records ({hours:.2f} h)")
    return 0


def _clean_targets(args) -> int:
    import os
    import sys

    from hush.data.curation.targets import clean_targets
    from hush.data.manifest import write_manifest
    from hush.errors import HushError

    if args.jobs < 1:
        raise HushError(f"--jobs must be at least 1, got {args.jobs}")
    records = _read(args.manifest)
    paths = [os.path.abspath(r.path) for r in records if r.kind == args.kind]
    if not paths:
        raise HushError(f"{args.manifest}: no {args.kind} records")
    root = args.root or os.path.commonpath([os.path.dirname(p) for p in paths])
    out = clean_targets(
        records, args.dir, root, method=args.method, kind=args.kind, jobs=args.jobs,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    write_manifest(out, args.output)
    print(f"wrote {args.output}: {len(paths)} {args.kind} records with a cleaned target ({args.method}) in {args.dir}")
    return 0


def _prepare(args) -> int:
    from hush.data import prepare
    from hush.data.manifest import write_manifest

    corpus = prepare.get(args.corpus)
    options = prepare.parse_options(corpus, args.option)
    records = prepare.prepare_corpus(
        corpus.name, args.root, split=args.split, resample=args.resample, target_sr=args.target_sr, **options
    )
    write_manifest(records, args.output)
    print(f"{corpus.name}: wrote {args.output}: {prepare.summarize(records)}")
    return 0


def _corpora() -> int:
    from hush.data import prepare

    rows = {name: prepare.get(name) for name in prepare.names()}
    width = max(len(n) for n in rows)
    for name, c in rows.items():
        opts = ", ".join(f"{k}={_show(p.default)}" for k, p in c.options().items())
        print(f"{name.ljust(width)}  {c.description}" + (f" [options: {opts}]" if opts else ""))
    return 0


def _show(default) -> str:
    if default is inspect.Parameter.empty:
        return "?"
    if isinstance(default, bool):
        return str(default).lower()
    return str(default) if default != "" else '""'
