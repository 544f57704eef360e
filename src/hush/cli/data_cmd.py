"""``hush data prepare CORPUS ROOT -o manifest.jsonl`` and ``hush data corpora``."""

from __future__ import annotations

import inspect
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="prepare corpus manifests",
                       description="Corpus preparation: turn a corpus folder in its official layout into a manifest.")
    dsub = p.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)

    pp = dsub.add_parser(
        "prepare", help="write a manifest for a corpus folder",
        description="Scan ROOT, laid out as CORPUS's official distribution, and write one JSON record per file or "
                    "clean/noisy pair to MANIFEST. No audio is written or converted.")
    pp.add_argument("corpus", metavar="CORPUS", help="corpus recipe name (see `hush data corpora`)")
    pp.add_argument("root", type=Path, metavar="ROOT", help="the corpus folder")
    pp.add_argument("-o", "--output", required=True, type=Path, metavar="MANIFEST", help="manifest file (.jsonl)")
    pp.add_argument("--resample", type=int, metavar="SR",
                    help="record SR as each record's target rate (extra.resample_to); needed for NOIZEUS at 16 kHz")
    pp.add_argument("--target-sr", type=int, metavar="SR",
                    help="the rate you will train at; recipes refuse corpora that would need unrequested resampling")
    pp.add_argument("--split", metavar="NAME", help="keep only records of this split (e.g. train, test, dev-clean)")
    pp.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                    help="recipe option, repeatable (see `hush data corpora`)")
    pp.set_defaults(func=run)

    pc = dsub.add_parser("corpora", help="list the corpus recipes and their options")
    pc.set_defaults(func=run)


def run(args) -> int:
    if args.data_command == "corpora":
        return _corpora()
    return _prepare(args)


def _prepare(args) -> int:
    from hush.data.manifest import write_manifest
    from hush.data.prepare import get_corpus, parse_options, prepare_corpus, summarize

    corpus = get_corpus(args.corpus)
    options = parse_options(corpus, args.option)
    records = prepare_corpus(corpus.name, args.root, split=args.split, resample=args.resample,
                             target_sr=args.target_sr, **options)
    write_manifest(records, args.output)
    print(f"{corpus.name}: wrote {args.output}: {summarize(records)}")
    return 0


def _corpora() -> int:
    from hush.data.prepare import corpora

    rows = corpora()
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
