"""Generated test signals."""

from __future__ import annotations

import numpy as np

SR = 16000


def speech_like(sr: int = 16000, seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """Voiced harmonic complex with a gliding f0 and a syllabic on/off envelope, -25 dBFS RMS."""
    rng = np.random.RandomState(seed)
    t = np.arange(int(sr * seconds)) / sr
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6)) + 10 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = np.zeros_like(t)
    for k in range(1, 30):
        if k * 200 > sr / 2 - 200:
            break
        formant = np.exp(-(((k * 140 - 500) / 400) ** 2)) + 0.5 * np.exp(-(((k * 140 - 1500) / 600) ** 2)) + 0.05
        x += formant / k**0.5 * np.sin(k * phase + rng.uniform(0, 6))
    syll = 0.5 - 0.5 * np.cos(2 * np.pi * 4.0 * t)
    gate = (np.sin(2 * np.pi * 0.6 * t + 1.0) > -0.3).astype(float)
    env = syll * np.convolve(gate, np.ones(int(0.02 * sr)) / int(0.02 * sr), mode="same")
    x *= env
    return (x / np.sqrt(np.mean(x**2)) * 10 ** (-25 / 20)).astype(np.float32)


def mix_at_snr(clean: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    noise = noise[: len(clean)]
    g = np.sqrt(np.sum(clean**2) / np.sum(noise**2) / 10 ** (snr_db / 10))
    return (clean + g * noise).astype(np.float32)


def harmonic(seconds: float, f0: float, seed: int, sr: int = SR) -> np.ndarray:
    """Voiced harmonic complex with a syllabic envelope, about -25 dBFS RMS."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    f = f0 * (1 + 0.1 * np.sin(2 * np.pi * 0.8 * t + rng.uniform(0, 6)))
    phase = 2 * np.pi * np.cumsum(f) / sr
    x = sum(np.sin(k * phase + rng.uniform(0, 6)) / k for k in range(1, 20) if k * f0 < sr / 2 - 500)
    x = x * (0.55 - 0.45 * np.cos(2 * np.pi * 3.0 * t))
    return (x / np.sqrt(np.mean(x**2)) * 10 ** (-25 / 20)).astype(np.float32)


def pink(n: int, seed: int) -> np.ndarray:
    spec = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    spec /= np.sqrt(np.maximum(np.arange(len(spec)), 1))
    x = np.fft.irfft(spec, n)
    return (0.1 * x / np.std(x)).astype(np.float32)
