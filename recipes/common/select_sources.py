"""Keep the speech of some source corpora in a manifest of the shared data (every other record stays).

    python recipes/common/select_sources.py data/shared.jsonl -o data/shared-v1.jsonl \\
        --speech speechocean762,asterisk,tuxpaint,ktuberling,klettres

The shipped `default` and `hq` (v1) were trained on the first version of ../shared/data, whose training speech was
these five corpora (4516 files); its second version adds six more. Selecting them gives the v1 recipes the same
speech files (re-encoded as Opus in the second version, see ../shared/data/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--speech", required=True, help="comma-separated source corpora (record extra.source) to keep")
    args = ap.parse_args(argv)
    keep = set(args.speech.split(","))
    n_in = n_out = 0
    tmp = args.output.with_name(args.output.name + ".part")
    with open(args.manifest) as src, open(tmp, "w") as out:
        for line in src:
            rec = json.loads(line)
            n_in += 1
            if rec.get("kind") == "speech" and (rec.get("extra") or {}).get("source") not in keep:
                continue
            out.write(line)
            n_out += 1
    os.replace(tmp, args.output)
    print(f"kept {n_out} of {n_in} records in {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
