"""Sample-rate conversion, offline and streaming, channel-first arrays.

soxr (``"HQ"``, ``"VHQ"``, ``"MQ"``, ``"LQ"``, ``"QQ"``) for files and analysis; ``"LL"``, the low-latency polyphase
resampler of :mod:`hush.audio.polyphase`, where a live stream cannot wait for soxr's large internal blocks.
"""

from __future__ import annotations

import numpy as np
import soxr

from hush.audio.polyphase import PolyphaseStream

QUALITY = "HQ"
LOW_LATENCY = "LL"
MAX_RATIO = 64  # supported rates (8-96 kHz) need at most 12; anything beyond is a bug or a forged header


def _check_ratio(sr_in: int, sr_out: int) -> None:
    """Refuse conversions whose output could be arbitrarily larger or whose filters arbitrarily long."""
    if sr_in <= 0 or sr_out <= 0 or max(sr_in / sr_out, sr_out / sr_in) > MAX_RATIO:
        raise ValueError(f"refusing to resample {sr_in} Hz -> {sr_out} Hz (ratio beyond {MAX_RATIO})")


def resample(x: np.ndarray, sr_in: int, sr_out: int, quality: str = QUALITY) -> np.ndarray:
    """Resample ``(samples,)`` or ``(channels, samples)`` float audio; output length is round(T·sr_out/sr_in)."""
    if sr_in == sr_out:
        return x
    _check_ratio(sr_in, sr_out)
    x = np.asarray(x, dtype=np.float32)
    if quality == LOW_LATENCY:
        x2 = x[None] if x.ndim == 1 else x
        y = PolyphaseStream(sr_in, sr_out, x2.shape[0]).process(x2, last=True)
        return y[0] if x.ndim == 1 else y
    if x.ndim == 1:
        return soxr.resample(x, sr_in, sr_out, quality=quality)
    return np.ascontiguousarray(soxr.resample(np.ascontiguousarray(x.T), sr_in, sr_out, quality=quality).T)


class StreamResampler:
    """Chunked resampling of ``(channels, n)`` blocks; identity when the rates match."""

    def __init__(self, sr_in: int, sr_out: int, channels: int, quality: str = QUALITY):
        self.sr_in, self.sr_out, self.channels = sr_in, sr_out, channels
        if sr_in != sr_out:
            _check_ratio(sr_in, sr_out)
        self._rs = None
        self._ll = None
        if sr_in != sr_out and quality == LOW_LATENCY:
            self._ll = PolyphaseStream(sr_in, sr_out, channels)
        elif sr_in != sr_out:
            self._rs = soxr.ResampleStream(sr_in, sr_out, channels, dtype="float32", quality=quality)

    def process(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        if self._ll is not None:
            return self._ll.process(block, last=last)
        if self._rs is None:
            return block
        out = self._rs.resample_chunk(np.ascontiguousarray(block.T, dtype=np.float32), last=last)
        return np.ascontiguousarray(out.reshape(-1, self.channels).T)

    def flush(self) -> np.ndarray:
        return self.process(np.zeros((self.channels, 0), np.float32), last=True)
