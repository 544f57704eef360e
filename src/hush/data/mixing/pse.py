"""Training data of personalized enhancement and of the SNR predictor.

* :class:`PSEDataset`: pseudo speech enhancement (Sivaraman, Kim & Kim, Interspeech 2021). The target is a segment
  of the user's own noisy recording, the premixture ``s̃ = s + m``; the input adds training noise ``n`` at an SNR
  drawn from ``snr_range`` (relative to ``s̃``): ``x̃ = s̃ + n``. No clean speech of the user is involved.
* :func:`snr_batch`: mixtures of clean speech and noise with their per-frame segmental SNR targets
  (:func:`hush.models.snr.segsnr_target`), for training and scoring :class:`hush.models.snr.SNRPredictor`.
* :func:`synthetic_noise_bank`: seeded generated noises, the training noise that ships with hush (no recordings,
  so nothing to license); :func:`read_noise_folder` reads a user's own folder instead.

Items are deterministic functions of ``(seed, index)`` (and of the signals), as in
:class:`~hush.data.mixing.mixtures.MixingDataset`, whose item format (``clean``, ``noisy``, ``noise``, ``mask``)
they share.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from scipy.signal import butter, sosfilt
from torch.utils.data import Dataset

from hush.audio.io import read
from hush.audio.layout import to_mono
from hush.audio.resample import resample
from hush.data.mixing.synthetic import harmonic_speech
from hush.errors import HushError
from hush.inference.batch import expand_inputs
from hush.models.snr import segsnr_target

_SILENT = 1e-10  # mean power below which a segment holds nothing to scale an SNR against


def _segment(x: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random ``n``-sample segment of ``x`` and its 0/1 validity (zero-padded when ``x`` is shorter)."""
    start = _start(x, n, rng)
    return _cut(x, start, n), _valid(len(x), start, n)


def _start(x: np.ndarray, n: int, rng: np.random.Generator) -> int:
    return int(rng.integers(0, len(x) - n + 1)) if len(x) >= n else 0


def _valid(length: int, start: int, n: int) -> np.ndarray:
    """The 0/1 validity of ``_cut(x, start, n)`` for ``x`` of ``length`` samples."""
    mask = np.zeros(n)
    mask[: max(0, min(n, length - start))] = 1.0
    return mask


def _cut(x: np.ndarray, start: int, n: int) -> np.ndarray:
    """``x[start : start + n]`` as float64, zero-padded to ``n`` samples."""
    out = np.zeros(n)
    part = x[start : start + n]
    out[: len(part)] = part
    return out


def _loop_segment(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``n``-sample segment of ``x``, looping it when it is shorter (noise)."""
    if len(x) < n:
        x = np.tile(x, n // len(x) + 1)
    start = int(rng.integers(0, len(x) - n + 1))
    return x[start : start + n].astype(np.float64)


def _scale_to_snr(target: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    pn = np.mean(noise**2)
    if pn < _SILENT:
        return noise
    return noise * np.sqrt(np.mean(target**2) / pn / 10 ** (snr_db / 10))


class PSEDataset(Dataset):
    """Premixture segments of a user's recordings with training noise added: ``{"clean": s̃, "noisy": s̃ + n}``.

    ``recordings`` and ``noises`` are 1-D arrays at the same rate. ``targets``, when given, are arrays aligned
    sample for sample with the recordings (a teacher model's enhancement of them): the item's ``clean`` is then the
    target segment, and ``premixture`` the recording segment the input was made from. A recording is drawn in
    proportion to its length, so every second of the user's audio is equally likely; segments whose premixture is
    silent are drawn again (up to 20 times). The mixture is brought to an RMS level drawn from ``level_range_db``
    (dBFS), the same gain on target and noise.
    """

    def __init__(
        self,
        recordings: Sequence[np.ndarray],
        noises: Sequence[np.ndarray],
        segment: int,
        size: int,
        snr_range: tuple[float, float] = (-5.0, 5.0),
        level_range_db: tuple[float, float] = (-35.0, -15.0),
        seed: int = 0,
        targets: Sequence[np.ndarray] | None = None,
    ):
        if not recordings or not noises:
            raise HushError("personalization needs at least one recording and one noise signal")
        if targets is not None and [len(t) for t in targets] != [len(r) for r in recordings]:
            raise HushError("personalization targets must match the recordings sample for sample")
        self.recordings, self.noises = list(recordings), list(noises)
        self.targets = None if targets is None else list(targets)
        self.segment, self.size, self.seed = int(segment), int(size), seed
        self.snr_range, self.level_range_db = snr_range, level_range_db
        lengths = np.array([len(r) for r in self.recordings], dtype=np.float64)
        self.p = lengths / lengths.sum()

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, index])
        for _ in range(20):
            k = int(rng.choice(len(self.recordings), p=self.p))
            rec = self.recordings[k]
            start = _start(rec, self.segment, rng)
            premix, mask = _cut(rec, start, self.segment), _valid(len(rec), start, self.segment)
            if np.mean(premix**2) > _SILENT:
                break
        noise = _loop_segment(self.noises[int(rng.integers(len(self.noises)))], self.segment, rng)
        noise = _scale_to_snr(premix, noise, rng.uniform(*self.snr_range)) * mask
        mix = premix + noise
        gain = 10 ** (rng.uniform(*self.level_range_db) / 20) / (np.sqrt(np.mean(mix**2)) + 1e-9)
        gain = min(gain, 0.99 / (np.abs(mix).max() + 1e-9))
        f = lambda a: torch.tensor(a * gain, dtype=torch.float32)  # noqa: E731
        item = {"clean": f(premix), "noise": f(noise), "noisy": f(mix), "mask": torch.tensor(mask, dtype=torch.float32)}
        if self.targets is not None:
            item["premixture"] = item["clean"]
            item["clean"] = f(_cut(self.targets[k], start, self.segment))
        return item

    def batch(self, start: int, size: int) -> dict[str, torch.Tensor]:
        """Items ``start … start + size - 1`` stacked: the batch of one training step, made in this process."""
        items = [self[start + i] for i in range(size)]
        return {k: torch.stack([it[k] for it in items]) for k in items[0]}


def snr_batch(
    rng: np.random.Generator,
    speech: Sequence[np.ndarray],
    noises: Sequence[np.ndarray],
    batch: int,
    n: int,
    frame_len: int,
    hop: int,
    snr_range: tuple[float, float] = (-10.0, 25.0),
) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` mixtures of ``n`` samples (speech + noise at an SNR from ``snr_range``, random level) and their
    per-frame SegSNR targets ``(batch, J)`` in dB."""
    mixes, speeches, residuals = [], [], []
    for _ in range(batch):
        s, _ = _segment(speech[int(rng.integers(len(speech)))], n, rng)
        noise = _loop_segment(noises[int(rng.integers(len(noises)))], n, rng)
        noise = _scale_to_snr(s, noise, rng.uniform(*snr_range))
        gain = 10 ** (rng.uniform(-40, -15) / 20) / (np.sqrt(np.mean((s + noise) ** 2)) + 1e-9)
        speeches.append(s * gain)
        residuals.append(noise * gain)
        mixes.append((s + noise) * gain)
    f = lambda a: torch.tensor(np.stack(a), dtype=torch.float32)  # noqa: E731
    s_t, r_t = f(speeches), f(residuals)
    return f(mixes), segsnr_target(s_t, r_t, frame_len, hop)


# ------------------------------------------------------------------------------------------------ noise


def _shaped(rng: np.random.Generator, n: int, slope: float) -> np.ndarray:
    """Gaussian noise with power spectrum ∝ f^slope (0 white, -1 pink, -2 brown, +1 blue)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.arange(len(spec)), 1.0)
    return np.fft.irfft(spec * f ** (slope / 2), n)


def _band(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    lo = rng.uniform(80, 2000)
    hi = min(lo * rng.uniform(1.5, 6), 0.45 * sr)
    return sosfilt(butter(4, [lo, hi], btype="band", fs=sr, output="sos"), rng.standard_normal(n))


def _hum(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    f0 = rng.choice([50.0, 60.0, 100.0, 120.0]) * rng.uniform(0.98, 1.02)
    x = sum(rng.uniform(0.1, 1) / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6)) for k in range(1, 12))
    return x + 0.05 * _shaped(rng, n, -1.0) / 30


def _modulated(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Speech-shaped noise with a syllable-rate envelope: a crowd-like, non-stationary masker."""
    t = np.arange(n) / sr
    env = 1 + 0.8 * np.sin(2 * np.pi * rng.uniform(2, 6) * t + rng.uniform(0, 6)) * rng.uniform(0.3, 1)
    base = sosfilt(butter(2, [200, 3500], btype="band", fs=sr, output="sos"), rng.standard_normal(n))
    return base * env


def _babble(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """A sum of generated harmonic voices (not recordings): babble-like."""
    return sum(harmonic_speech(rng, n, sr) for _ in range(int(rng.integers(4, 9))))


def _clicks(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Keyboard / rattling: short decaying noise bursts at random times over a faint floor."""
    x = 0.02 * rng.standard_normal(n)
    decay = np.exp(-np.arange(int(0.03 * sr)) / (0.004 * sr))
    for start in rng.integers(0, n - len(decay), size=int(rng.uniform(2, 12) * n / sr)):
        x[start : start + len(decay)] += rng.uniform(0.3, 1) * decay * rng.standard_normal(len(decay))
    return x


def _siren(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    f = rng.uniform(500, 1200) + rng.uniform(100, 500) * np.sin(2 * np.pi * rng.uniform(0.2, 1) * t)
    return np.sin(2 * np.pi * np.cumsum(f) / sr) + 0.3 * _shaped(rng, n, -1.0) / 30


def _fan(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    low = sosfilt(butter(2, rng.uniform(300, 1500), fs=sr, output="sos"), rng.standard_normal(n))
    t = np.arange(n) / sr
    return low + 0.3 * np.sin(2 * np.pi * rng.uniform(80, 400) * t)


_KINDS = (
    lambda r, n, sr: _shaped(r, n, 0.0),
    lambda r, n, sr: _shaped(r, n, -1.0),
    lambda r, n, sr: _shaped(r, n, -2.0),
    lambda r, n, sr: _shaped(r, n, 1.0),
    _band,
    _hum,
    _modulated,
    _babble,
    _clicks,
    _siren,
    _fan,
)


def synthetic_noise_bank(count: int = 44, seconds: float = 6.0, sr: int = 16000, seed: int = 0) -> list[np.ndarray]:
    """``count`` generated noises of ``seconds`` each, cycling through white, pink, brown and blue noise, random
    band-pass noise, mains hum, modulated speech-shaped noise, generated babble, clicks, sirens and fan noise, each
    with its own random parameters; normalised to unit RMS. The same seed gives the same bank."""
    n = int(seconds * sr)
    out = []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        x = _KINDS[i % len(_KINDS)](rng, n, sr)
        out.append((x / (np.sqrt(np.mean(x**2)) + 1e-12)).astype(np.float32))
    return out


def read_audio_16k(path: Path, sr_out: int = 16000) -> np.ndarray:
    """A file as mono float32 at ``sr_out`` (channels averaged); bad files raise one error line naming them."""
    audio, sr = read(path)
    mono = to_mono(audio)
    return (mono if sr == sr_out else resample(mono, sr, sr_out)).astype(np.float32)


def read_noise_folder(folder: str | Path, sr: int = 16000) -> list[np.ndarray]:
    """Every audio file under ``folder`` (recursively), mono at ``sr``."""
    pairs, errors = expand_inputs([str(folder)], recursive=True)
    if errors:
        raise HushError(errors[0])
    out = [read_audio_16k(p, sr) for p, _ in pairs]
    out = [x for x in out if len(x) and np.mean(x.astype(np.float64) ** 2) > _SILENT]
    if not out:
        raise HushError(f"{folder}: no noise file with any signal in it")
    return out


def premixtures(
    speech: Sequence[np.ndarray],
    noises: Sequence[np.ndarray],
    rng: np.random.Generator,
    snr_range: tuple[float, float] = (0.0, 15.0),
) -> list[np.ndarray]:
    """Stand-ins for a speaker's own recordings: each utterance with a noise from ``noises`` at an SNR drawn from
    ``snr_range`` (the paper's premixture protocol), as float32."""
    out = []
    for s in speech:
        noise = _loop_segment(noises[int(rng.integers(len(noises)))], len(s), rng)
        out.append((s + _scale_to_snr(s.astype(np.float64), noise, rng.uniform(*snr_range))).astype(np.float32))
    return out
