"""Seed the DNSMOS score cache of ``hush data score`` from the scores the bundled models were trained with.

``recipes/common/speech_dnsmos.csv`` lists DNSMOS P.835 SIG/BAK/OVRL for every training speech file of the first
version of ../shared/data (4516 files, paths relative to that folder), as ``hush data score ... --windows 1 -j 2``
computed them (the first 1046 files, all of asterisk and the first klettres ones, with all DNSMOS windows: they were
scored before ``--windows`` existed). Scoring anew takes about 15 minutes on 2 cores and gives slightly different
scores for those files, and more so on the Opus re-encoding of the data's second version; seeding the cache makes
the filter keep exactly the same 2083 files. The listed files were FLAC; where one is gone, the score goes to the
file of the same name with the suffix ``.ogg`` (the second version's copy):

    python recipes/common/seed_scores.py data/shared-v1-scored.jsonl.cache --root ../shared/data
    hush data score data/shared-v1.jsonl -o data/shared-v1-scored.jsonl --windows 1 -j 2   # reads the seeded cache
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

SCORES = Path(__file__).with_name("speech_dnsmos.csv")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cache", type=Path, help="the score cache to write (hush data score's OUTPUT.cache)")
    ap.add_argument("--root", type=Path, required=True, help="the shared data folder the CSV's paths are under")
    args = ap.parse_args(argv)
    if args.cache.exists():
        raise SystemExit(f"{args.cache}: exists; remove it first (nothing was overwritten)")
    rel = os.path.relpath(args.root.resolve(), args.cache.parent.resolve())
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.cache.with_name(args.cache.name + ".tmp")
    n = 0
    with open(SCORES, newline="") as src, open(tmp, "w") as out:
        for row in csv.DictReader(src):
            scores = {k: float(row[k]) for k in ("dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")}
            path = row["path"]
            if not (args.root / path).exists() and (args.root / path).with_suffix(".ogg").exists():
                path = str(Path(path).with_suffix(".ogg"))
            out.write(json.dumps({"path": os.path.join(rel, path), "scores": scores}) + "\n")
            n += 1
    os.replace(tmp, args.cache)
    print(f"wrote {n} scores to {args.cache}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
