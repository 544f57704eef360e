"""Shared generated signals: no test depends on external audio."""

from __future__ import annotations

import numpy as np
import pytest
import torch


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


@pytest.fixture
def speech():
    return speech_like()


@pytest.fixture
def noisy(speech):
    rng = np.random.RandomState(1)
    return mix_at_snr(speech, rng.randn(len(speech)), 5.0)


# One intra-op thread: faster for the tiny models of the suite and fair on a shared 2-core machine.
torch.set_num_threads(1)
