"""Training and validation data of ``data.kind: array``: simulated microphone-array scenes made on the fly.

Speakers and noise are held out for validation exactly as for ``kind: manifests``
(:func:`hush.training.manifest_data.hold_out`); validation scenes use rooms of their own (the room seed plus one).
"""

from __future__ import annotations

import dataclasses

from hush.data.mixing.arrays import ArrayDataConfig, ArrayMixingDataset
from hush.training.config import Config
from hush.training.manifest_data import _load, hold_out, speaker_ids
from hush.training.validation import materialize


def build_array_datasets(cfg: Config, rank: int = 0):
    d = cfg.data
    speech, noise = _load(d.speech, "speech"), _load(d.noise, "noise")
    excluded = speaker_ids(d.exclude_speakers)
    speech = [r for r in speech if (r.speaker or r.id) not in excluded]
    valid_ids = speaker_ids(d.valid_speaker_ids) - excluded if d.valid_speaker_ids else None
    tr_s, va_s, tr_n, va_n = hold_out(
        speech, noise, d.valid_speakers, d.valid_noise_fraction, d.valid_seed, valid_ids, d.valid_noise_by
    )
    acfg = ArrayDataConfig(**d.array)
    acfg = dataclasses.replace(acfg, scene={"seconds": d.mix.segment_seconds, **acfg.scene})
    train = ArrayMixingDataset(tr_s, tr_n, acfg, d.sample_rate, d.epoch_size, cfg.train.seed, rank)
    vcfg = dataclasses.replace(acfg, room_seed=acfg.room_seed + 1, n_rooms=max(8, min(acfg.n_rooms, d.valid_size)))
    valid = ArrayMixingDataset(va_s, va_n, vcfg, d.sample_rate, d.valid_size, d.valid_seed)
    return train, materialize(valid, d.valid_size)
