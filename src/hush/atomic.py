"""Safe file writing: short temporary names beside the destination, the usual mode on finished files, scratch
space that a crash cannot strand, and removal of what dead runs left behind.

Every temporary file hush creates in a user's folder is named ``.hush-<kind>-<host>-<pid>-<8 random chars>``
(``<host>``: 8 hex digits of the machine's name): short, so that a destination name of 255 characters still works,
and attributable. :func:`remove_stale` deletes such files made on this machine by a process that no longer exists,
once per folder and process, before the first write there; files of other machines (a shared folder) are left.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_STALE = re.compile(rf"^\.hush-(?:part|scratch)-{HOST}-(\d+)-[a-z0-9_]{{8}}$")
_cleaned: set[str] = set()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine (a foreign process counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale(directory: str | os.PathLike) -> list[Path]:
    """Delete hush temporary files in ``directory`` whose creating process is provably dead; return them."""
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        m = _STALE.match(entry.name)
        if m and int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _clean_once(directory: Path) -> None:
    key = str(directory.resolve())
    if key not in _cleaned:
        _cleaned.add(key)
        remove_stale(directory)


def current_umask() -> int:
    """The process umask, read without changing it where the OS tells (Linux), else by a set-and-restore."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mkstemp(kind: str, directory: Path) -> tuple[int, str]:
    directory.mkdir(parents=True, exist_ok=True)
    _clean_once(directory)
    return tempfile.mkstemp(prefix=f".hush-{kind}-{HOST}-{os.getpid()}-", dir=directory)


@contextlib.contextmanager
def replace_into(dst: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``dst``; when the block succeeds it gets the umask-derived mode of a new file
    (0644 under umask 022) and is renamed onto ``dst``. On failure nothing is left behind."""
    dst = Path(dst)
    fd, tmp = _mkstemp("part", dst.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~current_umask())  # mkstemp's 0600 suits scratch files, not deliverables
        os.replace(tmp_path, dst)
    finally:
        tmp_path.unlink(missing_ok=True)


@contextlib.contextmanager
def scratch_file(directory: str | os.PathLike) -> Iterator[BinaryIO]:
    """An open, read-write binary scratch file in ``directory``. Where the OS allows it (POSIX) it is unlinked at
    once, so no crash or kill can strand it; elsewhere it carries the PID for :func:`remove_stale`."""
    fd, name = _mkstemp("scratch", Path(directory))
    f = os.fdopen(fd, "w+b")
    try:
        os.unlink(name)
        linked = False
    except OSError:
        linked = True
    try:
        yield f
    finally:
        f.close()
        if linked:
            Path(name).unlink(missing_ok=True)


def check_writable(dst: str | os.PathLike) -> None:
    """Raise ``OSError`` now if a file cannot be created beside ``dst`` (its parent folders are created), so that
    long work is not wasted on a destination that would refuse the result."""
    fd, name = _mkstemp("part", Path(dst).parent)
    os.close(fd)
    os.unlink(name)
