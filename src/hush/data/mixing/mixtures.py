"""On-the-fly noisy/clean training mixtures.

:class:`MixingDataset` draws, for each index, a speech segment, optional reverberation, one or more noise
segments, an SNR and an output level, all from ``np.random.default_rng([seed, epoch, rank, index])``: an item
is a deterministic function of those four numbers (and of the files), whichever process or worker makes it.

:class:`FixedSet` writes a fixed number of items to disk (validation sets, ``hush simulate``) and reads them
back as a dataset.
"""

from __future__ import annotations

import copy
import csv
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from hush.audio.io import probe, read, write
from hush.data.manifest import Record
from hush.data.mixing.audio_cache import AudioReader
from hush.data.mixing.augment import Augmentation, build_augmentation, build_augmentations
from hush.data.mixing.rir import RIRBank, RIRConfig, reverberate
from hush.errors import HushError

TENSOR_KEYS = ("noisy", "clean", "noise", "mask")
META_COLUMNS = ("file", "speaker", "snr_db", "snr_target_db", "gain_db", "noise_files", "rir", "speech_files")
_TINY = 1e-20  # energy below which a noise segment counts as digital silence


@dataclass
class MixConfig:
    """Settings of :class:`MixingDataset`. Ranges are ``(low, high)``, drawn uniformly.

    * ``snr_range``: dB, ``10·log10(Σ clean² / Σ noise²)`` over the segment, ``clean`` being the target (after
      reverberation when there is some) and ``noise`` the additive noise.
    * ``n_noises``: how many noise segments are summed (inclusive), each normalised to unit RMS and given a
      gain drawn from ``noise_gain_range_db`` before the sum is scaled to the SNR.
    * ``level_range_db``: RMS of the output mixture in dBFS; the same gain goes to clean and noise. The peak of
      every output is then kept at or below ``peak`` (same gain for all).
    * ``silence_db``: a speech segment whose RMS (dBFS) is below it is drawn again (up to ``max_draws`` times).
    * ``pad``: utterances shorter than the segment are followed by more utterances of the same speaker
      (``"concat"``) or zero-padded with ``mask`` 0 on the padding (``"mask"``).
    * ``reverb_prob``: probability of convolving the speech with an RIR from the bank built from ``rir``
      (:class:`~hush.data.mixing.rir.RIRConfig` or its dict); ``target`` ``"dry"`` or ``"early"`` (``early_ms``).
    * ``augmentations`` / ``noise_augmentations``: config dicts for
      :func:`~hush.data.mixing.augment.build_augmentations`, applied to the speech (before reverberation, so the
      target carries them too) / to each noise segment.
    * ``channel``: config dicts for :func:`~hush.data.mixing.augment.build_augmentations` applied, in order, to the
      finished mixture at its output level: what the capture and transmission chain does to the input (band
      limitation, codecs, clipping, digital silence, a noise floor). A dict with ``target: true`` applies the same
      random draw to the target too (a linear channel the model should keep, such as telephone band limitation
      or zeroed gaps), ``target: {name: ..., ...}`` applies that other augmentation to the target whenever this
      one fires (a telephone codec on the input, only its band limitation on the target); without it only the
      input is changed (a degradation the model should undo).
    * ``speech_weighting``: how the first utterance of a segment is drawn: ``"file"`` (every file equally likely),
      ``"duration"`` (in proportion to its duration, so that every second of speech is equally likely and corpora
      of many short clips do not outweigh corpora of long utterances) or ``"speaker"`` (a speaker uniformly, then
      one of its files; the same as ``speaker_balanced``).
    * ``epoch_size``: items per epoch (``len(dataset)``).
    * ``cache_bytes``: in-memory cache of decoded noise files (speech files too with ``cache_speech``).
    """

    segment_seconds: float = 4.0
    sample_rate: int = 16000
    snr_range: tuple[float, float] = (-5.0, 20.0)
    n_noises: tuple[int, int] = (1, 3)
    noise_gain_range_db: tuple[float, float] = (-6.0, 0.0)
    level_range_db: tuple[float, float] = (-35.0, -15.0)
    peak: float = 0.99
    silence_db: float = -50.0
    max_draws: int = 20
    pad: str = "concat"
    speaker_balanced: bool = False
    speech_weighting: str = "file"
    reverb_prob: float = 0.0
    rir: RIRConfig | dict | None = None
    target: str = "dry"
    early_ms: float = 50.0
    augmentations: list[dict] = field(default_factory=list)
    noise_augmentations: list[dict] = field(default_factory=list)
    channel: list[dict] = field(default_factory=list)
    epoch_size: int = 10000
    seed: int = 0
    cache_bytes: int = 0
    cache_speech: bool = False

    @classmethod
    def from_dict(cls, d: dict | MixConfig | None) -> MixConfig:
        if d is None:
            return cls()
        if isinstance(d, MixConfig):
            return d
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise HushError(f"unknown mixing options: {', '.join(sorted(unknown))}")
        return cls(**d)

    def validate(self) -> None:
        def rng_ok(r, what):
            if len(r) != 2 or r[0] > r[1]:
                raise HushError(f"{what} must be (low, high) with low <= high, not {tuple(r)}")

        rng_ok(self.snr_range, "snr_range")
        rng_ok(self.n_noises, "n_noises")
        rng_ok(self.noise_gain_range_db, "noise_gain_range_db")
        rng_ok(self.level_range_db, "level_range_db")
        if self.n_noises[0] < 1:
            raise HushError("n_noises must be at least 1")
        if self.segment_seconds <= 0 or self.sample_rate <= 0:
            raise HushError("segment_seconds and sample_rate must be positive")
        if self.pad not in ("concat", "mask"):
            raise HushError(f"pad must be 'concat' or 'mask', not {self.pad!r}")
        if self.speech_weighting not in ("file", "duration", "speaker"):
            raise HushError(f"speech_weighting must be 'file', 'duration' or 'speaker', not {self.speech_weighting!r}")
        if self.target not in ("dry", "early"):
            raise HushError(f"target must be 'dry' or 'early', not {self.target!r}")
        if not 0.0 <= self.reverb_prob <= 1.0:
            raise HushError(f"reverb_prob must be in [0, 1], not {self.reverb_prob}")
        if not 0.0 < self.peak <= 1.0:
            raise HushError(f"peak must be in (0, 1], not {self.peak}")
        if self.epoch_size < 1 or self.max_draws < 1:
            raise HushError("epoch_size and max_draws must be at least 1")

    @property
    def segment_samples(self) -> int:
        return int(round(self.segment_seconds * self.sample_rate))


def _db(x: float) -> float:
    return 10.0 * math.log10(x) if x > 0 else -math.inf


def collate(batch: Sequence[dict]) -> dict:
    """Stack tensors along a new first dimension; everything else (strings) becomes a list."""
    out = {}
    for key in batch[0]:
        vals = [item[key] for item in batch]
        out[key] = torch.stack(vals) if isinstance(vals[0], torch.Tensor) else list(vals)
    return out


class MixingDataset(Dataset):
    """Noisy/clean/noise segments mixed on the fly from speech and noise :class:`~hush.data.manifest.Record`s.

    Items are dicts of float32 tensors ``noisy``, ``clean``, ``noise`` (``noisy == clean + noise`` up to
    rounding: with reverberation ``noise`` also holds the reverberant speech minus its target) and ``mask``
    (1, 0 on padding), scalar tensors ``snr_db`` (the SNR drawn, of target to additive noise), ``gain_db``
    (the gain applied to the mixture in the end) and ``index``, and strings ``speaker``, ``speech_files``,
    ``noise_files`` (``;``-separated) and ``rir`` (empty without reverberation). Use :func:`collate` to batch.

    ``rank`` (distributed training) and :meth:`set_epoch` enter the per-item seed. No file stays open between
    reads, so the dataset works in DataLoader workers; call :meth:`set_epoch` before creating each epoch's
    iterator (persistent workers would keep the old epoch).
    """

    def __init__(
        self,
        speech: Sequence[Record],
        noise: Sequence[Record],
        config: MixConfig | dict | None = None,
        rank: int = 0,
        epoch: int = 0,
        rir_bank: RIRBank | None = None,
    ):
        self.config = cfg = MixConfig.from_dict(config)
        cfg.validate()
        self.speech = [r for r in speech]
        self.noise = [r for r in noise]
        if not self.speech:
            raise HushError("no speech records to mix")
        if not self.noise:
            raise HushError("no noise records to mix")
        self.seed, self.rank, self.epoch = int(cfg.seed), int(rank), int(epoch)
        self.sr = cfg.sample_rate
        self.n = cfg.segment_samples
        self.by_speaker: dict[str, list[int]] = {}
        for i, r in enumerate(self.speech):
            self.by_speaker.setdefault(self._speaker(r), []).append(i)
        self.speakers = sorted(self.by_speaker)
        self.speech_cdf = None
        if cfg.speech_weighting == "duration":
            dur = np.array([self._duration(r) for r in self.speech], np.float64)
            if not dur.sum() > 0:
                raise HushError("speech_weighting='duration': the speech records have no duration")
            self.speech_cdf = np.cumsum(dur) / dur.sum()
        self.speech_reader = AudioReader(self.sr, cfg.cache_bytes if cfg.cache_speech else 0)
        self.noise_reader = AudioReader(self.sr, cfg.cache_bytes)
        self.augment = build_augmentations(cfg.augmentations)
        self.noise_augment = build_augmentations(cfg.noise_augmentations)
        self.channel = [self._channel_entry(spec) for spec in cfg.channel]
        self.rir_bank = rir_bank
        if self.rir_bank is None and cfg.reverb_prob > 0:
            self.rir_bank = RIRBank.build(cfg.rir, self.sr)
        if self.rir_bank is not None and self.rir_bank.sample_rate != self.sr:
            raise HushError(f"RIR bank is at {self.rir_bank.sample_rate} Hz, the mixtures at {self.sr} Hz")

    @staticmethod
    def _duration(r: Record) -> float:
        return float(r.duration) if r.duration is not None else probe(r.path).duration

    @staticmethod
    def _speaker(r: Record) -> str:
        return r.speaker if r.speaker else f"?{r.id}"  # unknown speaker: its own utterances only

    def __len__(self) -> int:
        return self.config.epoch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, self.rank, int(index)])

    def preload_noise(self) -> int:
        """Decode noise files into the cache now (before DataLoader workers fork, to share it); returns the count."""
        return self.noise_reader.preload(dict.fromkeys(r.path for r in self.noise))

    def preload(self) -> int:
        """Decode the noise and, with ``cache_speech``, the speech files into their caches (until full) in this
        process, so that forked DataLoader workers start with them instead of decoding anew every epoch; returns
        how many files are cached."""
        n = self.preload_noise()
        if self.config.cache_speech:
            paths = [p for r in self.speech for p in (r.path, r.target_path) if p]
            n += self.speech_reader.preload(dict.fromkeys(paths))
        return n

    # -- drawing -----------------------------------------------------------------------------------------

    def _read_speech(self, rec: Record, start: int, n: int) -> np.ndarray:
        """``(2, n)``: the recording and its training target (its ``target_path`` copy, else itself)."""
        rd = self.speech_reader
        x = rd.read(rec.path, start, n)
        if not rec.target_path:
            return np.stack([x, x])
        if rd.length(rec.target_path) != rd.length(rec.path):
            raise HushError(
                f"{rec.target_path}: target has {rd.length(rec.target_path)} samples, "
                f"its recording {rec.path} has {rd.length(rec.path)}"
            )
        return np.stack([x, rd.read(rec.target_path, start, n)])

    def _draw_speech(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str, list[str]]:
        """``(2, n)`` recording and target rows, the mask, the speaker and the files used."""
        cfg, n, rd = self.config, self.n, self.speech_reader
        threshold = 10.0 ** (cfg.silence_db / 10.0)  # mean square
        for _ in range(cfg.max_draws):
            if cfg.speaker_balanced or cfg.speech_weighting == "speaker":
                spk = self.speakers[int(rng.integers(len(self.speakers)))]
                utts = self.by_speaker[spk]
                rec = self.speech[utts[int(rng.integers(len(utts)))]]
            else:
                if self.speech_cdf is not None:
                    i = min(int(np.searchsorted(self.speech_cdf, rng.random(), side="right")), len(self.speech) - 1)
                else:
                    i = int(rng.integers(len(self.speech)))
                rec = self.speech[i]
                spk = self._speaker(rec)
                utts = self.by_speaker[spk]
            length = rd.length(rec.path)
            mask = np.ones(n, np.float32)
            files = [rec.path]
            if length >= n:
                x = self._read_speech(rec, int(rng.integers(0, length - n + 1)), n)
            elif cfg.pad == "mask":
                x = np.zeros((2, n), np.float32)
                x[:, :length] = self._read_speech(rec, 0, length)
                mask[length:] = 0.0
            else:
                parts, total = [self._read_speech(rec, 0, length)], length
                for _ in range(1000):
                    if total >= n:
                        break
                    other = self.speech[utts[int(rng.integers(len(utts)))]]
                    m = min(rd.length(other.path), n - total)
                    if m > 0:
                        parts.append(self._read_speech(other, 0, m))
                        files.append(other.path)
                        total += m
                x = np.concatenate(parts, axis=1)
                if total < n:  # only empty files left to add: pad (and mask) the rest
                    mask[total:] = 0.0
                    x = np.concatenate([x, np.zeros((2, n - total), np.float32)], axis=1)
            valid = mask > 0
            if valid.any() and float(np.mean(x[0, valid].astype(np.float64) ** 2)) >= threshold:
                return x, mask, rec.speaker or "", files
        raise HushError(
            f"no speech segment above {cfg.silence_db} dBFS in {cfg.max_draws} draws: "
            "is the speech silent, or silence_db too high?"
        )

    def _draw_noise(self, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
        cfg, n, rd = self.config, self.n, self.noise_reader
        for _ in range(cfg.max_draws):
            k = int(rng.integers(cfg.n_noises[0], cfg.n_noises[1] + 1))
            total = np.zeros(n, np.float64)
            files = []
            for _ in range(k):
                rec = self.noise[int(rng.integers(len(self.noise)))]
                length = rd.length(rec.path)
                gain_db = rng.uniform(*cfg.noise_gain_range_db)
                if length >= n:
                    seg = rd.read(rec.path, int(rng.integers(0, length - n + 1)), n)
                elif length > 0:  # loop a short noise from a random phase
                    seg = np.resize(np.roll(rd.read(rec.path, 0, length), -int(rng.integers(length))), n)
                else:
                    continue
                if self.noise_augment:
                    seg = self.noise_augment(seg, rng, self.sr)
                energy = float(np.mean(seg.astype(np.float64) ** 2))
                if energy <= _TINY:
                    continue
                total += seg / math.sqrt(energy) * 10.0 ** (gain_db / 20.0)
                files.append(rec.path)
            if files:
                return total, files
        raise HushError(f"only silent noise segments in {cfg.max_draws} draws: are the noise files silent?")

    @staticmethod
    def _channel_entry(spec: dict) -> tuple[Augmentation, Augmentation | None]:
        aug = build_augmentation({k: v for k, v in spec.items() if k != "target"})
        on_target = spec.get("target", False)
        if isinstance(on_target, dict):
            return aug, build_augmentation({"p": 1.0, **on_target})
        if not isinstance(on_target, bool):
            raise HushError(f"channel augmentation {aug.name}: target must be true, false or an augmentation")
        return aug, aug if on_target else None

    def _apply_channel(
        self, noisy: np.ndarray, target: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``channel`` stage: each augmentation with its probability, on the input and (``target: true``) on
        the target with the same random draws."""
        for aug, target_aug in self.channel:
            if rng.random() >= aug.p:
                continue
            replay = copy.deepcopy(rng) if target_aug is not None else None
            noisy = aug(noisy, rng, self.sr).astype(np.float64)
            if target_aug is not None:
                target = target_aug(target, replay, self.sr).astype(np.float64)
        return noisy, target

    # -- items -------------------------------------------------------------------------------------------

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.make_item(index)

    def make_item(self, index: int) -> dict:
        """Item ``index`` of the current epoch (any non-negative index; ``__getitem__`` checks the range)."""
        cfg = self.config
        rng = self.rng(index)
        pair, mask, speaker, speech_files = self._draw_speech(rng)
        separate = not np.array_equal(pair[0], pair[1])  # a cleaned target (Record.target_path)
        speech, target = pair[0], pair[1]
        if self.augment:
            if separate:  # the same random draws for both (a copy of the generator replays them)
                target = self.augment(target, copy.deepcopy(rng), self.sr) * mask
            speech = self.augment(speech, rng, self.sr) * mask
            if not separate:
                target = speech

        rir_name = ""
        reverb_draw = rng.random()
        if self.rir_bank is not None and reverb_draw < cfg.reverb_prob:
            i = self.rir_bank.sample(rng)
            h, d = self.rir_bank[i]
            rev, tgt = reverberate(speech, h, d, self.sr, cfg.target, cfg.early_ms)
            if separate:
                tgt = reverberate(target, h, d, self.sr, cfg.target, cfg.early_ms)[1]
            rev, tgt = rev.astype(np.float64) * mask, tgt.astype(np.float64) * mask
            rir_name = self.rir_bank.names[i]
        else:
            rev, tgt = speech.astype(np.float64), target.astype(np.float64)

        noise, noise_files = self._draw_noise(rng)
        noise *= mask
        snr_db = float(rng.uniform(*cfg.snr_range))
        e_clean, e_noise = float(np.sum(tgt**2)), float(np.sum(noise**2))
        if e_clean <= 0.0:
            raise HushError(f"item {index}: the speech target is silent after augmentation/reverberation")
        if e_noise <= 0.0:
            raise HushError(f"item {index}: the noise is silent inside the unpadded part of the segment")
        noise *= math.sqrt(e_clean / (e_noise * 10.0 ** (snr_db / 10.0)))
        noisy = rev + noise
        residual = noisy - tgt  # the additive noise, plus reverberant speech minus target

        valid = mask > 0
        level_db = rng.uniform(*cfg.level_range_db)
        rms = math.sqrt(float(np.mean(noisy[valid] ** 2)))
        gain = 10.0 ** (level_db / 20.0) / rms
        level_gain = 1.0  # gain already inside noisy/tgt (the channel runs at the output level)
        if self.channel:
            noisy, tgt = self._apply_channel(noisy * gain, tgt * gain, rng)
            noisy, tgt = noisy * mask, tgt * mask
            residual = noisy - tgt
            level_gain, gain = gain, 1.0
        peak = max(float(np.max(np.abs(a))) for a in (noisy, tgt, residual)) * gain
        if peak > cfg.peak:
            gain *= cfg.peak / peak

        return {
            "noisy": torch.from_numpy((noisy * gain).astype(np.float32)),
            "clean": torch.from_numpy((tgt * gain).astype(np.float32)),
            "noise": torch.from_numpy((residual * gain).astype(np.float32)),
            "mask": torch.from_numpy(mask),
            "snr_db": torch.tensor(snr_db, dtype=torch.float32),
            "gain_db": torch.tensor(20.0 * math.log10(gain * level_gain), dtype=torch.float32),
            "index": torch.tensor(int(index), dtype=torch.int64),
            "speaker": speaker,
            "speech_files": ";".join(speech_files),
            "noise_files": ";".join(noise_files),
            "rir": rir_name,
        }


# -- fixed sets on disk ------------------------------------------------------------------------------------


def _quantize16(x: np.ndarray) -> np.ndarray:
    """Round to the 16-bit grid (k/32768, which libsndfile writes and reads back exactly)."""
    return (np.clip(np.round(np.asarray(x, np.float64) * 32768.0), -32767, 32767) / 32768.0).astype(np.float32)


def measured_snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """``10·log10(Σ clean² / Σ (noisy − clean)²)``."""
    c = np.asarray(clean, np.float64)
    e = np.asarray(noisy, np.float64) - c
    return _db(float(np.sum(c**2)) / max(float(np.sum(e**2)), 1e-30))


def _relative(files: str, root: Path) -> str:
    """``;``-separated source paths relative to ``root``, so that meta.csv names no machine-specific folder."""
    return ";".join(os.path.relpath(f, os.path.abspath(root)) if os.path.isabs(f) else f for f in files.split(";") if f)


def _is_nonempty_dir(p: Path) -> bool:
    return p.is_dir() and any(p.iterdir())


class FixedSet(Dataset):
    """Items written to ``root``: ``clean/``, ``noisy/``, ``noise/`` (same file names) and ``meta.csv``.

    ``meta.csv`` columns: ``file`` (the name inside each folder), ``speaker``, ``snr_db`` (measured on the
    written files, :func:`measured_snr_db`), ``snr_target_db`` (drawn), ``gain_db``, ``noise_files``, ``rir``
    and ``speech_files``. As a dataset it returns the same keys as :class:`MixingDataset` (``snr_db`` measured).
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        meta = self.root / "meta.csv"
        if not meta.exists():
            raise HushError(f"{self.root}: not a fixed set (no meta.csv)")
        with open(meta, newline="") as fh:
            self.rows = list(csv.DictReader(fh))

    def __len__(self) -> int:
        return len(self.rows)

    def speakers(self) -> set[str]:
        """Speakers of the mixtures."""
        return {row["speaker"] for row in self.rows if row.get("speaker")}

    def source_files(self, column: str) -> set[str]:
        """Absolute paths of the sources in ``column`` (``speech_files`` or ``noise_files``) of all mixtures."""
        out = set()
        for row in self.rows:
            for f in (row.get(column) or "").split(";"):
                if f:
                    out.add(os.path.abspath(f if os.path.isabs(f) else self.root / f))
        return out

    def __getitem__(self, i: int) -> dict:
        row = self.rows[i]
        sig = {k: read(self.root / k / row["file"])[0][0] for k in ("noisy", "clean", "noise")}
        item = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sig.items()}
        item["mask"] = torch.ones_like(item["noisy"])
        item["snr_db"] = torch.tensor(float(row["snr_db"]), dtype=torch.float32)
        item["gain_db"] = torch.tensor(float(row["gain_db"]), dtype=torch.float32)
        item["index"] = torch.tensor(i, dtype=torch.int64)
        for k in ("speaker", "speech_files", "noise_files", "rir"):
            item[k] = row.get(k, "")
        return item

    @classmethod
    def create(
        cls,
        dataset: MixingDataset,
        n: int,
        root: str | os.PathLike,
        seed: int | None = None,
        epoch: int = 0,
        fmt: str = "flac",
        overwrite: bool = False,
        num_workers: int = 0,
        progress: bool = False,
    ) -> FixedSet:
        """Materialise items ``0..n-1`` of ``dataset`` (with ``seed`` and ``epoch`` in place of its own) as 16-bit
        ``fmt`` (``flac`` or ``wav``) files.

        Clean and noisy are rounded to the 16-bit grid and the noise written is their exact difference, so the
        files satisfy ``noisy == clean + noise`` exactly. Refuses a non-empty ``root`` unless ``overwrite``.
        """
        fmt = fmt.lower().lstrip(".")
        if fmt not in ("flac", "wav"):
            raise HushError(f"format must be flac or wav, not {fmt!r}")
        root = Path(root)
        if _is_nonempty_dir(root) and not overwrite:
            raise HushError(f"{root}: output folder is not empty (use --overwrite to write into it)")
        if root.exists() and not root.is_dir():
            raise HushError(f"{root}: exists and is not a folder")
        ds = copy.copy(dataset)
        ds.config = replace(dataset.config, epoch_size=max(int(n), 1))
        if seed is not None:
            ds.seed = int(seed)
        ds.epoch = int(epoch)
        sr = ds.sr
        width = max(6, len(str(n - 1)))
        loader = DataLoader(ds, batch_size=None, sampler=range(int(n)), num_workers=num_workers)
        it = iter(loader)
        if progress:
            from tqdm import tqdm

            it = tqdm(it, total=int(n), unit="item", desc="simulate")
        rows = []
        for item in it:
            i = int(item["index"])
            name = f"{i:0{width}d}.{fmt}"
            clean = _quantize16(item["clean"].numpy())
            noisy = _quantize16(item["noisy"].numpy())
            noise = noisy - clean  # exact: both are on the 16-bit grid
            for kind, x in (("clean", clean), ("noisy", noisy), ("noise", noise)):
                g = write(root / kind / name, x, sr, subtype="PCM_16", overwrite=overwrite)
                if g != 1.0:  # cannot happen after the peak guard; a silent rescale would break the sum
                    raise HushError(f"{root / kind / name}: would clip; lower MixConfig.peak")
            rows.append(
                {
                    "file": name,
                    "speaker": item["speaker"],
                    "snr_db": f"{measured_snr_db(clean, noisy):.4f}",
                    "snr_target_db": f"{float(item['snr_db']):.4f}",
                    "gain_db": f"{float(item['gain_db']):.4f}",
                    "noise_files": _relative(item["noise_files"], root),
                    "rir": item["rir"],
                    "speech_files": _relative(item["speech_files"], root),
                }
            )
        meta = root / "meta.csv"
        tmp = meta.with_name(".meta.csv.part")
        with open(tmp, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=META_COLUMNS)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, meta)
        return cls(root)
