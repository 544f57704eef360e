"""onnxruntime backend: run an exported frame graph (see :mod:`hush.onnx_backend.metadata`) without torch.

:class:`OnnxModel` holds the session and the metadata and steps one spectrum frame; :class:`OnnxStream` adds the
sqrt-Hann framing and weighted overlap-add synthesis in numpy and implements :class:`StreamProcessor` with the same
semantics as :class:`hush.models.enhancer.ModelStream` (output = offline output delayed by ``delay``);
:class:`OnnxEnhancer` is the :class:`Enhancer` whose offline ``enhance`` runs the stream over the whole input and
removes the delay.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import numpy as np

from hush.dsp.stft import sqrt_hann, synthesis_window
from hush.errors import MethodError, MissingExtraError
from hush.methods.base import Enhancer, HopStream, StreamProcessor
from hush.methods.control import floor_gain, limit_spectrum, with_file_defaults
from hush.methods.registry import register_format
from hush.onnx_backend.metadata import metadata_from_props


def _ort():
    try:
        import onnxruntime
    except ModuleNotFoundError:
        raise MissingExtraError("running ONNX models", "onnx") from None
    return onnxruntime


class OnnxModel:
    """An exported hush model in an onnxruntime session (single-threaded by default)."""

    def __init__(self, path: str | os.PathLike, threads: int = 1):
        ort = _ort()
        self.path = Path(path)
        if not self.path.is_file():
            raise MethodError(f"{path}: ONNX file not found")
        self._threads = max(int(threads), 1)
        try:
            self.session = self._make_session(ort)
        except Exception as e:
            raise MethodError(f"{path}: cannot load ONNX model ({str(e).strip().splitlines()[0]})") from None
        self.meta: dict[str, Any] = metadata_from_props(self.session.get_modelmeta().custom_metadata_map, path)
        m = self.meta
        self.arch, self.config = m["arch"], m["config"]
        self.sample_rate, self.n_fft, self.hop = int(m["sample_rate"]), int(m["n_fft"]), int(m["hop"])
        self.stream_delay, self.lookahead, self.min_length = m["stream_delay"], m["lookahead"], m["min_length"]
        if m.get("window") != "sqrt_hann":
            raise MethodError(f"{path}: unsupported analysis window {m.get('window')!r}")
        self.window = sqrt_hann(self.n_fft).astype(np.float32)
        self.syn_window = synthesis_window(sqrt_hann(self.n_fft), self.hop)
        self._in_names = [s["input"] for s in m["state"]]
        self._out_names = [*m["outputs"], *(s["output"] for s in m["state"])]
        self._init = [
            np.zeros(s["shape"], s["dtype"]) if s["init"] == "zeros" else np.asarray(s["init"], s["dtype"])
            for s in m["state"]
        ]

    def _make_session(self, ort):
        so = ort.SessionOptions()
        so.intra_op_num_threads = self._threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.log_severity_level = 3
        return ort.InferenceSession(str(self.path), so, providers=["CPUExecutionProvider"])

    def set_threads(self, n: int) -> None:
        n = max(int(n), 1)
        if n != self._threads:
            self._threads = n
            self.session = self._make_session(_ort())

    def init_state(self) -> list[np.ndarray]:
        return [x.copy() for x in self._init]

    def step_spec(self, spec: np.ndarray, state: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Enhance one complex spectrum frame ``(n_bins,)``; returns the enhanced frame and the next state."""
        feed = {
            "spec_re": np.ascontiguousarray(spec.real, np.float32).reshape(1, 1, -1),
            "spec_im": np.ascontiguousarray(spec.imag, np.float32).reshape(1, 1, -1),
        }
        feed.update(zip(self._in_names, state, strict=True))
        res = self.session.run(self._out_names, feed)
        return (res[0][0, 0].astype(np.float64) + 1j * res[1][0, 0]), res[2:]


class OnnxStream(HopStream):
    """Hop-by-hop framing → :meth:`OnnxModel.step_spec` → overlap-add; output lags the offline output by ``delay``.

    ``atten_lim_db`` / ``mix``: suppression control on each enhanced frame, as ``STFTModel.post_spec`` does it.
    """

    def __init__(self, model: OnnxModel, atten_lim_db: float | None = None, mix: float = 1.0):
        self.model = model
        self.hop = model.hop
        self.delay = model.stream_delay
        self.floor, self.mix = floor_gain(atten_lim_db), float(mix)
        self.reset()

    def _reset_state(self) -> None:
        n, h = self.model.n_fft, self.hop
        self._state = self.model.init_state()
        self._in = np.zeros(n - h, np.float32)  # last n_fft - hop input samples
        # a model with lookahead frames returns frame k - L for input frame k: control needs that input frame
        self._la = max(0, (self.model.stream_delay - (n - h)) // h)
        self._pending = [np.zeros(n // 2 + 1, np.complex128)] * self._la
        self._ola = np.zeros(n - h, np.float64)  # overlap-add tail
        self._buf = np.zeros(0, np.float32)

    def _run(self, x: np.ndarray) -> np.ndarray:
        self._buf = np.concatenate([self._buf, np.asarray(x, np.float32)])
        n_hops = len(self._buf) // self.hop
        out = np.empty(n_hops * self.hop, np.float32)
        m, h = self.model, self.hop
        for i in range(n_hops):
            frame = np.concatenate([self._in, self._buf[i * h : (i + 1) * h]])
            spec = np.fft.rfft(frame * m.window)
            y_spec, self._state = m.step_spec(spec, self._state)
            if self._la:
                self._pending.append(spec)
                spec = self._pending.pop(0)
            if self.floor is not None:
                y_spec = limit_spectrum(spec, y_spec, self.floor)
            if self.mix != 1.0:
                y_spec = self.mix * y_spec + (1.0 - self.mix) * spec
            y = np.fft.irfft(y_spec, n=m.n_fft) * m.syn_window
            acc = np.concatenate([self._ola, np.zeros(h)]) + y
            out[i * h : (i + 1) * h] = acc[:h]
            self._in, self._ola = frame[h:], acc[h:]
        self._buf = self._buf[n_hops * h :]
        return out


class OnnxEnhancer(Enhancer):
    """An exported model as a method: streaming through :class:`OnnxStream`, offline = stream minus its delay."""

    causal = True
    atten_lim_db: float | None = None
    mix: float = 1.0

    def __init__(self, path: str | os.PathLike, name: str | None = None, description: str = "", threads: int = 1):
        self.model = OnnxModel(path, threads=threads)
        self.name = name or str(path)
        q = self.model.meta.get("quantized")
        self.description = description or f"{self.model.arch} model (ONNX{', ' + q if q else ''})"
        self.sample_rate = self.model.sample_rate
        self.handles_band_limited = bool(self.model.meta.get("handles_band_limited", False))

    def lookahead(self, sr: int) -> int:
        return self.model.lookahead

    def min_length(self, sr: int) -> int:
        return self.model.min_length

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = np.asarray(x, np.float32)
        s = self.stream(sr)
        y = np.concatenate([s.process(x), s.flush()])
        return y[s.delay : s.delay + len(x)].astype(np.float32)

    def stream(self, sr: int) -> StreamProcessor:
        return OnnxStream(self.model, self.atten_lim_db, self.mix)

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer:
        """Native suppression control on the enhanced spectrum (no added latency); shares the session."""
        new = copy.copy(self)
        new.atten_lim_db, new.mix = atten_lim_db, float(mix)
        return new

    def set_threads(self, n: int) -> None:
        self.model.set_threads(n)


def load_enhancer(path: str | os.PathLike, **options: Any) -> Enhancer:
    """An export (``hush export onnx``) as a method, with the suppression control its model asked for by default."""
    enh = OnnxEnhancer(path, name=str(path), **options)
    return with_file_defaults(enh, enh.model.meta.get("model_meta"))


register_format(".onnx", load_enhancer)
