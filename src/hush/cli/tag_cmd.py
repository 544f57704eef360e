"""``hush tag FILES... [--top 5] [--json] [--timeline]``: what sounds a recording holds (AudioSet classes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser(
        "tag",
        help="name the sounds in recordings (AudioSet classes)",
        description="Print the most probable of the 527 AudioSet classes for each file, e.g. what the noise in a "
        "recording is. Uses the pretrained EfficientAT mn04_as tagger shipped with hush (32 kHz, 10 s windows).",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="FILE", help="audio files")
    p.add_argument("--top", type=int, default=5, help="classes to show per file or second (default 5)")
    p.add_argument("--timeline", action="store_true", help="also the top classes of each second")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    p.add_argument(
        "--tagger", type=Path, metavar="PATH", help="another copy of the mn04_as weights (default: the shipped file)"
    )
    p.set_defaults(func=run)


def _text(path: Path, result, timeline: bool) -> str:
    lines = [str(path)]
    lines += [f"  {t.probability:6.3f}  {t.name}" for t in result.tags]
    if timeline:
        for s, row in enumerate(result.timeline):
            lines.append(f"  {s:5d}s  " + ", ".join(f"{t.name} {t.probability:.2f}" for t in row))
    return "\n".join(lines)


def run(args) -> int:
    from hush.audio.io import read
    from hush.errors import HushError
    from hush.tagging import load_tagger, tag_array

    if args.top < 1:
        raise HushError(f"--top must be at least 1, got {args.top}")
    load_tagger(args.tagger)  # a bad weights file is one error before any input is read
    docs, errors = [], []
    for path in args.inputs:
        try:
            audio, sr = read(path)
            result = tag_array(audio, sr, args.top, args.timeline, args.tagger, source=path)
        except HushError as e:
            errors.append(str(e))
            print(f"hush: error: {e}", file=sys.stderr)
            continue
        if args.json:
            docs.append({"file": str(path), "seconds": round(audio.shape[-1] / sr, 3), **result.as_dict()})
        else:
            print(_text(path, result, args.timeline), flush=True)
    if args.json:
        print(json.dumps({"files": docs, "errors": errors}, indent=2))
    return 1 if errors else 0
