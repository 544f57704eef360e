"""Progress reports for long enhancements: ``progress(done_samples, total_samples)`` at least about once a second.

:class:`Progress` cuts the input into pieces whose processing takes about :data:`TARGET_S` of wall time (measured
on the pieces before), so the callback comes often whatever the method's speed, and reports after each piece.
Without a callback the input is passed through whole, so nothing changes for callers that do not ask.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np

ProgressCallback = Callable[[int, int], object]
TARGET_S = 0.25  # wall time of one piece
FIRST_S = 0.1  # audio seconds of the first piece, before the speed is known


class Progress:
    """Counts input samples (per channel) against ``total`` and calls ``callback(done, total)``.

    The callback is called once with ``(0, total)`` at the start, after every piece, and with ``(total, total)``
    by :meth:`finish`.
    """

    def __init__(self, callback: ProgressCallback | None, total: int, sr: int):
        self.callback, self.total = callback, int(total)
        self.done = 0
        self.piece = max(1, int(FIRST_S * sr))
        self._min = max(1, int(0.01 * sr))
        if callback is not None:
            callback(0, self.total)

    def pieces(self, block: np.ndarray) -> Iterator[np.ndarray]:
        """``block`` (``(C, n)``) in time pieces; the time the caller spends on each sizes the next."""
        n = block.shape[-1]
        if self.callback is None:
            yield block
            self.done += n
            return
        i = 0
        while i < n:
            k = min(self.piece, n - i)
            t0 = time.perf_counter()
            yield block[..., i : i + k]
            dt = time.perf_counter() - t0
            i += k
            self.done = min(self.done + k, self.total)
            self.callback(self.done, self.total)
            if k == self.piece:
                grown = int(k * TARGET_S / dt) if dt > 0 else 4 * k
                self.piece = max(self._min, min(grown, 4 * k))

    def finish(self) -> None:
        self.done = self.total
        if self.callback is not None:
            self.callback(self.total, self.total)
