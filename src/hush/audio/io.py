"""Reading, probing and atomic writing of audio files (soundfile / libsndfile; PyAV for AAC and WMA input).

Arrays are float32 and channel-first: ``(channels, samples)``. Every format is read block by block; what
libsndfile cannot read (:data:`~hush.audio.decode.DECODED_EXTENSIONS`) is decoded by :mod:`hush.audio.decode`.
Outputs are written by libsndfile only (:data:`WRITABLE_EXTENSIONS`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from hush.atomic import replace_into
from hush.audio.checks import check_rate
from hush.audio.decode import DECODED_EXTENSIONS, decoded_blocks, stream_info
from hush.errors import AudioError, AudioFileNotFoundError, os_problem

INTEGER_SUBTYPES = {"PCM_S8", "PCM_U8", "PCM_16", "PCM_24", "PCM_32", "ALAW", "ULAW"}
# extension -> libsndfile container: read and written by soundfile
WRITABLE_EXTENSIONS = {
    ".wav": "WAV",
    ".flac": "FLAC",
    ".ogg": "OGG",
    ".opus": "OGG",
    ".oga": "OGG",
    ".mp3": "MP3",
    ".aiff": "AIFF",
    ".aif": "AIFF",
    ".au": "AU",
    ".w64": "W64",
    ".caf": "CAF",
}
AUDIO_EXTENSIONS = set(WRITABLE_EXTENSIONS) | set(DECODED_EXTENSIONS)  # everything hush reads
DECODED_OUTPUT = ".flac"  # what an input in a format libsndfile cannot write is written as (lossless)
# bit depth of each subtype, for keeping the input's depth in another container: (float?, bits)
_DEPTH = {
    "PCM_S8": (False, 8),
    "PCM_U8": (False, 8),
    "PCM_16": (False, 16),
    "PCM_24": (False, 24),
    "PCM_32": (False, 32),
    "FLOAT": (True, 32),
    "DOUBLE": (True, 64),
}


def supported_formats() -> str:
    """The extensions hush reads, for error messages."""
    return " ".join(sorted(AUDIO_EXTENSIONS))


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def libsndfile_problem(err: Exception) -> str:
    """One line saying what a libsndfile error means for the user."""
    msg = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    if "Format not recognised" in msg or "unknown format" in msg.lower():
        return f"not a recognised audio file (supported formats: {supported_formats()})"
    return f"cannot decode audio ({msg.split(': ', 1)[-1]})"


def probe(path: str | os.PathLike) -> AudioInfo:
    """Header information; raises :class:`AudioError` for missing, unreadable, empty or non-audio files and for
    sample rates outside the supported range."""
    p = Path(path)
    try:
        st = os.stat(p)
        if stat.S_ISDIR(st.st_mode):
            raise AudioError(p, "is a directory, not an audio file")
        with open(p, "rb"):  # libsndfile reports unreadable files as "System error."
            pass
    except OSError as e:
        if e.errno == errno.ENOENT:
            raise AudioFileNotFoundError(p, "no such file") from None
        raise AudioError(p, os_problem(e)) from None
    if st.st_size == 0:
        raise AudioError(p, "empty file (0 bytes)")
    if p.suffix.lower() in DECODED_EXTENSIONS:
        rate, channels, frames, fmt, codec = stream_info(p)
        check_rate(rate, p)
        return AudioInfo(p, rate, channels, frames, fmt, codec)
    try:
        info = sf.info(str(p))
    except Exception as e:  # libsndfile raises several types
        raise AudioError(p, libsndfile_problem(e)) from None
    check_rate(info.samplerate, p)
    frames = info.frames
    if frames < 0 or frames > 2**62:  # some compressed streams report no length: count by decoding
        frames = sum(len(b) for b in _raw_blocks(p, 65536))
    return AudioInfo(p, int(info.samplerate), int(info.channels), int(frames), info.format, info.subtype)


def _raw_blocks(path: Path, blocksize: int) -> Iterator[np.ndarray]:
    if path.suffix.lower() in DECODED_EXTENSIONS:
        yield from decoded_blocks(path, blocksize)
        return
    try:
        with sf.SoundFile(str(path)) as f:
            while True:
                block = f.read(blocksize, dtype="float32", always_2d=True)
                if not len(block):
                    return
                yield block
    except AudioError:
        raise
    except Exception as e:
        raise AudioError(path, libsndfile_problem(e)) from None


def iter_blocks(path: str | os.PathLike, blocksize: int = 1 << 16) -> Iterator[np.ndarray]:
    """Yield ``(channels, n)`` float32 blocks; non-finite samples raise :class:`AudioError`."""
    p = Path(path)
    pos = 0
    for block in _raw_blocks(p, blocksize):
        if not np.isfinite(block).all():
            bad = pos + int(np.argmin(np.isfinite(block).all(axis=1)))
            raise AudioError(p, f"contains NaN or Inf samples (first at {bad} samples)")
        pos += len(block)
        yield np.ascontiguousarray(block.T)


def read(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Whole file as ``(channels, samples)`` float32 and its sample rate (validated, see :func:`iter_blocks`)."""
    info = probe(path)
    blocks = list(iter_blocks(path))
    data = np.concatenate(blocks, axis=1) if blocks else np.zeros((info.channels, 0), np.float32)
    return data, info.sample_rate


def _format_for(path: Path, fmt: str | None) -> str | None:
    if fmt:
        return fmt
    ext = path.suffix.lower().lstrip(".")
    return {"opus": "OGG", "oga": "OGG", "aif": "AIFF"}.get(ext)


def default_subtype(path: Path, fmt: str | None = None) -> str:
    """libsndfile's default subtype for the file's container (``OPUS`` for .opus)."""
    if path.suffix.lower() == ".opus":
        return "OPUS"
    return sf.default_subtype(fmt or container_format(path)) or "PCM_16"


@contextlib.contextmanager
def atomic_path(dst: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``dst`` (short name, so any valid ``dst`` works); it is renamed onto ``dst``
    with the usual umask-derived mode only if the block succeeds."""
    dst = Path(dst)
    if dst.exists() and not overwrite:
        raise AudioError(dst, "output exists (use --overwrite to replace it)")
    try:
        with replace_into(dst) as tmp:
            yield tmp
    except OSError as e:
        raise AudioError(dst, f"cannot write ({write_problem(e, dst)})") from None


def write_problem(err: Exception, dst: Path) -> str:
    """What went wrong writing ``dst``: the OS error, or for libsndfile's bare "System error." the likely cause
    (a full disk, which it does not name)."""
    if isinstance(err, OSError) and err.errno:
        problem = os_problem(err)
    else:
        problem = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
        if "System error" in problem and _free_bytes(dst.parent) < 1 << 20:
            problem = "no space left on device"
    if problem in ("no space left on device", "disk quota exceeded"):
        problem += f" in {dst.parent.resolve()}"
    return problem


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62


def peak_gain(peak: float, subtype: str, ceiling: float = 0.999) -> float:
    """Gain that keeps integer formats from clipping (1.0 when no protection is needed)."""
    if subtype.upper() in INTEGER_SUBTYPES and peak > ceiling:
        return ceiling / peak
    return 1.0


def write(
    path: str | os.PathLike,
    data: np.ndarray,
    sr: int,
    subtype: str | None = None,
    format: str | None = None,
    overwrite: bool = False,
) -> float:
    """Atomically write ``(channels, samples)`` or ``(samples,)`` audio.

    Integer subtypes get peak protection: a signal exceeding full scale is scaled down as a whole instead of
    being clipped. Returns the gain that was applied.
    """
    p = Path(path)
    x = np.asarray(data, dtype=np.float32)
    x = x[None] if x.ndim == 1 else x
    fmt = _format_for(p, format)
    subtype = subtype or default_subtype(p, fmt)
    gain = peak_gain(float(np.max(np.abs(x))) if x.size else 0.0, subtype)
    with atomic_path(p, overwrite=overwrite) as tmp:
        try:
            sf.write(str(tmp), (x * gain).T, sr, subtype=subtype, format=fmt or container_format(p))
        except Exception as e:
            raise AudioError(p, f"cannot write ({write_problem(e, p)})") from None
    return gain


def container_format(p: Path) -> str:
    """libsndfile's container for an output path; an extension it cannot write is a one-line error."""
    ext = p.suffix.lower()
    if ext not in WRITABLE_EXTENSIONS:
        writable = " ".join(sorted(WRITABLE_EXTENSIONS))
        raise AudioError(p, f"unsupported output extension '{ext or p.name}' (hush writes: {writable})")
    return WRITABLE_EXTENSIONS[ext]


def output_suffix(src: Path) -> str:
    """The extension an output of ``src`` gets: its own where libsndfile writes it, else FLAC (lossless)."""
    ext = src.suffix.lower()
    return src.suffix if ext in WRITABLE_EXTENSIONS else DECODED_OUTPUT


def output_subtype(src_subtype: str, src_format: str, dst: Path) -> str:
    """The subtype of ``dst`` that keeps the input's bit depth where its container has it.

    The input's own subtype in the same container, or in another that takes that PCM or float subtype (24-bit FLAC
    into WAV stays 24-bit); else, for integer input, the shallowest integer depth at least as deep; for float
    input, float or else the deepest integer; else (lossy input, or a lossy container) the container's default.
    """
    fmt = container_format(dst)
    src_subtype = (src_subtype or "").upper()
    same = (src_format or "").upper() == fmt
    if src_subtype and (same or src_subtype in _DEPTH) and sf.check_format(fmt, src_subtype):
        return src_subtype
    depth = _DEPTH.get(src_subtype)
    if depth is not None:
        is_float, bits = depth
        ints = [t for t in ("PCM_16", "PCM_24", "PCM_32") if sf.check_format(fmt, t)]
        floats = [t for t in ("FLOAT", "DOUBLE") if sf.check_format(fmt, t)]
        if is_float and floats:
            return floats[0] if bits <= 32 else floats[-1]
        deeper = [t for t in ints if _DEPTH[t][1] >= bits]
        if deeper and not is_float:
            return deeper[0]
        if ints:
            return ints[-1]
    return default_subtype(dst)


