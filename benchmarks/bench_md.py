"""Replace one marked section of BENCHMARKS.md, keeping the others (used by every benchmark script)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nEvery table below was written by the script named in its section, with the command shown.\n"


def update_section(name: str, body: str, path: Path = BENCHMARKS) -> None:
    text = path.read_text() if path.exists() else HEADER
    start, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":  # python benchmarks/bench_md.py NAME < body.md
    update_section(sys.argv[1], sys.stdin.read())
