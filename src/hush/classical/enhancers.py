"""Classical single-channel enhancers: spectral subtraction, Wiener, MMSE-STSA and MMSE-LSA.

All four share one structure:

* causal STFT from :mod:`hush.dsp.stft` with 32 ms square-root-Hann frames and a 16 ms hop at any sampling
  rate (``hop = round(0.016 sr)``, ``n_fft = 2 hop``), so the papers' time constants apply unchanged;
* a :class:`FrameProcessor` holding all recursive state: a noise tracker
  (:mod:`hush.classical.noise_tracking`) and a suppression rule. It consumes one spectrum frame at a time and
  releases enhanced frames, and it is the only code path used both by ``enhance`` (offline: the frames of
  :func:`~hush.dsp.stft.stft` pushed in order) and by ``stream`` (frames from
  :class:`~hush.dsp.stft.StreamingSTFT` as they complete), so the two agree to float rounding;
* the noisy phase is kept (all rules are real gains);
* suppression control (:mod:`hush.methods.control`): ``atten_lim_db`` floors the gain of each released frame at
  ``10^(-atten_lim_db/20)`` and ``mix`` blends it with the noisy frame, in the frame processor after the rule (the
  rule's own recursion, e.g. the decision-directed SNR, is unchanged), so no latency is added.

Latency. Every method has ``lookahead(sr) = n_fft - 1`` samples (the 32 ms frame: the first sample of a hop
waits for its hop to complete and for the overlapping frames), and the stream's ``delay`` is ``n_fft - hop``
samples (the synthesis overlap). Spectral subtraction with Boll's residual-noise reduction
(``residual_reduction="boll"``, the default) takes the minimum over the previous, current *and next* frame,
which is one frame of lookahead: it adds one hop to both numbers. ``residual_reduction="causal"`` uses only
the previous and current frame and has no extra lookahead.

Noise tracking. ``noise_tracker="spp"`` (default for every method) is Gerkmann & Hendriks (2012);
``"minimum-statistics"`` is Martin (2001). SPP is the default because it follows rising noise levels within a
fraction of a second, while minimum statistics needs up to its 1.5 s search window plus a subwindow; it
needs no separate bias compensation or VAD and costs less per frame. (In stationary white noise it reads
about 1 dB low -- with fixed priors, E[E(|N|^2|y)] = 0.88 sigma_N^2 under noise alone -- against about
0.2 dB for minimum statistics.) Both are initialised
from the first ~100 ms (mean periodogram of the frames seen so far), see :mod:`hush.classical.noise_tracking`.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from hush.classical import gains
from hush.classical.noise_tracking import PSD_FLOOR, TRACKERS, NoiseTracker, make_tracker
from hush.dsp.stft import HOP_S, StreamingISTFT, StreamingSTFT, frame_setup, istft, stft
from hush.errors import MethodError
from hush.methods.base import Enhancer, StreamProcessor
from hush.methods.control import limit_spectrum
from hush.methods.registry import register

# ------------------------------------------------------------------------------------------ suppression rules


class SuppressionRule(ABC):
    """Per-frame spectral modification with its own state; may hold frames back (``lookahead_frames``)."""

    lookahead_frames: int = 0

    @abstractmethod
    def reset(self) -> None: ...

    @abstractmethod
    def process(self, spec: np.ndarray, power: np.ndarray, noise: np.ndarray) -> list[np.ndarray]:
        """Consume one noisy frame; return the enhanced frames now ready (oldest first)."""

    def flush(self) -> list[np.ndarray]:
        """Release frames held back for lookahead, at the end of the signal."""
        return []


class DecisionDirectedRule(SuppressionRule):
    """Gain ``G(xi, gamma)`` with the decision-directed a-priori SNR (Ephraim & Malah 1984, eq. 51).

    ``xi(l) = max(alpha G(l-1)^2 gamma(l-1) + (1 - alpha) max(gamma(l) - 1, 0), xi_min)``, ``alpha = 0.98``.
    The recursion starts from ``G^2 gamma = 1`` before the first frame, which gives E&M's initial condition
    ``xi(0) = alpha + (1 - alpha) max(gamma(0) - 1, 0)``. ``xi_min = -25 dB``: Ephraim & Malah (1985) and
    Cappe (1994, "Elimination of the musical noise phenomenon with the Ephraim and Malah noise suppressor",
    IEEE Trans. SAP 2(2)) recommend a lower limit on xi of the order of -15..-25 dB to keep residual noise
    free of musical tones; -25 dB is the common choice.
    """

    def __init__(
        self,
        gain_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
        n_bins: int,
        alpha: float = 0.98,
        xi_min_db: float = -25.0,
    ):
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        self.gain_fn = gain_fn
        self.n_bins = n_bins
        self.alpha = float(alpha)
        self.xi_min = 10.0 ** (float(xi_min_db) / 10.0)
        self.reset()

    def reset(self) -> None:
        self.prev_amp_snr = np.ones(self.n_bins)

    def process(self, spec, power, noise):
        gamma = power / noise
        xi = gains.decision_directed_xi(gamma, self.prev_amp_snr, self.alpha, self.xi_min)
        g = self.gain_fn(xi, gamma)
        self.prev_amp_snr = g * g * gamma
        return [spec * g]


class SpectralSubtractionRule(SuppressionRule):
    """Boll (1979) spectral subtraction with Berouti et al. (1979) over-subtraction and spectral floor.

    Per frame, in the ``|.|^exponent`` domain (``exponent = 1``: Boll's magnitude subtraction; 2: power):

    1. ``N = E|N|^exponent`` from the tracked noise PSD (Boll's averaged noise magnitude ``mu`` for
       exponent 1);
    2. frame SNR ``10 log10((sum |Y|^2 - sum lambda_N) / sum lambda_N)`` and Berouti's over-subtraction factor
       ``alpha = alpha0 - (alpha0 - 1) SNR / 20`` (clipped to -5..20 dB);
    3. ``|S|^exponent = max(|Y|^exponent - alpha N, beta N)`` (Berouti's floor replaces Boll's half-wave
       rectification);
    4. Boll's residual-noise reduction: where ``|S|`` is below the maximum residual noise, it is replaced by
       the minimum of ``|S|`` over the adjacent frames ``l-1, l, l+1`` (``"boll"``, one frame of lookahead)
       or ``l-1, l`` (``"causal"``); ``"off"`` disables the step. Boll measures the maximum residual during
       non-speech frames; here a frame is non-speech by Boll's test ``20 log10(mean_k |S_B| / mu) < -12 dB``
       on Boll's own residual ``S_B = max(|Y| - mu, 0)`` (``mu = E|N|``); the residual ``|S|`` of those
       frames is recorded relative to the current noise magnitude (so the threshold follows noise-level
       changes) and the per-bin maximum forgets with a ``residual_memory_s`` (1 s) time constant so one
       misclassified frame cannot raise it for ever.

    The noisy phase is kept. Boll's extra -30 dB attenuation of non-speech frames is not applied (it would
    gate the output), and his three-frame magnitude averaging is not applied (it would add lookahead).
    """

    def __init__(
        self,
        n_bins: int,
        exponent: float = 1.0,
        alpha0: float | None = None,
        beta: float = 0.02,
        residual_reduction: str = "boll",
        hop_s: float = HOP_S,
        residual_memory_s: float = 1.0,
        nonspeech_db: float = -12.0,
    ):
        if exponent <= 0:
            raise ValueError(f"exponent must be positive, got {exponent}")
        if residual_reduction not in {"boll", "causal", "off"}:
            raise ValueError(f"residual_reduction must be 'boll', 'causal' or 'off', got {residual_reduction!r}")
        self.n_bins = n_bins
        self.exponent = float(exponent)
        # Berouti: alpha0 = 4 for power subtraction; the magnitude-domain counterpart commonly used is 3
        # (alpha from 1 at 20 dB to 3 at 0 dB), e.g. Loizou, "Speech Enhancement: Theory and Practice".
        self.alpha0 = float(alpha0) if alpha0 is not None else (3.0 if exponent < 1.5 else 4.0)
        self.beta = float(beta)
        self.residual_reduction = residual_reduction
        self.lookahead_frames = 1 if residual_reduction == "boll" else 0
        self.decay = float(np.exp(-hop_s / residual_memory_s))
        self.nonspeech_ratio = 10.0 ** (nonspeech_db / 20.0)
        self.reset()

    def reset(self) -> None:
        self.max_residual = np.zeros(self.n_bins)  # max of |S| / mu over non-speech frames, leaky
        self.prev_mag = None  # |S| of frame l-1 (before residual reduction)
        self.pending = None  # (spec, |Y|, |S|, threshold) of the frame held back for lookahead

    def _subtract(self, spec, power, noise):
        e = self.exponent
        n_e = gains.noise_moment(noise, e)
        snr = (np.sum(power) - np.sum(noise)) / max(float(np.sum(noise)), PSD_FLOOR)
        snr_db = 10.0 * np.log10(max(snr, 1e-10))
        alpha = gains.berouti_oversubtraction(snr_db, self.alpha0)
        y_e = power ** (0.5 * e)
        s_mag = gains.subtract(y_e, n_e, alpha, self.beta) ** (1.0 / e)
        mu = n_e ** (1.0 / e)  # noise magnitude scale in the same units as |S|
        ratio = s_mag / np.maximum(mu, PSD_FLOOR)
        threshold = self.max_residual * mu
        # Boll's non-speech test T = 20 log10(mean_k |S_B| / mu_1) < -12 dB, evaluated on Boll's own
        # residual S_B (magnitude subtraction of mu_1 = E|N|, half-wave rectified) rather than on the
        # over-subtracted one, which is small in weak speech frames too. Noise-only frames give
        # T ~ -13.5 dB (for Rayleigh |Y|, E(|Y| - mu_1)+ = erfc(sqrt(pi) / 2) mu_1 = 0.21 mu_1).
        mu_1 = gains.noise_moment(noise, 1.0)
        boll = np.maximum(np.sqrt(power) - mu_1, 0.0) / np.maximum(mu_1, PSD_FLOOR)
        if np.mean(boll) < self.nonspeech_ratio:
            self.max_residual = np.maximum(ratio, self.decay * self.max_residual)
        else:
            self.max_residual = self.decay * self.max_residual
        return s_mag, threshold

    @staticmethod
    def _apply(spec, y_mag, s_mag):
        return spec * (s_mag / np.maximum(y_mag, 1e-30))

    def _finish(self, item, next_mag):
        spec, y_mag, s_mag, thr = item
        if self.residual_reduction != "off":
            local_min = s_mag
            if self.prev_mag is not None:
                local_min = np.minimum(local_min, self.prev_mag)
            if next_mag is not None:
                local_min = np.minimum(local_min, next_mag)
            out_mag = np.where(s_mag < thr, local_min, s_mag)
        else:
            out_mag = s_mag
        self.prev_mag = s_mag
        return self._apply(spec, y_mag, out_mag)

    def process(self, spec, power, noise):
        s_mag, thr = self._subtract(spec, power, noise)
        item = (spec, np.sqrt(power), s_mag, thr)
        if self.lookahead_frames == 0:
            return [self._finish(item, None)]
        out = [] if self.pending is None else [self._finish(self.pending, s_mag)]
        self.pending = item
        return out

    def flush(self):
        if self.pending is None:
            return []
        out = [self._finish(self.pending, None)]
        self.pending = None
        return out


# ------------------------------------------------------------------------------------------- frame processor


class FrameProcessor:
    """The per-frame recursion shared by offline and streaming processing: tracker + suppression rule.

    With ``atten_lim_db`` or ``mix`` set, each released frame is limited and mixed against its own noisy frame (the
    rule releases frames in order, one per input frame, so a FIFO of the noisy frames pairs them).
    """

    def __init__(
        self, tracker: NoiseTracker, rule: SuppressionRule, atten_lim_db: float | None = None, mix: float = 1.0
    ):
        self.tracker = tracker
        self.rule = rule
        self.floor = None if atten_lim_db is None else 10.0 ** (-float(atten_lim_db) / 20.0)
        self.mix = float(mix)
        self.control = self.floor is not None or self.mix != 1.0
        self._noisy: deque[np.ndarray] = deque()

    @property
    def lookahead_frames(self) -> int:
        return self.rule.lookahead_frames

    def reset(self) -> None:
        self.tracker.reset()
        self.rule.reset()
        self._noisy.clear()

    def _controlled(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        if not self.control:
            return frames
        out = []
        for f in frames:
            noisy = self._noisy.popleft()
            if self.floor is not None:
                f = limit_spectrum(noisy, f, self.floor)
            out.append(f if self.mix == 1.0 else self.mix * f + (1.0 - self.mix) * noisy)
        return out

    def push(self, spec: np.ndarray) -> list[np.ndarray]:
        """One complex spectrum frame ``(n_bins,)`` in, the enhanced frames ready so far out."""
        spec = np.asarray(spec, dtype=np.complex128)
        if self.control:
            self._noisy.append(spec)
        power = spec.real**2 + spec.imag**2
        noise = self.tracker.update(power)
        return self._controlled(self.rule.process(spec, power, noise))

    def flush(self) -> list[np.ndarray]:
        return self._controlled(self.rule.flush())


# ------------------------------------------------------------------------------------------------- streaming


class ClassicalStream(StreamProcessor):
    """Streaming wrapper: StreamingSTFT -> FrameProcessor -> StreamingISTFT.

    ``delay = n_fft - hop + lookahead_frames * hop``: the overlap-add delay plus, for a rule that holds frames
    back, ``lookahead_frames * hop`` zeros emitted at the start, so that the output keeps pace with the input
    (every completed input hop releases one output hop) and output sample ``j`` is offline sample
    ``j - delay``. ``flush`` zero-pads the input like the offline STFT, releases held-back frames, drains the
    overlap-add buffer and stops exactly at ``n_in + delay`` output samples; the processor is then reset and
    can take a new signal.
    """

    def __init__(self, processor: FrameProcessor, n_fft: int, hop: int):
        self.proc = processor
        self.n_fft, self.hop = n_fft, hop
        self.ana = StreamingSTFT(n_fft, hop)
        self.syn = StreamingISTFT(n_fft, hop)
        self.lead = processor.lookahead_frames * hop
        self.delay = n_fft - hop + self.lead
        self.n_out = 0

    def reset(self) -> None:
        self.proc.reset()
        self.ana.reset()
        self.syn.reset()
        self.n_out = 0

    def _lead_in(self) -> list[np.ndarray]:
        """The ``lookahead_frames * hop`` leading zeros, once, before the first synthesised samples."""
        return [np.zeros(self.lead)] if self.n_out == 0 and self.lead else []

    def _synth(self, frames: list[np.ndarray]) -> np.ndarray:
        if not frames:
            return np.zeros(0)
        return self.syn.push(np.stack(frames))

    def process(self, chunk: np.ndarray) -> np.ndarray:
        chunk = np.asarray(chunk, dtype=np.float64).reshape(-1)
        out_frames: list[np.ndarray] = []
        for f in self.ana.push(chunk):
            out_frames.extend(self.proc.push(f))
        y = self._synth(out_frames)
        if len(y):
            y = np.concatenate([*self._lead_in(), y])
        self.n_out += len(y)
        return y.astype(np.float32)

    def flush(self) -> np.ndarray:
        out_frames: list[np.ndarray] = []
        for f in self.ana.flush():
            out_frames.extend(self.proc.push(f))
        out_frames.extend(self.proc.flush())
        parts = [*self._lead_in(), self._synth(out_frames)]
        target = self.ana.n_in + self.delay
        produced = self.n_out + sum(len(p) for p in parts)
        zero = np.zeros((1, self.n_fft // 2 + 1), dtype=np.complex128)
        while produced < target:  # drain the overlap-add accumulator
            blk = self.syn.push(zero)
            parts.append(blk)
            produced += len(blk)
        y = np.concatenate(parts)[: max(0, target - self.n_out)]
        self.reset()
        return y.astype(np.float32)


# ------------------------------------------------------------------------------------------------- enhancers


class ClassicalEnhancer(Enhancer):
    """Base class: STFT framing, the offline loop and streaming around a :class:`FrameProcessor`.

    Args:
        noise_tracker: ``"spp"`` (default) or ``"minimum-statistics"``.
        tracker_options: extra keyword arguments for the tracker class (e.g. ``{"window_s": 2.0}``).
    """

    sample_rate = None
    causal = True
    atten_lim_db: float | None = None  # suppression control, see hush.methods.control
    mix: float = 1.0

    def __init__(self, noise_tracker: str = "spp", tracker_options: dict[str, Any] | None = None):
        key = str(noise_tracker).lower().replace("_", "-")
        if key not in TRACKERS:
            raise MethodError(
                f"{self.name}: unknown noise_tracker {noise_tracker!r}; choose one of {', '.join(TRACKERS)}"
            )
        self.noise_tracker = key
        self.tracker_options = dict(tracker_options or {})
        try:  # fail at construction, not at the first enhance(), on bad tracker options
            make_tracker(key, 3, hop_s=HOP_S, **self.tracker_options)
        except (TypeError, ValueError) as e:
            raise MethodError(f"{self.name}: bad tracker_options {self.tracker_options!r}: {e}") from None

    @abstractmethod
    def _make_rule(self, n_bins: int) -> SuppressionRule: ...

    def frame_processor(self, sr: int) -> FrameProcessor:
        """A fresh per-frame processor for rate ``sr``."""
        n_fft, _ = frame_setup(sr)
        n_bins = n_fft // 2 + 1
        tracker = make_tracker(self.noise_tracker, n_bins, hop_s=HOP_S, **self.tracker_options)
        return FrameProcessor(tracker, self._make_rule(n_bins), self.atten_lim_db, self.mix)

    def with_control(self, atten_lim_db: float | None, mix: float) -> Enhancer | None:
        new = copy.copy(self)
        new.atten_lim_db, new.mix = atten_lim_db, float(mix)
        return new

    def _lookahead_frames(self) -> int:
        return self._make_rule(3).lookahead_frames

    def lookahead(self, sr: int) -> int:
        n_fft, hop = frame_setup(sr)
        return n_fft - 1 + self._lookahead_frames() * hop

    def min_length(self, sr: int) -> int:
        return frame_setup(sr)[0]

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 1:
            raise ValueError(f"{self.name} expects a mono signal of shape (T,), got {x.shape}")
        if len(x) == 0:
            return np.zeros(0, dtype=np.float32)
        n_fft, hop = frame_setup(sr)
        spec = stft(x, n_fft, hop)
        proc = self.frame_processor(sr)
        out: list[np.ndarray] = []
        for f in spec:
            out.extend(proc.push(f))
        out.extend(proc.flush())
        return istft(np.stack(out), len(x), n_fft, hop).astype(np.float32)

    def stream(self, sr: int) -> StreamProcessor:
        n_fft, hop = frame_setup(sr)
        return ClassicalStream(self.frame_processor(sr), n_fft, hop)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(noise_tracker={self.noise_tracker!r})"


class _DecisionDirectedEnhancer(ClassicalEnhancer):
    gain_fn: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def __init__(
        self,
        noise_tracker: str = "spp",
        alpha: float = 0.98,
        xi_min_db: float = -25.0,
        tracker_options: dict[str, Any] | None = None,
    ):
        super().__init__(noise_tracker, tracker_options)
        self.alpha = float(alpha)
        self.xi_min_db = float(xi_min_db)
        try:
            self._make_rule(3)  # validate options now rather than at first use
        except ValueError as e:
            raise MethodError(f"{self.name}: {e}") from None

    def _make_rule(self, n_bins: int) -> SuppressionRule:
        return DecisionDirectedRule(type(self).gain_fn, n_bins, self.alpha, self.xi_min_db)


@register("wiener", "classical", "Wiener filter, decision-directed a-priori SNR (Scalart & Vieira 1996)")
class WienerEnhancer(_DecisionDirectedEnhancer):
    """Wiener gain ``xi / (1 + xi)`` with the decision-directed a-priori SNR (Scalart & Vieira 1996).

    Options: ``noise_tracker`` (``"spp"`` | ``"minimum-statistics"``), ``alpha`` (0.98), ``xi_min_db`` (-25),
    ``tracker_options``. Lookahead ``n_fft - 1`` samples (one 32 ms frame).
    """

    name = "wiener"
    description = "Wiener filter, decision-directed a-priori SNR (Scalart & Vieira 1996)"
    gain_fn = staticmethod(gains.wiener_gain)


@register("mmse-stsa", "classical", "MMSE short-time spectral amplitude estimator (Ephraim & Malah 1984)")
class MMSESTSAEnhancer(_DecisionDirectedEnhancer):
    """Ephraim & Malah (1984) MMSE-STSA gain with the decision-directed a-priori SNR.

    Options as for ``wiener``. Lookahead ``n_fft - 1`` samples.
    """

    name = "mmse-stsa"
    description = "MMSE short-time spectral amplitude estimator (Ephraim & Malah 1984)"
    gain_fn = staticmethod(gains.mmse_stsa_gain)


@register("mmse-lsa", "classical", "MMSE log-spectral amplitude estimator (Ephraim & Malah 1985)")
class MMSELSAEnhancer(_DecisionDirectedEnhancer):
    """Ephraim & Malah (1985) MMSE log-spectral amplitude gain with the decision-directed a-priori SNR.

    Options as for ``wiener``. Lookahead ``n_fft - 1`` samples.
    """

    name = "mmse-lsa"
    description = "MMSE log-spectral amplitude estimator (Ephraim & Malah 1985)"
    gain_fn = staticmethod(gains.mmse_lsa_gain)


@register(
    "spectral-subtraction",
    "classical",
    "Spectral subtraction (Boll 1979) with over-subtraction and floor (Berouti et al. 1979)",
)
class SpectralSubtractionEnhancer(ClassicalEnhancer):
    """Boll (1979) magnitude spectral subtraction with Berouti et al. (1979) over-subtraction and floor.

    Options: ``noise_tracker``, ``exponent`` (1 = magnitude, 2 = power subtraction), ``alpha0`` (over-
    subtraction at 0 dB SNR; default 3 for magnitude, 4 for power), ``beta`` (spectral floor, 0.02),
    ``residual_reduction`` (``"boll"``: min over frames l-1..l+1, one frame of lookahead; ``"causal"``: frames
    l-1..l; ``"off"``), ``tracker_options``. Lookahead ``n_fft - 1 + hop`` samples with ``"boll"``, else
    ``n_fft - 1``. See :class:`SpectralSubtractionRule`.
    """

    name = "spectral-subtraction"
    description = "Spectral subtraction (Boll 1979) with over-subtraction and floor (Berouti et al. 1979)"

    def __init__(
        self,
        noise_tracker: str = "spp",
        exponent: float = 1.0,
        alpha0: float | None = None,
        beta: float = 0.02,
        residual_reduction: str = "boll",
        tracker_options: dict[str, Any] | None = None,
    ):
        super().__init__(noise_tracker, tracker_options)
        self.exponent = float(exponent)
        self.alpha0 = alpha0
        self.beta = float(beta)
        self.residual_reduction = residual_reduction
        try:
            self._make_rule(3)
        except ValueError as e:
            raise MethodError(f"{self.name}: {e}") from None

    def _make_rule(self, n_bins: int) -> SuppressionRule:
        return SpectralSubtractionRule(
            n_bins, self.exponent, self.alpha0, self.beta, self.residual_reduction, hop_s=HOP_S
        )
