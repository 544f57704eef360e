"""Training and validation mixtures from speech and noise manifests.

Validation never touches a dev or test set: whole speakers (``data.valid_speakers``) and a fraction of the noise
files (``data.valid_noise_fraction``) are held back from the training manifests, chosen deterministically from
``data.valid_seed``, and a fixed set of ``data.valid_size`` mixtures is simulated from them.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from hush.data.manifest import Record, read_manifest
from hush.data.mixing import FixedSet, MixingDataset
from hush.errors import HushError
from hush.training.config import Config
from hush.training.validation import materialize


def _load(paths: list[str], kind: str) -> list[Record]:
    recs = [r for p in paths for r in read_manifest(p) if r.kind == kind]
    if not recs:
        raise HushError(f"no {kind} records in {', '.join(paths)}")
    return [r for r in recs if r.split in (None, "train")]


def hold_out(speech: list[Record], noise: list[Record], n_speakers: int, noise_fraction: float, seed: int):
    """Split into (train speech, valid speech, train noise, valid noise) by whole speakers and noise files."""
    rng = np.random.default_rng(seed)
    speakers = sorted({r.speaker or r.id for r in speech})
    if n_speakers >= len(speakers):
        raise HushError(f"data.valid_speakers={n_speakers} leaves no training speaker (have {len(speakers)})")
    held = set(rng.choice(speakers, size=n_speakers, replace=False).tolist()) if n_speakers else set()
    tr_s = [r for r in speech if (r.speaker or r.id) not in held]
    va_s = [r for r in speech if (r.speaker or r.id) in held]
    order = rng.permutation(len(noise))
    n_valid = max(1, int(round(noise_fraction * len(noise)))) if noise_fraction > 0 else 0
    va_idx = set(order[:n_valid].tolist())
    tr_n = [r for i, r in enumerate(noise) if i not in va_idx]
    va_n = [r for i, r in enumerate(noise) if i in va_idx]
    return tr_s, va_s or tr_s, tr_n, va_n or tr_n


def exclude_sources(speech: list[Record], noise: list[Record], fixed: FixedSet) -> tuple[list[Record], list[Record]]:
    """Training speech and noise without the speakers and noise files of a frozen validation set.

    :func:`hold_out` draws its speakers from the manifest's speaker list, so a filtered or extended manifest holds
    out other speakers than the one the frozen set was simulated from; without this the frozen set's speakers and
    noise files could be trained on.
    """
    speakers = fixed.speakers()
    noise_files = fixed.source_files("noise_files")
    speech_files = fixed.source_files("speech_files")
    tr_s = [r for r in speech if (r.speaker or r.id) not in speakers and os.path.abspath(r.path) not in speech_files]
    tr_n = [r for r in noise if os.path.abspath(r.path) not in noise_files]
    if not tr_s or not tr_n:
        raise HushError(f"{fixed.root}: its speakers or noise files leave no training speech or noise")
    return tr_s, tr_n


def build_manifest_datasets(cfg: Config, rank: int = 0):
    d = cfg.data
    if d.kind == "pairs":
        return _build_pair_datasets(cfg, rank)
    train, valid = manifest_mixers(cfg, rank)
    return train, materialize(valid, d.valid_size)


def manifest_mixers(cfg: Config, rank: int = 0) -> tuple[MixingDataset, MixingDataset | FixedSet]:
    """The training mixer and the (not yet materialised) validation set of a ``manifests`` config."""
    d = cfg.data
    speech, noise = _load(d.speech, "speech"), _load(d.noise, "noise")
    tr_s, va_s, tr_n, va_n = hold_out(speech, noise, d.valid_speakers, d.valid_noise_fraction, d.valid_seed)
    mix = dataclasses.replace(
        d.mix, epoch_size=d.epoch_size, seed=cfg.train.seed, sample_rate=d.sample_rate, cache_bytes=d.cache_mb * 2**20
    )
    valid = FixedSet(d.valid_dir) if d.valid_dir else None
    if valid is not None:
        tr_s, tr_n = exclude_sources(tr_s, tr_n, valid)
    train = MixingDataset(tr_s, tr_n, mix, rank=rank)
    if valid is None:
        vmix = dataclasses.replace(
            mix, epoch_size=d.valid_size, seed=d.valid_seed, augmentations=[], noise_augmentations=[], cache_bytes=0
        )
        valid = MixingDataset(va_s, va_n, vmix, rir_bank=train.rir_bank)
    return train, valid


def _build_pair_datasets(cfg: Config, rank: int):
    """Fixed pairs: whole speakers of the training pairs are held back for validation."""
    from hush.data.paired import PairedDataset

    d = cfg.data
    pairs = [r for p in d.speech for r in read_manifest(p) if r.kind == "pair" and r.split in (None, "train")]
    if not pairs:
        raise HushError(f"no training pair records in {', '.join(d.speech)}")
    tr, va, _, _ = hold_out(pairs, pairs[:1], d.valid_speakers, 0.0, d.valid_seed)
    seconds = d.mix.segment_seconds
    train = PairedDataset(tr, d.sample_rate, seconds, d.epoch_size, seed=cfg.train.seed, rank=rank)
    valid = PairedDataset(va, d.sample_rate, seconds, min(d.valid_size, len(va)), seed=d.valid_seed)
    return train, materialize(valid, d.valid_size)
