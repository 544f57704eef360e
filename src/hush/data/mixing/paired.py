"""Training segments cropped from fixed clean/noisy pairs (VoiceBank-DEMAND style corpora, ``data.kind: pairs``).

Item ``i`` of an epoch is a deterministic function of ``(seed, epoch, rank, i)``: a pair drawn uniformly and a
random crop of ``seconds`` from it, the same samples of both sides; a pair shorter than that is zero-padded with
``mask`` 0 on the padding. Items have the keys of :class:`~hush.data.mixing.mixtures.MixingDataset` (``snr_db`` is
measured on the crop, ``gain_db`` is 0: the pairs are used at their own level).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from hush.data.manifest import Record
from hush.data.mixing.audio_cache import AudioReader
from hush.errors import HushError


class PairedDataset(Dataset):
    """Crops of ``pair`` records (clean ``path``, ``noisy_path``), resampled to ``sample_rate``."""

    def __init__(
        self,
        pairs: Sequence[Record],
        sample_rate: int,
        seconds: float,
        epoch_size: int,
        seed: int = 0,
        rank: int = 0,
        epoch: int = 0,
    ):
        self.pairs = [r for r in pairs if r.kind == "pair" and r.noisy_path]
        if not self.pairs:
            raise HushError("no clean/noisy pair records to train on")
        self.sr, self.n = int(sample_rate), int(round(seconds * sample_rate))
        if self.n <= 0 or epoch_size < 1:
            raise HushError("segment length and epoch size must be positive")
        self.epoch_size, self.seed, self.rank, self.epoch = int(epoch_size), int(seed), int(rank), int(epoch)
        self.reader = AudioReader(self.sr)

    def __len__(self) -> int:
        return self.epoch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(index)
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, int(index)])
        rec = self.pairs[int(rng.integers(len(self.pairs)))]
        length = min(self.reader.length(rec.path), self.reader.length(rec.noisy_path))
        mask = np.ones(self.n, np.float32)
        if length >= self.n:
            start = int(rng.integers(0, length - self.n + 1))
            clean = self.reader.read(rec.path, start, self.n)
            noisy = self.reader.read(rec.noisy_path, start, self.n)
        else:
            clean, noisy = np.zeros(self.n, np.float32), np.zeros(self.n, np.float32)
            clean[:length] = self.reader.read(rec.path, 0, length)
            noisy[:length] = self.reader.read(rec.noisy_path, 0, length)
            mask[length:] = 0.0
        noise = noisy - clean
        e_c, e_n = float(np.sum(clean.astype(np.float64) ** 2)), float(np.sum(noise.astype(np.float64) ** 2))
        snr = 10 * math.log10(e_c / e_n) if e_c > 0 and e_n > 0 else float("nan")
        return {
            "noisy": torch.from_numpy(np.ascontiguousarray(noisy, np.float32)),
            "clean": torch.from_numpy(np.ascontiguousarray(clean, np.float32)),
            "noise": torch.from_numpy(np.ascontiguousarray(noise, np.float32)),
            "mask": torch.from_numpy(mask),
            "snr_db": torch.tensor(snr, dtype=torch.float32),
            "gain_db": torch.tensor(0.0, dtype=torch.float32),
            "index": torch.tensor(int(index), dtype=torch.int64),
            "speaker": rec.speaker or "",
            "speech_files": rec.path,
            "noise_files": rec.noisy_path,
            "rir": "",
        }
