"""The corpus registry (``@register("name")``, ``get``, ``names``) and the driver that runs a recipe.

A recipe is a function ``prepare(root: Path, **opts) -> list[Record]``. Its keyword-only parameters with defaults
are its options (``hush data prepare ... --option KEY=VALUE``); two names are special and filled in by the driver:
``target_sr`` (the rate the caller means to train at) and ``resample`` (the rate given with ``--resample``).
"""

from __future__ import annotations

import inspect
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from hush.data.manifest import Record
from hush.errors import HushError
from hush.registry import Registry

Recipe = Callable[..., list[Record]]
DRIVER_PARAMS = ("target_sr", "resample")


@dataclass(frozen=True)
class Corpus:
    name: str
    func: Recipe
    description: str

    def options(self) -> dict[str, inspect.Parameter]:
        """The recipe's own options (keyword parameters other than the driver's)."""
        params = list(inspect.signature(self.func).parameters.values())[1:]
        return {
            p.name: p
            for p in params
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in DRIVER_PARAMS
        }

    def accepts(self, name: str) -> bool:
        return name in inspect.signature(self.func).parameters


CORPORA: Registry[Corpus] = Registry("corpus")
get = CORPORA.get
names = CORPORA.names


def register(name: str, description: str = "") -> Callable[[Recipe], Recipe]:
    """Decorator registering ``func`` as the recipe for corpus ``name`` (described by its docstring's first line
    unless ``description`` is given)."""

    def deco(func: Recipe) -> Recipe:
        if name in CORPORA and CORPORA.get(name).func is func:
            return func
        doc = (func.__doc__ or "").strip().splitlines()
        CORPORA.register(name)(Corpus(name, func, description or (doc[0] if doc else "")))
        return func

    return deco


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_options(corpus: Corpus, pairs: Iterable[str]) -> dict[str, object]:
    """``["KEY=VALUE", ...]`` from the command line, converted after the option's default type."""
    allowed = corpus.options()
    out: dict[str, object] = {}
    for item in pairs:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise HushError(f"--option expects KEY=VALUE, not {item!r}")
        if key not in allowed:
            names = ", ".join(allowed) or "none"
            raise HushError(f"corpus {corpus.name!r} has no option {key!r} (options: {names})")
        default = allowed[key].default
        if isinstance(default, bool):
            low = value.strip().lower()
            if low not in _TRUE | _FALSE:
                raise HushError(f"option {key}: expected true or false, not {value!r}")
            out[key] = low in _TRUE
        elif isinstance(default, int):
            try:
                out[key] = int(value)
            except ValueError:
                raise HushError(f"option {key}: expected an integer, not {value!r}") from None
        else:
            out[key] = value
    return out


def prepare_corpus(
    name: str,
    root: str | os.PathLike,
    *,
    split: str | None = None,
    resample: int | None = None,
    target_sr: int | None = None,
    **options,
) -> list[Record]:
    """Run corpus ``name``'s recipe on ``root``.

    ``resample`` is recorded as ``extra["resample_to"]`` on every record (no audio is written); ``split`` keeps
    only records whose split (or LibriSpeech-style ``extra["subset"]``) equals it. Raises :class:`HushError` with a
    one-line message for a missing root, an unrecognised layout, unknown options or an empty result.
    """
    corpus = get(name)
    if resample is not None and resample <= 0:
        raise HushError(f"--resample must be a positive sample rate, not {resample}")
    root = Path(os.path.abspath(os.path.expanduser(os.fspath(root))))
    if not root.exists():
        raise HushError(f"{root}: no such directory")
    if not root.is_dir():
        raise HushError(f"{root}: not a directory")
    allowed = corpus.options()
    for key in options:
        if key not in allowed:
            raise HushError(f"corpus {name!r} has no option {key!r} (options: {', '.join(allowed) or 'none'})")
    kwargs = dict(options)
    if corpus.accepts("target_sr"):
        kwargs["target_sr"] = target_sr if target_sr is not None else resample
    if corpus.accepts("resample"):
        kwargs["resample"] = resample
    records = corpus.func(root, **kwargs)
    if not records:
        raise HushError(f"{root}: the {name} recipe found no audio files")
    if split is not None:
        present = sorted({r.split or "none" for r in records})
        records = [r for r in records if split in (r.split, r.extra.get("subset"))]
        if not records:
            raise HushError(f"no {name} records with split {split!r} (splits present: {', '.join(present)})")
    if resample is not None:
        for r in records:
            r.extra["resample_to"] = int(resample)
    dupes = [i for i, n in Counter(r.id for r in records).items() if n > 1]
    if dupes:
        raise HushError(f"{root}: {len(dupes)} duplicate record id(s) in the {name} layout, e.g. {dupes[0]!r}")
    return records


def summarize(records: list[Record]) -> str:
    """``"12396 records (pair/test 824, pair/train 11572), 9.41 h"``."""
    counts = Counter(f"{r.kind}/{r.split}" if r.split else r.kind for r in records)
    hours = sum(r.duration for r in records) / 3600
    parts = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    return f"{len(records)} records ({parts}), {hours:.2f} h"
