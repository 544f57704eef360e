"""Corpus preparation recipes (lhotse-style): a corpus folder in its official layout -> manifest records.

Each recipe is registered with :func:`register_corpus` and has the signature
``prepare(root: Path, **opts) -> list[Record]``; one module per corpus family (importing this package imports
them all). Run one with :func:`prepare_corpus` (or ``hush data prepare CORPUS ROOT -o manifest.jsonl``); list them
with :func:`corpora`.
"""

from hush.data.prepare import dns, folders, librispeech, musan, noizeus, reverb, shared, timit, voicebank
from hush.data.prepare.registry import (
    Corpus,
    corpora,
    get_corpus,
    parse_options,
    prepare_corpus,
    register_corpus,
    summarize,
)

__all__ = [
    "Corpus",
    "corpora",
    "get_corpus",
    "parse_options",
    "prepare_corpus",
    "register_corpus",
    "summarize",
    "dns",
    "folders",
    "librispeech",
    "musan",
    "noizeus",
    "reverb",
    "shared",
    "timit",
    "voicebank",
]
