"""``wpe``: weighted prediction error dereverberation (Nakatani et al. 2010; Yoshioka & Nakatani 2012), through
``nara-wpe`` (Drude et al. 2018, ``hush[wpe]``).

WPE predicts the late reverberation of each STFT bin from the bin's past frames (``taps`` frames, starting
``delay`` frames back, so that the direct sound and early reflections are left alone) and subtracts it, with the
prediction weighted by the inverse of the speech power. It removes reverberation, not noise: put it in front of a
denoiser for reverberant, noisy speech.

* offline (default): the iterative batch algorithm over the whole signal (``iterations`` passes); not causal.
* ``online=true``: the recursive least-squares variant with forgetting factor ``alpha``, one frame at a time;
  causal and streamable, with the analysis window as its only latency. Its estimate improves as it adapts, so it
  removes less than the offline algorithm on short files.

The STFT is 32 ms long with an 8 ms hop at any rate (512/128 at 16 kHz, the setting of the nara-wpe examples).
"""

from __future__ import annotations

import numpy as np

from hush.dsp.stft import StreamingISTFT, StreamingSTFT, istft, stft
from hush.errors import MethodError, MissingExtraError
from hush.methods.base import Enhancer, HopStream
from hush.methods.registry import register

HOP_S = 0.008


def wpe_frame_setup(sr: int) -> tuple[int, int]:
    """``(n_fft, hop)`` at rate ``sr``: 8 ms hop, four hops per window."""
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    hop = max(1, int(round(HOP_S * sr)))
    return 4 * hop, hop


def _nara():
    try:
        from nara_wpe import wpe as nara
    except ModuleNotFoundError:
        raise MissingExtraError("WPE dereverberation", "wpe") from None
    return nara


class _OnlineWPE:
    """Frame-recursive WPE over ``(F,)`` spectra of one channel: the block of the last ``taps + delay + 1``
    frames feeds nara-wpe's RLS update, whose power estimate comes from that block."""

    def __init__(self, taps: int, delay: int, alpha: float, bins: int):
        self.wpe = _nara().OnlineWPE(taps=taps, delay=delay, alpha=alpha, channel=1, frequency_bins=bins)
        self.block = np.zeros((taps + delay + 1, bins, 1), dtype=np.complex128)

    def step(self, frame: np.ndarray) -> np.ndarray:
        self.block = np.roll(self.block, -1, axis=0)
        self.block[-1, :, 0] = frame
        return self.wpe.step_block(self.block)[:, 0]


@register("wpe", "classical", "WPE dereverberation (nara-wpe): offline, or online=true to stream")
class WPEEnhancer(Enhancer):
    """Single-channel WPE dereverberation (see the module docstring for the options)."""

    name = "wpe"
    description = "WPE dereverberation (weighted prediction error, nara-wpe)"

    def __init__(self, taps: int = 10, delay: int = 3, iterations: int = 3, online: bool = False, alpha: float = 0.999):
        if taps < 1 or delay < 1 or iterations < 1:
            raise MethodError(f"wpe: taps, delay and iterations must be at least 1, got {taps}, {delay}, {iterations}")
        if not 0.0 < alpha < 1.0:
            raise MethodError(f"wpe: alpha must lie in (0, 1), got {alpha}")
        _nara()  # a missing extra fails when the method is made, not in the middle of a file
        self.taps, self.delay, self.iterations = int(taps), int(delay), int(iterations)
        self.online, self.alpha = bool(online), float(alpha)
        self.causal = self.online

    def lookahead(self, sr: int) -> int:
        n_fft, _ = wpe_frame_setup(sr)
        return n_fft - 1

    def min_length(self, sr: int) -> int:
        return wpe_frame_setup(sr)[0]

    def enhance(self, x: np.ndarray, sr: int) -> np.ndarray:
        n_fft, hop = wpe_frame_setup(sr)
        spec = stft(np.asarray(x, dtype=np.float64), n_fft, hop)  # (T, F)
        if self.online:
            rec = _OnlineWPE(self.taps, self.delay, self.alpha, spec.shape[1])
            out = np.stack([rec.step(frame) for frame in spec]) if len(spec) else spec
        else:
            y = _nara().wpe(spec.T[:, None, :], taps=self.taps, delay=self.delay, iterations=self.iterations)
            out = y[:, 0, :].T
        return istft(out, len(x), n_fft, hop).astype(np.float32)

    def stream(self, sr: int) -> HopStream:
        if not self.online:
            raise NotImplementedError("offline wpe does not stream: use wpe:online=true")
        return _WPEStream(self, sr)


class _WPEStream(HopStream):
    """Online WPE chunk by chunk: the offline ``online=true`` output delayed by ``n_fft - hop`` samples."""

    def __init__(self, method: WPEEnhancer, sr: int):
        self.method = method
        self.n_fft, self.hop = wpe_frame_setup(sr)
        self.delay = self.n_fft - self.hop
        self.reset()

    def _reset_state(self) -> None:
        m = self.method
        self.analysis = StreamingSTFT(self.n_fft, self.hop)
        self.synthesis = StreamingISTFT(self.n_fft, self.hop)
        self.rec = _OnlineWPE(m.taps, m.delay, m.alpha, self.n_fft // 2 + 1)

    def _run(self, x: np.ndarray) -> np.ndarray:
        frames = self.analysis.push(np.asarray(x, dtype=np.float64))
        if not len(frames):
            return np.zeros(0, np.float32)
        out = np.stack([self.rec.step(f) for f in frames])
        return self.synthesis.push(out).astype(np.float32)
