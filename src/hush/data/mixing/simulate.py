"""Simulated noisy/clean sets from folders of speech and noise (``hush simulate``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from hush.data.manifest import Record
from hush.data.mixing.mixtures import FixedSet, MixConfig, MixingDataset
from hush.data.mixing.rir import RIRConfig
from hush.data.prepare.folders import prepare_clean, prepare_noise
from hush.errors import HushError


def scan_folder(folder: str | os.PathLike, kind: str) -> list[Record]:
    """``speech`` or ``noise`` records for the audio files below ``folder`` (recursive; speaker, resp. category, is
    the parent folder's name), by the ``folder-clean`` / ``folder-noise`` recipes of :mod:`hush.data.prepare`."""
    if kind not in ("speech", "noise"):
        raise ValueError(kind)
    root = Path(folder)
    if not root.is_dir():
        raise HushError(f"{root}: {kind} folder not found")
    records = (prepare_clean if kind == "speech" else prepare_noise)(root)
    if not records:
        raise HushError(f"{root}: no readable audio files for {kind}")
    return records


def simulate(
    speech_dir: str | os.PathLike,
    noise_dir: str | os.PathLike,
    out: str | os.PathLike,
    n: int,
    snr: Sequence[float] = (-5.0, 20.0),
    seed: int = 0,
    rir_dir: str | os.PathLike | None = None,
    simulate_rirs: int = 0,
    rt60: Sequence[float] = (0.2, 1.0),
    rir_cache: str | os.PathLike | None = None,
    reverb_prob: float | None = None,
    target: str = "dry",
    seconds: float = 4.0,
    sr: int = 16000,
    level: Sequence[float] = (-35.0, -15.0),
    n_noises: Sequence[int] = (1, 3),
    fmt: str = "flac",
    overwrite: bool = False,
    jobs: int = 0,
    progress: bool = False,
) -> FixedSet:
    """Write ``n`` mixtures to ``out`` (``clean/``, ``noisy/``, ``noise/``, ``meta.csv``); see :class:`FixedSet`.

    Reverberation uses RIR files from ``rir_dir`` or ``simulate_rirs`` simulated rooms (RT60 in ``rt60``),
    applied with probability ``reverb_prob`` (default 1 when there are RIRs, else 0).
    """
    if n < 1:
        raise HushError(f"--n must be at least 1, not {n}")
    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise HushError(f"{out}: output folder is not empty (use --overwrite to write into it)")
    if rir_dir is not None and simulate_rirs:
        raise HushError("give either an RIR folder or a number of rooms to simulate, not both")
    rir = None
    if rir_dir is not None:
        rir = RIRConfig(folder=str(rir_dir), cache=str(rir_cache) if rir_cache else None)
    elif simulate_rirs:
        rir = RIRConfig(
            n_rirs=int(simulate_rirs),
            rt60_range=tuple(rt60),
            seed=int(seed),
            cache=str(rir_cache) if rir_cache else None,
        )
    if reverb_prob is None:
        reverb_prob = 1.0 if rir is not None else 0.0
    elif reverb_prob > 0 and rir is None:
        raise HushError("a reverberation probability needs RIRs (--rir DIR or --simulate-rirs N)")
    cfg = MixConfig(
        segment_seconds=float(seconds),
        sample_rate=int(sr),
        snr_range=tuple(snr),
        level_range_db=tuple(level),
        n_noises=tuple(int(k) for k in n_noises),
        reverb_prob=reverb_prob,
        rir=rir,
        target=target,
        epoch_size=int(n),
        seed=int(seed),
    )
    ds = MixingDataset(scan_folder(speech_dir, "speech"), scan_folder(noise_dir, "noise"), cfg)
    return FixedSet.create(ds, int(n), out, fmt=fmt, overwrite=overwrite, num_workers=jobs, progress=progress)
