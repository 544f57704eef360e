"""Datasets of a training run: the on-the-fly training mixture and the fixed validation items."""

from __future__ import annotations

from hush.data.mixing.synthetic import SyntheticMixDataset
from hush.training.config import Config
from hush.training.validation import materialize


def build_datasets(cfg: Config, rank: int = 0):
    d = cfg.data
    if d.kind == "synthetic":
        train = SyntheticMixDataset(
            d.epoch_size, d.sample_rate, d.mix.segment_seconds, tuple(d.mix.snr_range), seed=cfg.train.seed, rank=rank
        )
        valid = SyntheticMixDataset(
            d.valid_size,
            d.sample_rate,
            d.mix.segment_seconds,
            tuple(d.mix.snr_range),
            seed=d.valid_seed + 10_000,
            rank=0,
        )
        return train, materialize(valid, d.valid_size)
    if d.kind == "array":
        from hush.training.array_data import build_array_datasets

        return build_array_datasets(cfg, rank)
    from hush.training.manifest_data import build_manifest_datasets

    return build_manifest_datasets(cfg, rank)
