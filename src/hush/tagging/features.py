"""The tagger's input: 128-band Kaldi-style log-mel spectrogram of 32 kHz audio (EfficientAT's ``AugmentMelSTFT`` in
evaluation mode), and a torch resampler to bring model-rate audio to 32 kHz inside a network.

Pipeline: pre-emphasis ``y[n] = x[n+1] - 0.97 x[n]`` (one sample shorter), STFT with n_fft 1024, hop 320 and a
symmetric Hann window of 800 centred in the 1024-point frame, reflect padding of 512 at each end, power spectrum,
128 triangular filters linear in the mel scale ``1127 ln(1 + f/700)`` from 0 to 15 kHz (no area normalisation, the
Nyquist bin unused), ``ln(M + 1e-5)``, then ``(L + 4.5) / 5``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from scipy.signal import firwin

SAMPLE_RATE = 32000
N_FFT, HOP, WIN, N_MELS = 1024, 320, 800, 128
F_MAX = 15000.0
PRE_EMPHASIS = 0.97
MIN_SAMPLES = N_FFT // 2 + 2  # reflect padding of 512 needs more than 512 samples after pre-emphasis


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    w = np.zeros(N_FFT)
    k = np.arange(WIN)
    left = (N_FFT - WIN) // 2
    w[left : left + WIN] = 0.5 - 0.5 * np.cos(2 * np.pi * k / (WIN - 1))  # symmetric Hann, centred
    return w


@lru_cache(maxsize=1)
def mel_banks() -> np.ndarray:
    """The ``(128, 513)`` filterbank (torchaudio's Kaldi ``get_mel_banks`` with a zero Nyquist column)."""

    def mel(f):
        return 1127.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)

    lo, hi = mel(0.0), mel(F_MAX)
    d = (hi - lo) / (N_MELS + 1)
    b = np.arange(N_MELS)[:, None]
    left, centre, right = lo + b * d, lo + (b + 1) * d, lo + (b + 2) * d
    m = mel(np.arange(N_FFT // 2) * SAMPLE_RATE / N_FFT)[None, :]
    fb = np.maximum(0.0, np.minimum((m - left) / (centre - left), (right - m) / (right - centre)))
    return np.pad(fb, ((0, 0), (0, 1)))


class LogMel(torch.nn.Module):
    """``(B, N)`` 32 kHz audio -> ``(B, 128, 1 + (N - 1) // 320)`` normalised log-mel (the network's input)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("window", torch.tensor(_window(), dtype=torch.float32), persistent=False)
        self.register_buffer("banks", torch.tensor(mel_banks(), dtype=torch.float32), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] < MIN_SAMPLES:  # too short for the reflect padding: pad with silence (a partial frame)
            x = F.pad(x, (0, MIN_SAMPLES - x.shape[-1]))
        y = x[..., 1:] - PRE_EMPHASIS * x[..., :-1]
        spec = torch.stft(
            y, N_FFT, HOP, window=self.window, center=True, pad_mode="reflect", return_complex=True, normalized=False
        )
        power = spec.real.square() + spec.imag.square()  # (B, 513, T)
        mel = torch.matmul(self.banks, power)
        return (torch.log(mel + 1e-5) + 4.5) / 5.0


class Resampler(torch.nn.Module):
    """Rational resampling ``sr_in -> sr_out`` in torch: zero insertion, a Kaiser-windowed sinc low-pass
    (cut-off at the lower Nyquist, 16 zero crossings each side), decimation. Linear phase, aligned so that output
    sample ``m`` sits at input time ``m * sr_in / sr_out``; the signal is taken as zero outside its ends. Used where
    the tagger runs inside a network on batches (soxr serves whole files)."""

    def __init__(self, sr_in: int, sr_out: int = SAMPLE_RATE, zeros: int = 16):
        super().__init__()
        g = math.gcd(int(sr_in), int(sr_out))
        self.up, self.down = int(sr_out) // g, int(sr_in) // g
        rate = max(self.up, self.down)
        half = zeros * rate
        taps = firwin(2 * half + 1, 1.0 / rate, window=("kaiser", 8.6)) * self.up
        self.half = half
        self.register_buffer("taps", torch.tensor(taps[::-1].copy(), dtype=torch.float32)[None, None], persistent=False)

    def out_length(self, n: int) -> int:
        return -(-n * self.up // self.down)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., N)`` -> ``(..., ceil(N * up / down))``."""
        if self.up == self.down:
            return x
        lead, n = x.shape[:-1], x.shape[-1]
        x = x.reshape(-1, 1, n)
        if self.up > 1:
            z = x.new_zeros(x.shape[0], 1, n * self.up)
            z[..., :: self.up] = x
            x = z
        y = F.conv1d(F.pad(x, (self.half, self.half)), self.taps, stride=self.down)
        return y[..., : self.out_length(n)].reshape(*lead, -1)
