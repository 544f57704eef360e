"""File-to-file enhancement in bounded memory.

The input is decoded block by block and run through the per-channel pipeline
(:class:`~hush.inference.pipeline.ChannelPipeline`: resampled to the method's rate, one stream processor per
channel, resampled back) and written as raw float32 to a scratch file beside the destination, unlinked as soon as
it is opened so that no crash or kill can strand it. A second pass applies peak protection for integer formats and
writes the final file, which is renamed into place only when complete. Memory stays bounded by the block size
(plus a method's chunk for non-causal models) whatever the file length.

``downmix`` enhances the channel mean once instead of every channel (one speaker recorded in stereo) and writes it
mono, or copied into every channel with ``keep_channels``. ``progress`` is called with ``(done, total)`` input
samples per channel (:mod:`hush.inference.progress`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from hush.atomic import scratch_file
from hush.audio.bandwidth import BandwidthMeter
from hush.audio.checks import SignalStats
from hush.audio.io import (
    atomic_path,
    container_format,
    iter_blocks,
    output_subtype,
    output_suffix,
    peak_gain,
    probe,
    write_problem,
)
from hush.errors import AudioError, MethodError
from hush.inference.advice import band_limited_warning
from hush.inference.array_pipeline import make_pipeline
from hush.inference.progress import Progress, ProgressCallback
from hush.methods import Enhancer, resolve

BLOCK_SECONDS = 10.0
DEFAULT_SUFFIX = "_enhanced"


@dataclass
class FileResult:
    src: Path
    dst: Path | None = None
    ok: bool = True
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@contextlib.contextmanager
def _scratch_for(dst: Path) -> Iterator[BinaryIO]:
    """The scratch file in ``dst``'s folder; a folder that cannot take it is the one-line error of ``dst``."""
    with contextlib.ExitStack() as stack:
        try:
            f = stack.enter_context(scratch_file(dst.parent))
        except OSError as e:
            raise AudioError(dst, f"cannot write ({write_problem(e, dst)})") from None
        yield f


def _scratch_blocks(f: BinaryIO, channels: int, frames: int) -> Iterator[np.ndarray]:
    """``(frames, channels)`` float32 blocks of the raw interleaved scratch data, from the current position."""
    while chunk := f.read(frames * channels * 4):
        yield np.frombuffer(chunk, np.float32).reshape(-1, channels)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def default_destination(src: str | os.PathLike) -> Path:
    """``<stem>_enhanced.<ext>`` beside ``src``; an input libsndfile cannot write (.m4a, ...) becomes ``.flac``."""
    src = Path(src)
    return src.with_name(f"{src.stem}{DEFAULT_SUFFIX}{output_suffix(src)}")


def _format_note(src: Path, dst: Path) -> str | None:
    """The line that names the output format when the input's own cannot be written (.m4a in, FLAC out)."""
    if output_suffix(src).lower() != src.suffix.lower():
        return f"{src.suffix} files cannot be written; the output is {container_format(dst)}: {dst}"
    return None


def enhance_file(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    method: str | Enhancer = "default",
    *,
    overwrite: bool = False,
    subtype: str | None = None,
    block_seconds: float = BLOCK_SECONDS,
    downmix: bool = False,
    keep_channels: bool = False,
    progress: ProgressCallback | None = None,
    **options,
) -> FileResult:
    """Enhance one file into ``dst`` (default :func:`default_destination`; same rate and channels as the input,
    and its bit depth wherever the output format has it; an array method such as ``mvdr`` writes its one reference
    channel).

    Raises :class:`~hush.errors.AudioError` (one line naming the file) for bad input; never writes onto ``src``
    and never leaves a partial ``dst`` behind. ``seconds`` of the result is the wall time.
    """
    t0 = time.perf_counter()
    src = Path(src)
    dst = default_destination(src) if dst is None else Path(dst)
    if keep_channels and not downmix:
        raise ValueError("keep_channels applies with downmix (it copies the enhanced mix into every channel)")
    if _same_file(src, dst):
        raise AudioError(src, "output would overwrite the input; choose another output folder or a --suffix")
    enh = resolve(method, **options)
    info = probe(src)
    if info.frames == 0:
        raise AudioError(src, "empty audio (0 samples)")
    work_sr = enh.sample_rate or info.sample_rate
    min_len = int(np.ceil(enh.min_length(work_sr) * info.sample_rate / work_sr))
    if info.frames < min_len:
        raise AudioError(
            src, f"too short: {info.frames} samples at {info.sample_rate} Hz, need at least {min_len} (one frame)"
        )
    if dst.exists() and not overwrite:
        raise AudioError(dst, "output exists (use --overwrite to replace it)")
    out_subtype = subtype or output_subtype(info.subtype, info.format, dst)
    stats = SignalStats()
    bandwidth = BandwidthMeter(info.sample_rate)
    pipe_channels = 1 if downmix else info.channels
    try:  # an array method checks the channel count (and its geometry) here
        pipe = make_pipeline(enh, info.sample_rate, work_sr, pipe_channels)
    except MethodError as e:
        raise AudioError(src, str(e)) from None
    pipe_out = pipe.n_out if hasattr(pipe, "n_out") else pipe_channels  # a beamformer writes its reference channel
    out_channels = info.channels if downmix and keep_channels else pipe_out
    blocksize = max(int(block_seconds * info.sample_rate), 1)
    report = Progress(progress, info.frames, info.sample_rate)

    with _scratch_for(dst) as scratch:
        peak, written = 0.0, 0

        def emit(y: np.ndarray) -> None:
            nonlocal peak, written
            y = y[:, : max(info.frames - written, 0)]
            if downmix and keep_channels:
                y = np.repeat(y, info.channels, axis=0)
            if y.size:
                peak = max(peak, float(np.abs(y).max()))
                try:
                    scratch.write(np.ascontiguousarray(y.T, dtype=np.float32).tobytes())
                except OSError as e:
                    raise AudioError(dst, f"cannot write ({write_problem(e, dst)})") from None
            written += y.shape[1]

        for block in iter_blocks(src, blocksize):
            stats.update(block)
            bandwidth.update(block)
            if downmix:
                block = block.mean(axis=0, keepdims=True)
            for piece in report.pieces(block):
                emit(pipe.process(piece))
        emit(pipe.flush())
        if written < info.frames:  # resampler rounding: at most a few samples
            emit(np.zeros((pipe_out, info.frames - written), np.float32))
        report.finish()
        gain = peak_gain(peak, out_subtype)
        scratch.flush()
        scratch.seek(0)
        with atomic_path(dst, overwrite=overwrite) as tmp:
            try:
                with sf.SoundFile(
                    str(tmp), "w", info.sample_rate, out_channels, subtype=out_subtype, format=container_format(dst)
                ) as out:
                    for block in _scratch_blocks(scratch, out_channels, blocksize):
                        out.write(block * gain)
            except AudioError:
                raise
            except Exception as e:
                raise AudioError(dst, f"cannot write ({write_problem(e, dst)})") from None
    result = FileResult(src, dst, warnings=stats.finish())
    if note := _format_note(src, dst):
        result.warnings.append(note)
    if advice := band_limited_warning(enh, bandwidth):
        result.warnings.append(advice)
    if gain < 1.0:
        result.warnings.append(f"output scaled by {20 * np.log10(gain):.1f} dB to avoid clipping")
    result.seconds = time.perf_counter() - t0
    return result
