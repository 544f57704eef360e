"""Generated training items (harmonic 'speech' in white or pink noise) for tests and smoke runs.

Same item format as :class:`~hush.data.mixing.mixtures.MixingDataset`; randomness is a function of
(seed, epoch, rank, index).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


def harmonic_speech(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    f0 = rng.uniform(100, 220) * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.3, 1.5) * t + rng.uniform(0, 6)))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = np.zeros(n)
    formant = rng.uniform(400, 900)
    for k in range(1, 25):
        amp = np.exp(-(((k * f0.mean() - formant) / 600) ** 2)) + 0.1 / k
        x += amp * np.sin(k * phase + rng.uniform(0, 6))
    rate = rng.uniform(2.5, 5.0)
    env = np.clip(np.sin(2 * np.pi * rate * t + rng.uniform(0, 6)), 0, None) ** 1.5
    return x * env


def colored_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    w = rng.standard_normal(n)
    if rng.random() < 0.5:
        return w
    spec = np.fft.rfft(w)
    spec /= np.sqrt(np.maximum(np.arange(len(spec)), 1))
    return np.fft.irfft(spec, n)


class SyntheticMixDataset(Dataset):
    def __init__(
        self,
        size: int = 256,
        sample_rate: int = 16000,
        seconds: float = 1.0,
        snr_range=(-5.0, 15.0),
        seed: int = 0,
        rank: int = 0,
    ):
        self.size, self.sr, self.n = size, sample_rate, int(seconds * sample_rate)
        self.snr_range, self.seed, self.rank, self.epoch = snr_range, seed, rank, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, index])
        clean = harmonic_speech(rng, self.n, self.sr)
        noise = colored_noise(rng, self.n)
        snr = rng.uniform(*self.snr_range)
        noise *= np.sqrt(np.sum(clean**2) / np.sum(noise**2) / 10 ** (snr / 10))
        level = 10 ** (rng.uniform(-30, -18) / 20) / (np.sqrt(np.mean((clean + noise) ** 2)) + 1e-9)
        clean, noise = clean * level, noise * level
        f = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
        return {
            "clean": f(clean),
            "noise": f(noise),
            "noisy": f(clean + noise),
            "mask": torch.ones(self.n),
            "snr_db": torch.tensor(snr, dtype=torch.float32),
        }
