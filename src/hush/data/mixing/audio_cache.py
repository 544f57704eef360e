"""Segment reads for training data: mono float32 at a target rate, with an optional LRU cache of decoded files.

Every read opens and closes its file, so a reader can be used from DataLoader worker processes (forked or
spawned) without sharing file handles. Each process has its own cache; filling it in the parent before the
workers fork (:meth:`AudioReader.preload`) shares the decoded pages copy-on-write.

Values do not depend on the cache's state: with a cache, a file that fits in it is always decoded (and
resampled) as a whole and sliced; a file that does not fit, or any file without a cache, is read partially.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from hush.audio.io import libsndfile_problem, probe
from hush.audio.resample import resample
from hush.errors import AudioError

# Source samples read on each side of a partial read that is resampled, so the filter's edge transient
# falls outside the returned window.
_RESAMPLE_MARGIN_S = 0.01


@dataclass(frozen=True)
class FileInfo:
    sample_rate: int
    frames: int
    channels: int


class AudioCache:
    """Least-recently-used store of decoded arrays, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self.nbytes = 0
        self._items: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key) -> bool:
        return key in self._items

    def fits(self, nbytes: int) -> bool:
        return 0 < nbytes <= self.max_bytes

    def get(self, key) -> np.ndarray | None:
        arr = self._items.get(key)
        if arr is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return arr

    def put(self, key, arr: np.ndarray) -> None:
        if not self.fits(arr.nbytes):
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.nbytes -= old.nbytes
        while self._items and self.nbytes + arr.nbytes > self.max_bytes:
            _, evicted = self._items.popitem(last=False)
            self.nbytes -= evicted.nbytes
        arr.setflags(write=False)
        self._items[key] = arr
        self.nbytes += arr.nbytes

    def clear(self) -> None:
        self._items.clear()
        self.nbytes = 0


def _to_mono(block: np.ndarray) -> np.ndarray:
    """``(frames, channels)`` → ``(frames,)`` float32 by averaging the channels."""
    mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
    return np.ascontiguousarray(mono, dtype=np.float32)


def _check_finite(x: np.ndarray, path: str) -> np.ndarray:
    if not np.isfinite(x).all():
        raise AudioError(path, "contains NaN or Inf samples")
    return x


class AudioReader:
    """Reads mono segments of audio files at ``sample_rate``.

    ``cache_bytes`` > 0 keeps whole decoded files (at ``sample_rate``) in memory, least recently used evicted
    first; a file larger than the whole budget is always read partially.
    """

    def __init__(self, sample_rate: int, cache_bytes: int = 0):
        self.sample_rate = int(sample_rate)
        self.cache = AudioCache(cache_bytes) if cache_bytes and cache_bytes > 0 else None
        self._info: dict[str, FileInfo] = {}

    def info(self, path: str | os.PathLike) -> FileInfo:
        key = str(path)
        fi = self._info.get(key)
        if fi is None:
            ai = probe(key)
            fi = self._info[key] = FileInfo(ai.sample_rate, ai.frames, ai.channels)
        return fi

    def length(self, path: str | os.PathLike) -> int:
        """Length in samples at ``sample_rate`` (the length :func:`hush.audio.resample.resample` produces)."""
        fi = self.info(path)
        if fi.sample_rate == self.sample_rate:
            return fi.frames
        return int(round(fi.frames * self.sample_rate / fi.sample_rate))

    def _cacheable(self, path: str) -> bool:
        return self.cache is not None and self.cache.fits(4 * self.length(path))

    def _sf_read(self, path: str, start: int, stop: int) -> np.ndarray:
        try:
            with sf.SoundFile(path) as f:
                if start:
                    f.seek(start)
                block = f.read(max(0, stop - start), dtype="float32", always_2d=True)
        except Exception as e:  # libsndfile raises several types
            raise AudioError(path, libsndfile_problem(e)) from None
        return _check_finite(_to_mono(block), path)

    def read_full(self, path: str | os.PathLike) -> np.ndarray:
        """The whole file, mono, at ``sample_rate`` (cached when a cache is configured and it fits)."""
        key = str(path)
        if self.cache is not None:
            arr = self.cache.get(key)
            if arr is not None:
                return arr
        fi = self.info(key)
        x = self._sf_read(key, 0, fi.frames)
        if fi.sample_rate != self.sample_rate:
            x = resample(x, fi.sample_rate, self.sample_rate)
        x = np.ascontiguousarray(x, dtype=np.float32)
        if self.cache is not None:
            self.cache.put(key, x)
        return x

    def read(self, path: str | os.PathLike, start: int, n: int) -> np.ndarray:
        """``n`` samples from sample ``start`` (at ``sample_rate``); zero-padded past the end of the file."""
        key = str(path)
        start, n = max(0, int(start)), int(n)
        if self._cacheable(key):
            seg = self.read_full(key)[start : start + n]
        else:
            seg = self._read_partial(key, start, n)
        if len(seg) < n:
            seg = np.concatenate([seg, np.zeros(n - len(seg), np.float32)])
        return np.array(seg, dtype=np.float32)  # a writable copy, never a view into the cache

    def _read_partial(self, path: str, start: int, n: int) -> np.ndarray:
        fi = self.info(path)
        if fi.sample_rate == self.sample_rate:
            return self._sf_read(path, min(start, fi.frames), min(start + n, fi.frames))
        ratio = fi.sample_rate / self.sample_rate
        # Start on a source sample that falls exactly on a target sample, so the window is not shifted by a
        # fraction of a sample: multiples of sr_in/gcd(sr_in, sr) source samples.
        step = fi.sample_rate // math.gcd(fi.sample_rate, self.sample_rate)
        margin = int(_RESAMPLE_MARGIN_S * fi.sample_rate) + 16
        a = max(0, (int(np.floor(start * ratio)) - margin) // step * step)
        b = min(fi.frames, int(np.ceil((start + n) * ratio)) + margin)
        if b <= a:
            return np.zeros(0, np.float32)
        y = resample(self._sf_read(path, a, b), fi.sample_rate, self.sample_rate)
        off = start - a * self.sample_rate // fi.sample_rate
        return y[off : off + n]

    def preload(self, paths) -> int:
        """Decode files into the cache (in the order given, until it is full); returns how many are cached."""
        if self.cache is None:
            return 0
        for p in paths:
            if not self._cacheable(str(p)):
                continue
            if self.cache.nbytes + 4 * self.length(p) > self.cache.max_bytes:
                break
            self.read_full(p)
        return len(self.cache)

    def __getstate__(self):
        # Pickled copies (spawned DataLoader workers) start with an empty cache of the same budget rather than
        # receiving every decoded file; forked workers inherit the parent's cache without pickling.
        state = self.__dict__.copy()
        if self.cache is not None:
            state["cache"] = AudioCache(self.cache.max_bytes)
        return state
