"""Shared plumbing for the peer adapters: locating bundled files, onnxruntime sessions, frame-based peers.

Nothing here imports a peer package: files are found through :func:`importlib.util.find_spec`, which locates
a package without executing its ``__init__`` (several peer wrappers import torch, audiolab or fasr at import
time, and some of those imports fail in a slim environment).
"""

from __future__ import annotations

import importlib.util
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hush.errors import MissingExtraError
from hush.methods.base import Enhancer, StreamProcessor

EXTRA = "compare"


def package_dir(package: str) -> Path | None:
    """Directory of an installed package, found without importing it; ``None`` when not installed."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def locate(peer: str, package: str, *parts: str) -> Path:
    """Path of a file bundled in ``package``; :class:`MissingExtraError` naming ``peer`` when absent."""
    root = package_dir(package)
    if root is None:
        raise MissingExtraError(peer, EXTRA)
    path = root.joinpath(*parts)
    if not path.is_file():
        raise MissingExtraError(f"{peer} ({package} is installed but lacks {'/'.join(parts)})", EXTRA)
    return path


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def native_available(loader: Callable[[], object]) -> bool | str:
    """True when ``loader`` finds and loads a peer's native library, else the reason in one line."""
    try:
        loader()
    except MissingExtraError as e:
        return str(e)
    except OSError as e:  # present but not loadable (wrong platform, missing system library)
        return f"cannot load the native library: {e}"
    return True


def onnx_available(model_path: Callable[[], object]) -> bool | str:
    """True when a peer's ONNX file and onnxruntime are both there, else the reason in one line."""
    try:
        model_path()
    except MissingExtraError as e:
        return str(e)
    if not has_module("onnxruntime"):
        return "onnxruntime is not installed"
    return True


def onnx_session(peer: str, path: Path, threads: int):
    """An onnxruntime CPU session with ``threads`` intra-op and inter-op threads."""
    try:
        import onnxruntime as ort
    except ModuleNotFoundError:
        raise MissingExtraError(peer, EXTRA) from None
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = max(1, int(threads))
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


class LazySession:
    """An onnxruntime session built on first use and rebuilt when the thread count changes."""

    def __init__(self, peer: str, path: Path):
        if not has_module("onnxruntime"):
            raise MissingExtraError(peer, EXTRA)
        self.peer, self.path = peer, path
        self._session = None
        self._threads = 0

    def get(self, threads: int):
        if self._session is None or self._threads != threads:
            self._session = onnx_session(self.peer, self.path, threads)
            self._threads = threads
        return self._session


def as_mono_float(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"expected a mono signal of shape (T,), got shape {x.shape}")
    return x.astype(np.float32, copy=False)


def sqrt_hann(n: int) -> np.ndarray:
    """Periodic square-root Hann window (analysis x synthesis sums to one at 50 % overlap)."""
    return np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n))


def stream_frames(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Frames exactly as a streaming STFT sees them: a buffer primed with ``n_fft - hop`` zeros, one frame per
    ``hop`` received samples (the last block zero-padded). Returns ``(ceil(T / hop), n_fft)``."""
    k = -(-len(x) // hop)
    xp = np.concatenate([np.zeros(n_fft - hop, dtype=x.dtype), x, np.zeros(k * hop - len(x), dtype=x.dtype)])
    return np.lib.stride_tricks.sliding_window_view(xp, n_fft)[::hop][:k]


def stream_overlap_add(frames: np.ndarray, hop: int, length: int) -> np.ndarray:
    """Overlap-add in which frame ``k`` releases samples ``[k*hop, (k+1)*hop)``, as a streaming synthesis
    does: the inverse of :func:`stream_frames`, delayed by ``n_fft - hop`` samples."""
    k, n = frames.shape
    out = np.zeros((k - 1) * hop + n, dtype=frames.dtype)
    for i in range(n // hop):  # the i-th hop-block of every frame lands on output block k + i
        out[i * hop : i * hop + k * hop] += frames[:, i * hop : (i + 1) * hop].reshape(-1)
    return out[:length]


def compensate(run, x: np.ndarray, delay: int) -> np.ndarray:
    """Time-align a peer whose output lags its input by ``delay`` samples.

    ``run`` maps a signal to its (delayed) output of the same length. The input gets ``delay`` zeros appended
    so that the last input samples make it through, then the first ``delay`` output samples are dropped.
    """
    n = len(x)
    xp = np.concatenate([x, np.zeros(delay, dtype=x.dtype)])
    y = run(xp)
    return np.ascontiguousarray(y[delay : delay + n], dtype=np.float32)


class PeerEnhancer(Enhancer):
    """Base of the peers: a native rate and a fixed algorithmic ``delay`` (samples at that rate)."""

    kind = "peer"
    delay: int = 0  # output lag of the raw peer, in samples at ``sample_rate``

    def __init__(self) -> None:
        self.threads = 1

    @classmethod
    def availability(cls) -> bool | str:
        """True when this peer can run here, else the reason in one line. Cheap: finds packages without importing
        them (native libraries are loaded to check that they link)."""
        return True

    def lookahead(self, sr: int) -> int:
        native = self.sample_rate or sr
        return int(round(self.delay * sr / native))

    def set_threads(self, n: int) -> None:
        self.threads = max(1, int(n))

    def _check_rate(self, sr: int) -> None:
        if self.sample_rate is not None and sr != self.sample_rate:
            raise ValueError(f"{self.name} works at {self.sample_rate} Hz, got {sr} Hz (resample first)")


class FramePeer(PeerEnhancer):
    """A peer driven one ``hop``-sample frame at a time through some per-stream state.

    Subclasses implement :meth:`_open` (fresh state), :meth:`_frame` (one frame in, one frame out) and
    optionally :meth:`_close`. Offline ``enhance`` is the stream with its ``delay`` compensated.
    """

    hop: int = 480

    @abstractmethod
    def _open(self): ...

    @abstractmethod
    def _frame(self, state, frame: np.ndarray) -> np.ndarray: ...

    def _close(self, state) -> None:  # noqa: B027 - optional hook
        pass

    def _run(self, x: np.ndarray) -> np.ndarray:
        """Raw peer output (delayed by ``self.delay``) of the same length as ``x``."""
        h = self.hop
        k = -(-len(x) // h)
        buf = np.zeros(k * h, dtype=np.float32)
        buf[: len(x)] = x
        out = np.empty_like(buf)
        state = self._open()
        try:
            for i in range(k):
                out[i * h : (i + 1) * h] = self._frame(state, buf[i * h : (i + 1) * h])
        finally:
            self._close(state)
        return out[: len(x)]

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        self._check_rate(sr)
        x = as_mono_float(x)
        if len(x) == 0:
            return x.copy()
        return compensate(self._run, x, self.delay)

    def stream(self, sr: int) -> StreamProcessor:
        self._check_rate(sr)
        return FrameStream(self)


class FrameStream(StreamProcessor):
    """Chunk-in / chunk-out wrapper of a :class:`FramePeer`; output lags the offline output by ``delay``."""

    def __init__(self, peer: FramePeer):
        self.peer = peer
        self.delay = peer.delay
        self._state = None
        self._buf = np.zeros(0, dtype=np.float32)
        self._n_in = 0
        self._n_out = 0

    def process(self, chunk: np.ndarray) -> np.ndarray:
        if self._state is None:
            self._state = self.peer._open()
        chunk = as_mono_float(chunk)
        self._n_in += len(chunk)
        self._buf = np.concatenate([self._buf, chunk])
        h = self.peer.hop
        k = len(self._buf) // h
        out = np.empty(k * h, dtype=np.float32)
        for i in range(k):
            out[i * h : (i + 1) * h] = self.peer._frame(self._state, self._buf[i * h : (i + 1) * h])
        self._buf = self._buf[k * h :]
        self._n_out += len(out)
        return out

    def flush(self) -> np.ndarray:
        """Feeds zeros until ``n_in + delay`` samples have come out, then returns them and resets."""
        need = self._n_in + self.delay - self._n_out
        out = np.zeros(0, dtype=np.float32)
        if need > 0 and self._n_in > 0:
            h = self.peer.hop
            pad = -(-need // h) * h - len(self._buf)  # the stream's buffer holds < hop samples, so pad > 0
            out = self.process(np.zeros(pad, dtype=np.float32))[:need]
        self.reset()
        return out

    def reset(self) -> None:
        if self._state is not None:
            self.peer._close(self._state)
        self._state = None
        self._buf = np.zeros(0, dtype=np.float32)
        self._n_in = self._n_out = 0

    def __del__(self):
        try:
            self.reset()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass
