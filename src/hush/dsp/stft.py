"""Causal STFT / inverse STFT with perfect reconstruction, in numpy and torch.

Framing convention (shared by offline and streaming code):

* no centring; ``n_fft - hop`` zeros are prepended, so frame ``k`` covers input samples
  ``[k*hop - (n_fft - hop), (k+1)*hop)`` and ends exactly at the last sample received;
* the signal is zero-padded on the right until every input sample is covered by all overlapping frames,
  giving ``n_frames = ceil((T + n_fft - hop) / hop)``;
* synthesis is weighted overlap-add with ``synthesis_window`` (analysis window divided by the constant
  sum of squared shifted windows), so ``istft(stft(x)) == x`` to float precision and the output is aligned
  with the input (no delay).

A streaming analysis/synthesis pair (:class:`StreamingSTFT`, :class:`StreamingISTFT`) produces the same frames
and the same samples, delayed by ``n_fft - hop`` samples.
"""

from __future__ import annotations

import math

import numpy as np

try:  # torch is a hard dependency of the neural layers, optional here
    import torch
except ModuleNotFoundError:  # pragma: no cover
    torch = None


FRAME_S, HOP_S = 0.032, 0.016  # the frames of the classical methods and of the generic suppression limiter


def frame_setup(sr: int, frame_s: float = FRAME_S) -> tuple[int, int]:
    """``(n_fft, hop)`` at rate ``sr`` for ``frame_s`` frames (32 ms by default) at 50 % overlap."""
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    hop = max(1, int(round(frame_s / 2 * sr)))
    return 2 * hop, hop


def sqrt_hann(n: int) -> np.ndarray:
    """Periodic square-root Hann window: at 50 % overlap, analysis x synthesis sums to one."""
    return np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float64)


def hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def synthesis_window(window: np.ndarray, hop: int) -> np.ndarray:
    """Synthesis window for WOLA: ``window / sum_k window(n + k hop)^2``; requires that sum to be constant."""
    n = len(window)
    if n % hop:
        raise ValueError(f"hop {hop} must divide the window length {n}")
    norm = np.zeros(hop)
    for k in range(n // hop):
        norm += window[k * hop : (k + 1) * hop] ** 2
    if np.any(norm < 1e-8) or np.ptp(norm) > 1e-6 * norm.mean():
        raise ValueError("window/hop pair does not satisfy the constant-overlap-add condition")
    return window / np.tile(norm, n // hop)


def n_frames(length: int, n_fft: int, hop: int) -> int:
    return max(1, math.ceil((length + n_fft - hop) / hop))


def frame(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Causal framing of ``x`` (..., T) into (..., n_frames, n_fft), see the module docstring."""
    t = x.shape[-1]
    k = n_frames(t, n_fft, hop)
    total = (k - 1) * hop + n_fft
    pad = [(0, 0)] * (x.ndim - 1) + [(n_fft - hop, total - t - (n_fft - hop))]
    xp = np.pad(x, pad)
    return np.lib.stride_tricks.sliding_window_view(xp, n_fft, axis=-1)[..., ::hop, :]


def overlap_add(frames: np.ndarray, hop: int, length: int) -> np.ndarray:
    """Overlap-add (..., K, N) frames and drop the causal left padding; returns (..., length)."""
    *lead, k, n = frames.shape
    out = np.zeros((*lead, (k - 1) * hop + n), dtype=frames.dtype)
    for i in range(n // hop):
        # frames k contribute their i-th hop-block to output block k + i
        blk = frames[..., i * hop : (i + 1) * hop].reshape(*lead, k * hop)
        out[..., i * hop : i * hop + k * hop] += blk
    start = n - hop
    return out[..., start : start + length]


def stft(x: np.ndarray, n_fft: int = 512, hop: int = 256, window: np.ndarray | None = None) -> np.ndarray:
    """Causal STFT of (..., T) -> complex (..., n_frames, n_fft // 2 + 1)."""
    w = sqrt_hann(n_fft) if window is None else np.asarray(window, dtype=np.float64)
    return np.fft.rfft(frame(np.asarray(x), n_fft, hop) * w, axis=-1)


def istft(
    spec: np.ndarray, length: int, n_fft: int = 512, hop: int = 256, window: np.ndarray | None = None
) -> np.ndarray:
    """Inverse of :func:`stft`; ``length`` is the original signal length."""
    w = sqrt_hann(n_fft) if window is None else np.asarray(window, dtype=np.float64)
    frames = np.fft.irfft(spec, n=n_fft, axis=-1) * synthesis_window(w, hop)
    return overlap_add(frames, hop, length)


# ----------------------------------------------------------------------------------------------- torch path


def _torch_window(window, n_fft: int, ref: torch.Tensor) -> torch.Tensor:
    dtype = ref.real.dtype if ref.is_complex() else ref.dtype
    if isinstance(window, torch.Tensor):
        return window.to(dtype=dtype, device=ref.device)
    w = sqrt_hann(n_fft) if window is None else np.asarray(window, dtype=np.float64)
    return torch.as_tensor(w, dtype=dtype, device=ref.device)


def torch_stft(x: torch.Tensor, n_fft: int = 512, hop: int = 256, window: np.ndarray | None = None):
    """Torch twin of :func:`stft` (differentiable): (..., T) -> complex (..., n_frames, n_fft // 2 + 1)."""
    t = x.shape[-1]
    k = n_frames(t, n_fft, hop)
    total = (k - 1) * hop + n_fft
    xp = torch.nn.functional.pad(x, (n_fft - hop, total - t - (n_fft - hop)))
    frames = xp.unfold(-1, n_fft, hop)
    return torch.fft.rfft(frames * _torch_window(window, n_fft, x), dim=-1)


def torch_istft(
    spec,
    length: int,
    n_fft: int = 512,
    hop: int = 256,
    window: np.ndarray | None = None,
    syn_window: torch.Tensor | None = None,
):
    """Torch twin of :func:`istft` (differentiable). ``syn_window`` may pass a precomputed synthesis window."""
    frames = torch.fft.irfft(spec, n=n_fft, dim=-1)
    if syn_window is None:
        w = sqrt_hann(n_fft) if window is None else np.asarray(window, dtype=np.float64)
        syn_window = torch.as_tensor(synthesis_window(w, hop))
    frames = frames * syn_window.to(dtype=frames.dtype, device=frames.device)
    lead = frames.shape[:-2]
    k = frames.shape[-2]
    flat = frames.reshape(-1, k, n_fft).transpose(1, 2)  # (B, N, K)
    out = torch.nn.functional.fold(
        flat, output_size=(1, (k - 1) * hop + n_fft), kernel_size=(1, n_fft), stride=(1, hop)
    )
    out = out.reshape(*lead, -1)
    start = n_fft - hop
    return out[..., start : start + length]


# ------------------------------------------------------------------------------------------------ streaming


class StreamingSTFT:
    """Frame-by-frame analysis matching :func:`stft`: push samples, get the frames completed so far."""

    def __init__(self, n_fft: int = 512, hop: int = 256, window: np.ndarray | None = None):
        self.n_fft, self.hop = n_fft, hop
        self.window = sqrt_hann(n_fft) if window is None else np.asarray(window, dtype=np.float64)
        self.reset()

    def reset(self) -> None:
        self._buf = np.zeros(self.n_fft - self.hop)
        self.n_in = 0

    def push(self, x: np.ndarray) -> np.ndarray:
        """Returns complex frames of shape (n_new, n_fft // 2 + 1)."""
        self.n_in += len(x)
        self._buf = np.concatenate([self._buf, np.asarray(x, dtype=np.float64)])
        n_new = (len(self._buf) - (self.n_fft - self.hop)) // self.hop
        if n_new <= 0:
            return np.zeros((0, self.n_fft // 2 + 1), dtype=np.complex128)
        used = n_new * self.hop
        frames = np.lib.stride_tricks.sliding_window_view(self._buf[: used + self.n_fft - self.hop], self.n_fft)
        spec = np.fft.rfft(frames[:: self.hop] * self.window, axis=-1)
        self._buf = self._buf[used:]
        return spec

    def flush(self) -> np.ndarray:
        """Zero-pads the tail exactly as the offline :func:`stft` does and returns the last frames."""
        total_frames = n_frames(self.n_in, self.n_fft, self.hop)
        done = (self.n_in - 0) // self.hop if self.n_in else 0
        missing = total_frames - done
        if missing <= 0:
            return np.zeros((0, self.n_fft // 2 + 1), dtype=np.complex128)
        n_in = self.n_in
        out = self.push(np.zeros(missing * self.hop - (n_in - done * self.hop)))
        self.n_in = n_in
        return out


class StreamingISTFT:
    """Overlap-add synthesis matching :func:`istft`; each pushed frame releases ``hop`` finished samples.

    The output stream is the offline output delayed by ``n_fft - hop`` samples.
    """

    def __init__(self, n_fft: int = 512, hop: int = 256, window: np.ndarray | None = None):
        self.n_fft, self.hop = n_fft, hop
        w = sqrt_hann(n_fft) if window is None else np.asarray(window, dtype=np.float64)
        self.syn = synthesis_window(w, hop)
        self.reset()

    @property
    def delay(self) -> int:
        return self.n_fft - self.hop

    def reset(self) -> None:
        self._acc = np.zeros(self.n_fft)

    def push(self, spec: np.ndarray) -> np.ndarray:
        spec = np.atleast_2d(spec)
        frames = np.fft.irfft(spec, n=self.n_fft, axis=-1) * self.syn
        out = np.empty(len(frames) * self.hop)
        for i, f in enumerate(frames):
            self._acc += f
            out[i * self.hop : (i + 1) * self.hop] = self._acc[: self.hop]
            self._acc = np.concatenate([self._acc[self.hop :], np.zeros(self.hop)])
        return out
