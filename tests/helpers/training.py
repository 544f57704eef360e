"""Tiny training runs shared by the training tests."""

import csv


def tiny_config(out_dir, **train) -> dict:
    """A config mapping for a tiny GRU on synthetic data; ``train`` overrides train keys."""
    return {
        "model": {"arch": "gru", "options": {"hidden": 16, "layers": 1, "n_fft": 256, "hop": 128}},
        "data": {"kind": "synthetic", "epoch_size": 16, "valid_size": 4, "mix": {"segment_seconds": 1.0}},
        "loss": {"mse": 1.0},
        "optim": {"lr": 3e-3, "warmup_steps": 1},
        "train": {"batch_size": 4, "log_every": 1, "out_dir": str(out_dir), "tensorboard": False, "seed": 3, **train},
    }


def read_csv(path) -> list[dict]:
    """The rows of a training log (train.csv, valid.csv)."""
    with open(path) as fh:
        return list(csv.DictReader(fh))
