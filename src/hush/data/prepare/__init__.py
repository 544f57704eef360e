"""Corpus preparation recipes (lhotse-style): a corpus folder in its official layout -> manifest records.

Each recipe is registered with ``@register("name")`` and has the signature
``prepare(root: Path, **opts) -> list[Record]``; one module per corpus family (importing this package imports
them all). Run one with :func:`prepare_corpus` (or ``hush data prepare CORPUS ROOT -o manifest.jsonl``); list them
with :func:`names`, look one up with :func:`get`.
"""

from hush.data.prepare import dns, folders, librispeech, musan, noizeus, reverb, shared, timit, voicebank
from hush.data.prepare.registry import CORPORA, Corpus, get, names, parse_options, prepare_corpus, register, summarize

__all__ = [
    "CORPORA",
    "Corpus",
    "get",
    "names",
    "parse_options",
    "prepare_corpus",
    "register",
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
