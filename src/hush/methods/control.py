"""Suppression control for every method: a maximum attenuation per time-frequency bin and a dry/wet mix.

``atten_lim_db`` (CLI ``--atten-lim-db``) caps the suppression at that many dB per time-frequency bin. With
``g = 10 ** (-atten_lim_db / 20)``, what the method removes from a bin, ``R = X - Y`` (noisy minus enhanced), may
be at most ``(1 - g) |X|``; a larger ``R`` is shortened along its own direction, and then no bin may come out
louder than it went in (``|Y| <= |X|``). So every bin keeps at least ``g |X|``, none is amplified, and the output
stays within ``(1 - g) |X|`` of the input in every bin: a limit near 0 dB returns the input, whatever the method
does to the phase (a deep filter's complex taps included). For a real gain this is the plain gain floor ``g``.
Unset (``None``) means no limit. It must be positive: 0 dB would forbid all suppression, and other tools read
0 as "no limit", so it is rejected rather than guessed. ``inf`` is accepted and means no limit.

``mix`` (CLI ``--mix``, 0..1, default 1) blends the result with the time-aligned input:
``mix * enhanced + (1 - mix) * input``; 0 returns the input unchanged. The mix is applied after the limit.

:func:`apply_control` attaches both to an :class:`~hush.methods.base.Enhancer`. A method applies them natively when
its :meth:`~hush.methods.base.Enhancer.with_control` says so, with no added latency and with streaming still equal
to offline:

* STFT models (:class:`hush.models.stft_mask.STFTModel`, including ``erbdf``) in ``post_spec``, on their own
  spectrum inside ``forward`` and ``step`` (there mixing the spectra is the time-domain mix, by linearity of the
  perfect-reconstruction synthesis);
* classical methods in their frame processor, as a floor on the real gain.

Every other method (peers, waveform models, exported models) gets :class:`ControlledEnhancer`. Offline, it analyses
the input and the method's output with the causal STFT of :mod:`hush.dsp.stft` (32 ms square-root-Hann frames,
16 ms hop), floors the output spectrum and resynthesises; the mix is a direct time-domain mix. Its streaming
processor delays the input by the method's own stream ``delay`` to align it with the output; the limit adds
``n_fft - hop`` samples (the synthesis overlap, 16 ms) plus up to ``hop - 1`` samples that align the method's delay
to the hop grid (so that the frames are exactly the offline ones): ``delay = d + (-d mod hop) + n_fft - hop`` for a
method with stream delay ``d``. A mix alone adds no latency.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hush.dsp.stft import StreamingISTFT, StreamingSTFT, frame_setup, istft, stft
from hush.errors import MethodError
from hush.methods.base import UNBOUNDED, Enhancer, StreamProcessor

CONTROL_OPTIONS = ("atten_lim_db", "mix")
_TINY = 1e-20


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise MethodError(f"{name} must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MethodError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(v):
        raise MethodError(f"{name} must be a number, got nan")
    return v


def validate_control(atten_lim_db: Any = None, mix: Any = 1.0) -> tuple[float | None, float]:
    """Checked ``(atten_lim_db, mix)``: ``atten_lim_db`` ``None`` (no limit) or > 0 dB, ``mix`` in [0, 1].

    Raises :class:`~hush.errors.MethodError` with a one-line message otherwise. ``inf`` dB becomes ``None``.
    """
    if atten_lim_db is not None:
        atten_lim_db = _number("atten_lim_db", atten_lim_db)
        if atten_lim_db <= 0:
            raise MethodError(
                f"atten_lim_db must be a positive number of dB (the most suppression allowed per "
                f"time-frequency bin), got {atten_lim_db:g}; leave it unset for no limit"
            )
        if math.isinf(atten_lim_db):
            atten_lim_db = None
    mix = 1.0 if mix is None else _number("mix", mix)
    if not 0.0 <= mix <= 1.0:
        raise MethodError(f"mix must be between 0 (input unchanged) and 1 (fully enhanced), got {mix:g}")
    return atten_lim_db, mix


def floor_gain(atten_lim_db: float | None) -> float | None:
    """Linear magnitude floor ``10 ** (-atten_lim_db / 20)``, or ``None`` for no limit."""
    return None if atten_lim_db is None else 10.0 ** (-float(atten_lim_db) / 20.0)


def limit_spectrum(noisy: np.ndarray, enhanced: np.ndarray, floor: float) -> np.ndarray:
    """``enhanced`` with at most ``(1 - floor) |noisy|`` removed from each bin and no bin louder than ``noisy``
    (see the module docstring); ``STFTModel.post_spec`` is the same rule in torch."""
    mag_in = np.abs(noisy)
    removed = noisy - enhanced
    most, mag_r = (1.0 - floor) * mag_in, np.abs(removed)
    out = noisy - removed * np.where(mag_r > most, most / np.maximum(mag_r, _TINY), 1.0)
    mag_out = np.abs(out)
    return out * np.where(mag_out > mag_in, mag_in / np.maximum(mag_out, _TINY), 1.0)


def split_control(options: dict[str, Any]) -> dict[str, Any]:
    """Remove and return the suppression-control entries of ``options`` (a method's other options stay)."""
    return {k: options.pop(k) for k in CONTROL_OPTIONS if k in options}


def file_defaults(meta: dict | None) -> dict[str, Any]:
    """The suppression control a model file asks for by default (``meta["inference"]``: ``atten_lim_db``, ``mix``).

    A bundled model may ship with a limit chosen on its own validation set; an explicit ``atten_lim_db`` / ``mix``
    from the caller replaces it (``atten_lim_db=inf`` removes the limit).
    """
    inf = (meta or {}).get("inference") or {}
    return {k: inf[k] for k in CONTROL_OPTIONS if inf.get(k) is not None}


def file_presets(meta: dict | None) -> dict[str, dict[str, Any]]:
    """Named suppression settings a model file offers (``meta["inference"]["presets"]``), such as ``asr``: the limit
    and mix tuned for a downstream speech recognizer. Each is validated; entries other than the control are dropped."""
    presets = ((meta or {}).get("inference") or {}).get("presets") or {}
    out = {}
    for name, values in presets.items():
        control = {k: values[k] for k in CONTROL_OPTIONS if values.get(k) is not None}
        validate_control(**control)
        out[str(name)] = control
    return out


def with_file_defaults(enhancer: Enhancer, meta: dict | None) -> Enhancer:
    """``enhancer`` with its model file's default control applied; the defaults are kept on the result as
    ``control_defaults`` so that :func:`hush.methods.resolve` keeps the ones a caller does not replace, and its
    named presets as ``control_presets``."""
    defaults, presets = file_defaults(meta), file_presets(meta)
    if defaults:
        enhancer = apply_control(enhancer, **defaults)
        enhancer.control_defaults = defaults
    if presets:
        enhancer.control_presets = presets
    return enhancer


def preset_control(enhancer: Enhancer, preset: str) -> dict[str, Any]:
    """The control values of ``enhancer``'s preset ``preset``; a one-line :class:`MethodError` naming the method's
    presets (or saying it has none) otherwise."""
    presets = getattr(enhancer, "control_presets", {}) or {}
    if preset not in presets:
        have = f"its presets: {', '.join(sorted(presets))}" if presets else "it has no presets"
        raise MethodError(f"{enhancer.name}: unknown preset {preset!r}; {have}")
    return dict(presets[preset])


def apply_control(enhancer: Enhancer, atten_lim_db: Any = None, mix: Any = 1.0) -> Enhancer:
    """``enhancer`` with the suppression limit and mix applied (validated); unchanged when both are off.

    The values replace any the enhancer already carries. The method's native implementation is used when it has
    one (:meth:`Enhancer.with_control`), else :class:`ControlledEnhancer`.
    """
    atten_lim_db, mix = validate_control(atten_lim_db, mix)
    native = enhancer.with_control(atten_lim_db, mix)
    if native is not None:
        return native
    if atten_lim_db is None and mix == 1.0:
        return enhancer
    return ControlledEnhancer(enhancer, atten_lim_db, mix)


class ControlledEnhancer(Enhancer):
    """Generic suppression limit and mix around any method (see the module docstring for the latency)."""

    def __init__(self, inner: Enhancer, atten_lim_db: float | None = None, mix: float = 1.0):
        self.atten_lim_db, self.mix = validate_control(atten_lim_db, mix)
        self.inner = inner
        self.name, self.description = inner.name, inner.description
        self.sample_rate, self.causal = inner.sample_rate, inner.causal
        self.handles_band_limited = inner.handles_band_limited

    def lookahead(self, sr: int) -> int:
        la = self.inner.lookahead(sr)
        if self.atten_lim_db is None or la >= UNBOUNDED:
            return la
        return la + frame_setup(sr)[0] - 1  # the limiter's analysis window

    def min_length(self, sr: int) -> int:
        return self.inner.min_length(sr)

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = np.asarray(x, np.float32)
        y = np.asarray(self.inner.enhance(x, sr), np.float64)
        if self.atten_lim_db is not None:
            n_fft, hop = frame_setup(sr)
            spec = limit_spectrum(
                stft(x.astype(np.float64), n_fft, hop), stft(y, n_fft, hop), floor_gain(self.atten_lim_db)
            )
            y = istft(spec, x.shape[-1], n_fft, hop)
        if self.mix != 1.0:
            y = self.mix * y + (1.0 - self.mix) * x
        return y.astype(np.float32)

    def stream(self, sr: int) -> StreamProcessor:
        return ControlledStream(self.inner.stream(sr), sr, self.atten_lim_db, self.mix)

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer | None:
        return apply_control(self.inner, atten_lim_db, mix)

    def set_threads(self, n: int) -> None:
        self.inner.set_threads(n)

    def __repr__(self) -> str:
        return f"ControlledEnhancer({self.inner!r}, atten_lim_db={self.atten_lim_db}, mix={self.mix})"


class _DelayLine:
    """FIFO of samples with ``n`` leading zeros; ``take(k)`` pops ``k`` samples (zero-padded when short)."""

    def __init__(self, n: int):
        self.buf = np.zeros(n)

    def push(self, x: np.ndarray) -> None:
        self.buf = np.concatenate([self.buf, np.asarray(x, np.float64)])

    def take(self, k: int) -> np.ndarray:
        out, self.buf = self.buf[:k], self.buf[k:]
        return np.pad(out, (0, k - len(out)))


class ControlledStream(StreamProcessor):
    """Stream of :class:`ControlledEnhancer`: the method's stream, the streaming limiter and the delayed-input mix.

    ``delay`` is the inner delay ``d`` with a mix only, else ``d + (-d mod hop) + n_fft - hop``.
    """

    def __init__(self, inner: StreamProcessor, sr: int, atten_lim_db: float | None, mix: float):
        self.inner, self.mix, self.floor = inner, mix, floor_gain(atten_lim_db)
        self.n_fft, self.hop = frame_setup(sr)
        d = int(inner.delay)
        self.pre = 0 if self.floor is None else (-d) % self.hop
        self.delay = d + self.pre + (0 if self.floor is None else self.n_fft - self.hop)
        self._d = d
        self._reset_self()

    def _reset_self(self) -> None:
        self.x_in = _DelayLine(self._d + self.pre)  # input aligned with the inner output (after the pre delay)
        self.y_in = _DelayLine(self.pre)
        self.x_mix = _DelayLine(0 if self.floor is None else self.n_fft - self.hop)  # aligned with the limiter out
        if self.floor is not None:
            self.ana_x, self.ana_y = StreamingSTFT(self.n_fft, self.hop), StreamingSTFT(self.n_fft, self.hop)
            self.syn = StreamingISTFT(self.n_fft, self.hop)
        self.n_in = self.n_out = 0

    def reset(self) -> None:
        self.inner.reset()
        self._reset_self()

    def _limit(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        frames = limit_spectrum(xs, ys, self.floor)
        return self.syn.push(frames) if len(frames) else np.zeros(0)

    def _out(self, y: np.ndarray) -> np.ndarray:
        if self.mix != 1.0:
            y = self.mix * y + (1.0 - self.mix) * self.x_mix.take(len(y))
        self.n_out += len(y)
        return y.astype(np.float32)

    def _aligned(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The inner output (after the ``pre`` delay) and the input samples aligned with it."""
        self.y_in.push(y)
        k = len(self.y_in.buf)
        xd = self.x_in.take(k)
        return xd, self.y_in.take(k)

    def process(self, chunk: np.ndarray) -> np.ndarray:
        chunk = np.asarray(chunk, np.float32).reshape(-1)
        self.n_in += len(chunk)
        self.x_in.push(chunk)
        xd, yd = self._aligned(self.inner.process(chunk))
        self.x_mix.push(xd)
        if self.floor is None:
            return self._out(yd)
        return self._out(self._limit(self.ana_x.push(xd), self.ana_y.push(yd)))

    def flush(self) -> np.ndarray:
        xd, yd = self._aligned(self.inner.flush())
        self.x_mix.push(xd)
        target = self.n_in + self.delay
        if self.floor is None:
            y = yd
        else:
            parts = [
                self._limit(self.ana_x.push(xd), self.ana_y.push(yd)),
                self._limit(self.ana_x.flush(), self.ana_y.flush()),
            ]
            produced = self.n_out + sum(len(p) for p in parts)
            zero = np.zeros((1, self.n_fft // 2 + 1), np.complex128)
            while produced < target:  # drain the overlap-add accumulator
                parts.append(self.syn.push(zero))
                produced += self.hop
            y = np.concatenate(parts)
        y = self._out(np.pad(y, (0, max(0, target - self.n_out - len(y))))[: max(0, target - self.n_out)])
        self._reset_self()
        return y
