"""Decoding of the formats libsndfile cannot read (AAC in .m4a/.mp4/.aac, Windows Media Audio) through PyAV.

PyAV (``hush[formats]``) ships FFmpeg's decoders inside its wheels, so no system ffmpeg is needed. Files are
decoded packet by packet and handed out in blocks, so memory stays bounded by the block size whatever the file
length. Only the first audio stream of a file is read (a video's soundtrack); its sample count is known only by
decoding, so :func:`probe` decodes the file once to count it exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hush.errors import AudioError, MissingExtraError

DECODED_EXTENSIONS = {".m4a": "MP4/AAC", ".mp4": "MP4", ".aac": "AAC (ADTS)", ".wma": "WMA"}


def _av():
    try:
        import av
    except ImportError:
        raise MissingExtraError("reading .m4a, .mp4, .aac and .wma files", "formats") from None
    return av


def _problem(err: Exception) -> str:
    text = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    if "Invalid data" in text:
        return "not a recognised audio file (FFmpeg cannot parse it)"
    return f"cannot decode audio ({text.split(': ', 1)[-1]})"


def _open(path: Path):
    av = _av()
    try:
        container = av.open(str(path), "r")
    except Exception as e:  # av raises its own OSError/ValueError subclasses
        raise AudioError(path, _problem(e)) from None
    stream = next((s for s in container.streams if s.type == "audio"), None)
    if stream is None:
        container.close()
        raise AudioError(path, "holds no audio stream")
    return container, stream


def _frames(path: Path) -> Iterator[np.ndarray]:
    """Decoded ``(channels, n)`` float32 arrays, frame by frame, at the stream's own rate and channel count."""
    av = _av()
    container, stream = _open(path)
    with container:
        channels = stream.codec_context.channels
        resampler = av.AudioResampler(format="fltp", layout=stream.codec_context.layout, rate=stream.rate)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(channels, -1)
            for out in resampler.resample(None):
                yield out.to_ndarray().reshape(channels, -1)
        except AudioError:
            raise
        except Exception as e:
            raise AudioError(path, _problem(e)) from None


def stream_info(path: Path) -> tuple[int, int, int, str, str]:
    """``(sample_rate, channels, frames, format, codec)`` of the first audio stream; frames counted by decoding."""
    container, stream = _open(path)
    with container:
        rate, channels = int(stream.rate or 0), int(stream.codec_context.channels)
        codec = stream.codec_context.name.upper()
        fmt = DECODED_EXTENSIONS.get(path.suffix.lower(), container.format.name)
    if rate <= 0 or channels <= 0:
        raise AudioError(path, "audio stream has no sample rate or channel count")
    frames = sum(f.shape[1] for f in _frames(path))
    return rate, channels, frames, fmt, codec


def decoded_blocks(path: Path, blocksize: int) -> Iterator[np.ndarray]:
    """``(n, channels)`` float32 blocks of ``blocksize`` samples (the last one shorter), as soundfile yields them."""
    pending: list[np.ndarray] = []
    n = 0
    for f in _frames(path):
        pending.append(f)
        n += f.shape[1]
        if n >= blocksize:
            data = np.concatenate(pending, axis=1)
            k = (n // blocksize) * blocksize
            for i in range(0, k, blocksize):
                yield np.ascontiguousarray(data[:, i : i + blocksize].T)
            pending, n = [data[:, k:]], n - k
    if n:
        yield np.ascontiguousarray(np.concatenate(pending, axis=1).T)
