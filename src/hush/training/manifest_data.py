"""Training and validation mixtures from speech and noise manifests.

Validation never touches a dev or test set: whole speakers (``data.valid_speakers`` drawn at random, or the list
``data.valid_speaker_ids``) and a fraction of the noise (``data.valid_noise_fraction`` of the files, or with
``data.valid_noise_by: source`` of the source recordings, so that no clip of a held-out recording is trained on)
are held back from the training manifests, chosen deterministically from ``data.valid_seed``, and a fixed set of
``data.valid_size`` mixtures is simulated from them. ``data.exclude_speakers`` never enter either (voices kept
for an evaluation set). With reverberation, validation uses rooms of its own (simulated from the RIR bank's seed
plus one).

Speaker lists are speaker ids, or ``@path`` entries naming a text file of ids (one per line, ``#`` comments).
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np

from hush.data.manifest import Record, read_manifest
from hush.data.mixing.mixtures import FixedSet, MixingDataset
from hush.data.mixing.rir import RIRBank, RIRConfig
from hush.errors import HushError
from hush.training.config import Config
from hush.training.validation import materialize


def _load(paths: list[str], kind: str) -> list[Record]:
    recs = [r for p in paths for r in read_manifest(p) if r.kind == kind]
    if not recs:
        raise HushError(f"no {kind} records in {', '.join(paths)}")
    return [r for r in recs if r.split in (None, "train")]


def speaker_ids(entries: list[str]) -> set[str]:
    """Speaker ids from a list of ids and ``@file`` entries (files: one id per line, ``#`` starts a comment)."""
    out: set[str] = set()
    for entry in entries:
        if not str(entry).startswith("@"):
            out.add(str(entry))
            continue
        path = Path(str(entry)[1:])
        if not path.is_file():
            raise HushError(f"{path}: speaker list not found")
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                out.add(line)
    return out


_US8K = re.compile(r"^(\d+)-\d+-\d+-\d+$")  # UrbanSound8K: <freesound id>-<class>-<occurrence>-<slice>


def noise_source(r: Record) -> str:
    """The recording a noise file was cut from: UrbanSound8K's freesound id, else the folder plus the file stem
    without trailing digits (``Blacksmith1`` and ``Blacksmith2`` are one source)."""
    p = Path(r.path)
    m = _US8K.match(p.stem)
    if m:
        return f"us8k:{m.group(1)}"
    return f"{p.parent.name}/{p.stem.rstrip('0123456789_-') or p.stem}"


def hold_out(
    speech: list[Record],
    noise: list[Record],
    n_speakers: int,
    noise_fraction: float,
    seed: int,
    valid_ids: set[str] | None = None,
    noise_by: str = "file",
):
    """Split into (train speech, valid speech, train noise, valid noise) by whole speakers and whole noise files
    (``noise_by="file"``) or whole source recordings (``"source"``, :func:`noise_source`)."""
    rng = np.random.default_rng(seed)
    speakers = sorted({r.speaker or r.id for r in speech})
    if valid_ids:
        unknown = sorted(valid_ids - set(speakers))
        if unknown:
            raise HushError(f"validation speakers not in the speech manifests: {', '.join(unknown[:5])}")
        held = set(valid_ids)
    else:
        if n_speakers >= len(speakers):
            raise HushError(f"data.valid_speakers={n_speakers} leaves no training speaker (have {len(speakers)})")
        held = set(rng.choice(speakers, size=n_speakers, replace=False).tolist()) if n_speakers else set()
    if len(held) >= len(speakers):
        raise HushError("the validation speakers leave no training speaker")
    tr_s = [r for r in speech if (r.speaker or r.id) not in held]
    va_s = [r for r in speech if (r.speaker or r.id) in held]
    if noise_by not in ("file", "source"):
        raise HushError(f"data.valid_noise_by must be 'file' or 'source', not {noise_by!r}")
    keys = [noise_source(r) if noise_by == "source" else str(i) for i, r in enumerate(noise)]
    groups = sorted(set(keys))
    order = rng.permutation(len(groups))
    n_valid = max(1, int(round(noise_fraction * len(groups)))) if noise_fraction > 0 else 0
    va_groups = {groups[i] for i in order[:n_valid].tolist()}
    tr_n = [r for r, k in zip(noise, keys, strict=True) if k not in va_groups]
    va_n = [r for r, k in zip(noise, keys, strict=True) if k in va_groups]
    if noise and not tr_n:
        raise HushError(f"holding out noise by {noise_by} leaves no training noise ({len(groups)} {noise_by}s in all)")
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
    excluded = speaker_ids(d.exclude_speakers)
    speech = [r for r in speech if (r.speaker or r.id) not in excluded]
    valid_ids = speaker_ids(d.valid_speaker_ids) - excluded if d.valid_speaker_ids else None
    tr_s, va_s, tr_n, va_n = hold_out(
        speech, noise, d.valid_speakers, d.valid_noise_fraction, d.valid_seed, valid_ids, d.valid_noise_by
    )
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
        bank = None
        if vmix.reverb_prob > 0:  # rooms of its own: a bank from the next seed, cached beside the training one
            rir = RIRConfig.from_dict(vmix.rir)
            cache = f"{Path(rir.cache).with_suffix('')}-valid.npz" if rir.cache else None
            n = min(rir.n_rirs, max(16, d.valid_size))  # enough rooms for the validation mixtures
            bank = RIRBank.build(dataclasses.replace(rir, n_rirs=n, seed=rir.seed + 1, cache=cache), vmix.sample_rate)
        valid = MixingDataset(va_s, va_n, vmix, rir_bank=bank)
    return train, valid


def _build_pair_datasets(cfg: Config, rank: int):
    """Fixed pairs: whole speakers of the training pairs are held back for validation."""
    from hush.data.mixing.paired import PairedDataset

    d = cfg.data
    pairs = [r for p in d.speech for r in read_manifest(p) if r.kind == "pair" and r.split in (None, "train")]
    if not pairs:
        raise HushError(f"no training pair records in {', '.join(d.speech)}")
    tr, va, _, _ = hold_out(pairs, pairs[:1], d.valid_speakers, 0.0, d.valid_seed)
    seconds = d.mix.segment_seconds
    train = PairedDataset(tr, d.sample_rate, seconds, d.epoch_size, seed=cfg.train.seed, rank=rank)
    valid = PairedDataset(va, d.sample_rate, seconds, min(d.valid_size, len(va)), seed=d.valid_seed)
    return train, materialize(valid, d.valid_size)
