"""The interface every enhancement method implements, classical or neural.

An :class:`Enhancer` turns a mono float32 waveform at its working rate into an enhanced waveform of the same
length and time alignment. Causal methods also hand out a :class:`StreamProcessor`, a stateful object that
consumes arbitrary chunks and emits output delayed by ``lookahead`` samples; offline ``enhance`` and streaming
agree up to that delay.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

UNBOUNDED = 2**31 - 1  # the lookahead a non-causal method reports: the whole input

class StreamProcessor(ABC):
    """Stateful chunk-in / chunk-out processor for one mono channel at the method's working rate.

    ``process`` returns whatever output is ready (possibly empty). The stream's output equals the offline output
    delayed by ``delay`` samples; ``flush`` returns the remaining tail so that, after the first ``delay`` samples
    are dropped, the concatenated output has exactly the input's length.
    """

    delay: int = 0

    @abstractmethod
    def process(self, chunk: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def flush(self) -> np.ndarray: ...

    def reset(self) -> None:  # pragma: no cover - overridden where state exists
        raise NotImplementedError


class HopStream(StreamProcessor):
    """A processor that consumes whole hops: subclasses implement ``_run`` (buffer input, process every complete
    hop, return the output) and ``_reset_state``; the counters here make ``flush`` return exactly the tail that
    brings the output to ``n_in + delay`` samples."""

    hop: int = 1

    def reset(self) -> None:
        self._reset_state()
        self._n_in = 0
        self._n_out = 0

    @abstractmethod
    def _reset_state(self) -> None: ...

    @abstractmethod
    def _run(self, x: np.ndarray) -> np.ndarray: ...

    def process(self, chunk: np.ndarray) -> np.ndarray:
        self._n_in += len(chunk)
        y = self._run(np.asarray(chunk))
        self._n_out += len(y)
        return y

    def flush(self) -> np.ndarray:
        want = max(self._n_in + self.delay - self._n_out, 0)
        y = self._run(np.zeros(want + self.hop, np.float32))[:want]
        self.reset()
        return y


class Enhancer(ABC):
    """A ready-to-run enhancement method.

    Attributes:
        name: registry name or model path.
        description: one line for ``hush list``.
        sample_rate: working rate in Hz, or ``None`` when the method works at any rate.
        causal: output at time t depends only on input up to t + lookahead.
        handles_band_limited: the method is fit for band-limited (telephone) input; when False, files and arrays
            detected as such get a warning naming a method that is (:mod:`hush.inference.advice`).
    """

    name: str = ""
    description: str = ""
    sample_rate: int | None = None
    causal: bool = True
    handles_band_limited: bool = True

    def lookahead(self, sr: int) -> int:
        """Algorithmic lookahead in samples at rate ``sr`` (window plus lookahead frames)."""
        return 0

    def latency_ms(self, sr: int) -> float:
        return 1000.0 * self.lookahead(sr) / sr

    def min_length(self, sr: int) -> int:
        """Shortest input (samples at ``sr``) the method accepts: one analysis frame by default."""
        return 1

    @abstractmethod
    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        """Enhance a mono float32 signal ``x`` (shape ``(T,)``) at rate ``sr``; returns shape ``(T,)``.

        ``sr`` equals ``self.sample_rate`` when that is set (the caller resamples).
        """

    def stream(self, sr: int) -> StreamProcessor:
        """A fresh streaming processor; only for causal methods."""
        raise NotImplementedError(f"{self.name} does not support streaming")

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer | None:
        """A copy of this method with a suppression limit and dry/wet mix built in, or ``None`` when it has no
        native way to apply them (then :class:`hush.methods.control.ControlledEnhancer` wraps it).

        Values are already validated; they replace any the method carries. See :mod:`hush.methods.control`.
        """
        return None

    def suppression_control(self) -> tuple[float | None, float]:
        """The ``(atten_lim_db, mix)`` this method applies (``(None, 1.0)``: none), so that what the pipeline adds
        around it (the band above the method's rate) keeps the same promise."""
        return getattr(self, "atten_lim_db", None), float(getattr(self, "mix", 1.0))

    def set_threads(self, n: int) -> None:  # noqa: B027 - optional hook
        """Limit intra-op threads (torch / onnxruntime). Classical methods ignore it."""
