"""The one per-channel pipeline behind files, arrays and :class:`hush.Streamer`.

``(C, T)`` blocks at the caller's rate are resampled to the method's working rate (by default the low-latency
polyphase resampler of :mod:`hush.audio.polyphase`, 3 ms per direction, whose streaming form is bit-identical to its
one-shot form, so files, arrays and streams agree), run through one stream processor per channel, and resampled
back. When the
caller's rate is above the method's, the band the method cannot see is added back, gated by the method's own
top-band gain (:mod:`hush.inference.fullband`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hush.audio.resample import LOW_LATENCY, StreamResampler
from hush.inference.fullband import HighBandKeeper
from hush.methods.base import StreamProcessor


def whole_sample_pad(delay: int, sr: int, work_sr: int) -> tuple[int, int]:
    """``(pad, delay at sr)``: the working-rate zeros that make a stream delay of ``delay`` working-rate samples a
    whole number of samples at ``sr`` (shifts by multiples of the rates' period map exactly), and that number."""
    period = work_sr // math.gcd(work_sr, sr)
    pad = (-delay) % period
    return pad, (delay + pad) * sr // work_sr


class ChannelPipeline:
    """Resample -> one stream processor per channel -> delay handling -> resample back (+ the high band).

    ``aligned``: drop the processors' delay, so that output sample k is input sample k (files, arrays). Otherwise
    keep it as leading zeros (the processors' warm-up output is zeroed), padded to a whole number of samples at
    ``sr`` (:func:`whole_sample_pad`), as :class:`hush.Streamer` promises. ``high_band_min_gain``: the method's
    suppression control in the band above its rate (:func:`hush.inference.fullband.min_gain`).
    """

    def __init__(
        self,
        new_processor: Callable[[], StreamProcessor],
        sr: int,
        work_sr: int,
        channels: int,
        aligned: bool = True,
        quality: str = LOW_LATENCY,
        keep_high_band: bool = True,
        high_band_min_gain: float = 0.0,
    ):
        self.procs = [new_processor() for _ in range(channels)]
        self.down = StreamResampler(sr, work_sr, channels, quality)
        self.up = StreamResampler(work_sr, sr, channels, quality)
        self.aligned = aligned
        delay = int(self.procs[0].delay)
        self._skip = delay  # working-rate samples still to drop (aligned) or to zero (warm-up)
        self._pad, delay_sr = (0, 0) if aligned else whole_sample_pad(delay, sr, work_sr)
        self.high = (
            HighBandKeeper(sr, work_sr, channels, quality, delay_sr, high_band_min_gain)
            if keep_high_band and work_sr < sr
            else None
        )

    @property
    def channels(self) -> int:
        """Input channels."""
        return len(self.procs)

    def _outputs(self, z: np.ndarray, last: bool) -> np.ndarray:
        outs = [p.process(c) for p, c in zip(self.procs, z, strict=True)]
        if last:
            outs = [np.concatenate([o, p.flush()]) for o, p in zip(outs, self.procs, strict=True)]
        return np.stack(outs)

    def _run(self, z: np.ndarray, last: bool) -> np.ndarray:
        y = self._outputs(z, last).astype(np.float32)
        if self._skip and y.shape[1]:
            k = min(self._skip, y.shape[1])
            if self.aligned:
                y = y[:, k:]
            else:
                y[:, :k] = 0.0
            self._skip -= k
        if self._pad and (y.shape[1] or last):
            y = np.concatenate([np.zeros((y.shape[0], self._pad), np.float32), y], axis=1)
            self._pad = 0
        return self.up.process(y, last=last)

    def process(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """Consume ``(C, T)`` float32 at ``sr``; return the ``(C, n)`` output ready so far (all of it when ``last``)."""
        if self.high is not None:
            self.high.push(block, last=last)
        y = self._run(self.down.process(block, last=last), last)
        return self.high.apply(y) if self.high is not None else y

    def flush(self) -> np.ndarray:
        return self.process(np.zeros((len(self.procs), 0), np.float32), last=True)
