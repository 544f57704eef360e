"""Methods run one after another: ``-m mvdr+default`` is a beamformer followed by a single-channel post-filter.

The first stage may be multi-channel (a beamformer: ``(C, T)`` in, the reference channel out); every later stage
is a single-channel method run on each channel the previous stage returns. Offline, each stage enhances the whole
output of the one before. Streaming chains the stages' processors; the warm-up samples of one stage (its
``delay``) are dropped before the next sees them and given back as leading zeros, so the chain's output is the
offline cascade delayed by the sum of the delays, exactly as for a single method.
"""

from __future__ import annotations

import numpy as np

from hush.errors import MethodError
from hush.methods.base import Enhancer, StreamProcessor
from hush.methods.multichannel import MultiChannelEnhancer, MultiStreamProcessor, is_multichannel

_EMPTY = np.zeros(0, np.float32)


def _common_rate(stages: list[Enhancer]) -> int | None:
    rates = {s.sample_rate for s in stages if s.sample_rate}
    if len(rates) > 1:
        names = ", ".join(f"{s.name} ({s.sample_rate} Hz)" for s in stages if s.sample_rate)
        raise MethodError(f"the stages of a cascade must work at one rate, got {names}")
    return rates.pop() if rates else None


class _Chain:
    """The post-filter stream processors of one output channel, each dropping its predecessor's warm-up."""

    def __init__(self, procs: list[StreamProcessor], skip: int):
        self.procs = procs
        self.skips = [skip] + [int(p.delay) for p in procs[:-1]]
        self.lead = sum(self.skips)  # zeros owed at the start of the output
        self.delay = self.lead + int(procs[-1].delay)

    def _through(self, y: np.ndarray, last: bool) -> np.ndarray:
        for i, p in enumerate(self.procs):
            if self.skips[i]:
                k = min(self.skips[i], len(y))
                y, self.skips[i] = y[k:], self.skips[i] - k
            y = p.process(y) if len(y) else _EMPTY
            if last:
                y = np.concatenate([y, p.flush()])
        return y

    def push(self, y: np.ndarray, last: bool = False) -> np.ndarray:
        y = self._through(np.asarray(y, np.float32), last)
        if self.lead and (len(y) or last):
            y, self.lead = np.concatenate([np.zeros(self.lead, np.float32), y]), 0
        return y.astype(np.float32)


class CascadeStream(MultiStreamProcessor):
    """A multi-channel first stage's processor followed by one post-filter chain per output channel."""

    def __init__(self, first: MultiStreamProcessor, make_chain):
        self.first, self.make_chain = first, make_chain
        self.reset()

    def reset(self) -> None:
        self.first.reset()
        self.chains: list[_Chain] | None = None
        self.delay = self._probe_delay()

    def _probe_delay(self) -> int:
        return self.make_chain(int(self.first.delay)).delay

    def _run(self, y: np.ndarray, last: bool) -> np.ndarray:
        if self.chains is None:
            self.chains = [self.make_chain(int(self.first.delay)) for _ in range(y.shape[0])]
        outs = [c.push(ch, last) for c, ch in zip(self.chains, y, strict=True)]
        n = min(len(o) for o in outs)
        if any(len(o) != n for o in outs):  # every chain runs the same processors in lock step
            raise RuntimeError("post-filter chains fell out of step")
        return np.stack(outs) if outs else np.zeros((0, 0), np.float32)

    def process(self, block: np.ndarray) -> np.ndarray:
        return self._run(self.first.process(block), last=False)

    def flush(self) -> np.ndarray:
        y = self._run(self.first.flush(), last=True)
        self.reset()
        return y


class ChainStream(StreamProcessor):
    """Single-channel stages streamed one into the next."""

    def __init__(self, stages: list[Enhancer], sr: int):
        self.stages, self.sr = stages, sr
        self.reset()

    def reset(self) -> None:
        self.chain = _Chain([s.stream(self.sr) for s in self.stages], 0)
        self.delay = self.chain.delay

    def process(self, chunk: np.ndarray) -> np.ndarray:
        return self.chain.push(chunk)

    def flush(self) -> np.ndarray:
        y = self.chain.push(_EMPTY, last=True)
        self.reset()
        return y


class Cascade(MultiChannelEnhancer):
    """``stages[0]`` then each later stage on every channel it returns; see the module docstring."""

    def __init__(self, stages: list[Enhancer]):
        if len(stages) < 2:
            raise MethodError("a cascade needs at least two methods, e.g. mvdr+default")
        for s in stages[1:]:
            if is_multichannel(s):
                raise MethodError(f"{s.name} takes an array and can only be the first stage of a cascade")
        self.stages = list(stages)
        first = stages[0]
        self.name = "+".join(s.name for s in stages)
        self.description = "cascade: " + " -> ".join(s.name for s in stages)
        self.sample_rate = _common_rate(self.stages)
        self.causal = all(s.causal for s in stages)
        self.handles_band_limited = all(s.handles_band_limited for s in stages)
        self.multichannel = is_multichannel(first)
        self.min_channels = first.min_channels if self.multichannel else 1
        self.needs_geometry = bool(getattr(first, "needs_geometry", False))

    # the first stage owns the geometry and the reference channel
    @property
    def geometry(self):
        return getattr(self.stages[0], "geometry", None)

    @geometry.setter
    def geometry(self, value) -> None:
        if is_multichannel(self.stages[0]):
            self.stages[0].geometry = value

    @property
    def ref(self) -> int:
        return getattr(self.stages[0], "ref", 0)

    def out_channels(self, channels: int) -> int:
        return self.stages[0].out_channels(channels) if self.multichannel else channels

    def check_channels(self, channels: int) -> None:
        if self.multichannel:
            self.stages[0].check_channels(channels)

    def lookahead(self, sr: int) -> int:
        return sum(s.lookahead(sr) for s in self.stages)

    def min_length(self, sr: int) -> int:
        return max(s.min_length(sr) for s in self.stages)

    def _post(self, y: np.ndarray, sr: int) -> np.ndarray:
        for s in self.stages[1:]:
            y = np.stack([np.asarray(s.enhance(ch, sr), np.float32) for ch in y])
        return y

    def enhance_multi(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = np.asarray(x, np.float32)
        x = x[None] if x.ndim == 1 else x
        first = self.stages[0]
        y = first.enhance_multi(x, sr) if self.multichannel else np.stack([first.enhance(c, sr) for c in x])
        return self._post(np.asarray(y, np.float32), sr)

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        if self.multichannel:
            return super().enhance(x, sr)
        return self.enhance_multi(np.asarray(x)[None], sr)[0]

    def stream(self, sr: int) -> StreamProcessor:
        if self.multichannel:
            raise NotImplementedError(f"{self.name} takes an array; use stream_multi")
        return ChainStream(self.stages, sr)

    def stream_multi(self, sr: int) -> MultiStreamProcessor:
        if not self.multichannel:
            raise NotImplementedError(f"{self.name} is single-channel; use stream")
        first = self.stages[0].stream_multi(sr)
        return CascadeStream(first, lambda skip: _Chain([s.stream(sr) for s in self.stages[1:]], skip))

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer | None:
        """The suppression control belongs to the last stage (the post-filter)."""
        from hush.methods.control import apply_control

        last = apply_control(self.stages[-1], atten_lim_db, mix)
        return Cascade([*self.stages[:-1], last])

    def set_threads(self, n: int) -> None:
        for s in self.stages:
            s.set_threads(n)


__all__ = ["Cascade", "CascadeStream", "ChainStream"]
