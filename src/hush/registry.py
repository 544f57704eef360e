"""The one registry shape of every pluggable kind: ``register``, ``get``, ``names``.

Methods, architectures, losses, corpora and augmentations each keep a :class:`Registry`; their package exposes its
``register`` (a decorator), ``get`` and ``names``. Adding one is one file plus one ``@register("name")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from hush.errors import HushError

T = TypeVar("T")


class Registry(Generic[T]):
    """Names -> entries of one kind (``"architecture"``, ``"loss"``...).

    ``get`` of an unknown name raises ``error`` with one line naming the known ones. ``on_register(name, entry)``
    runs before an entry is stored: it may check it (raising) or record its name on it.
    """

    def __init__(
        self,
        kind: str,
        error: type[Exception] = HushError,
        on_register: Callable[[str, T], None] | None = None,
    ):
        self.kind, self.error, self._on_register = kind, error, on_register
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering its target as ``name``; registering another object under a taken name fails."""

        def deco(entry: T) -> T:
            if name in self._entries and self._entries[name] is not entry:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            if self._on_register is not None:  # may refuse the entry by raising
                self._on_register(name, entry)
            self._entries[name] = entry
            return entry

        return deco

    def unregister(self, name: str) -> None:
        """Forget ``name`` (a plugin torn down, a test's temporary entry); unknown names are ignored."""
        self._entries.pop(name, None)

    def get(self, name: str) -> T:
        if name not in self._entries:
            raise self.error(f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}")
        return self._entries[name]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
