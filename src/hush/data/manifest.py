"""Manifests: one JSON record per line describing an audio file of a corpus (lhotse-style, minimal)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from hush.errors import HushError, os_problem

KINDS = ("speech", "noise", "rir", "pair")


@dataclass
class Record:
    """One audio file. ``pair`` records hold a clean ``path`` and its ``noisy_path``.

    ``target_path`` (speech records, optional) is a cleaned copy of ``path``, same rate and length, that
    mixing uses as the training target instead of ``path`` itself (:mod:`hush.data.curation.targets`).
    """

    id: str
    path: str
    kind: str
    corpus: str
    duration: float
    sample_rate: int
    channels: int = 1
    speaker: str | None = None
    split: str | None = None
    category: str | None = None
    noisy_path: str | None = None
    license: str | None = None
    target_path: str | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")


_PATH_FIELDS = ("path", "noisy_path", "target_path")


def write_manifest(records: Iterable[Record], path: str | os.PathLike) -> int:
    """Atomically write records as JSON lines; returns the count.

    Audio paths are stored relative to the manifest's folder, so a manifest and its corpus can move together
    and no machine-specific absolute path is written; :func:`read_manifest` resolves them back.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    base = os.path.abspath(path.parent)
    tmp = path.with_name(f".{path.name}.part")
    n = 0
    with open(tmp, "w") as fh:
        for r in records:
            d = asdict(r)
            for k in _PATH_FIELDS:
                if d[k]:
                    d[k] = os.path.relpath(os.path.abspath(d[k]), base)
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, path)
    return n


def read_manifest(path: str | os.PathLike) -> list[Record]:
    """Records of a manifest, with relative audio paths resolved against the manifest's folder."""
    names = {f.name for f in fields(Record)}
    base = os.path.abspath(Path(path).parent)
    out = []
    try:
        fh = open(path)
    except OSError as e:
        raise HushError(f"{path}: cannot read manifest ({os_problem(e)})") from None
    with fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                for k in _PATH_FIELDS:
                    if d.get(k) and not os.path.isabs(d[k]):
                        d[k] = os.path.normpath(os.path.join(base, d[k]))
                out.append(Record(**{k: v for k, v in d.items() if k in names}))
            except (json.JSONDecodeError, TypeError, ValueError) as e:
                raise HushError(f"{path}:{i}: bad manifest record ({e})") from None
    return out
