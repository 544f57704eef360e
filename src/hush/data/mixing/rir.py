"""Room impulse responses for reverberant training data.

A :class:`RIRBank` holds normalised RIRs (unit energy) and the index of each one's direct path. It is either
simulated with pyroomacoustics (shoebox rooms, image source method) or read from a folder of audio files,
and cached to an ``.npz`` file so it is built once; a simulated bank is a deterministic function of its
config (seed included).

:func:`reverberate` convolves a signal with an RIR and returns the reverberant signal and the training target,
both aligned to the direct path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

from hush.audio.io import AUDIO_EXTENSIONS, read
from hush.audio.resample import resample
from hush.errors import HushError

log = logging.getLogger(__name__)

CACHE_VERSION = 1
PRE_DIRECT_MS = 2.5  # kept before the direct path (the fractional-delay filter's leading half)
DIRECT_WINDOW_MS = 0.5  # half-width of the window whose energy is the direct path's gain


@dataclass
class RIRConfig:
    """How to build a bank. ``folder`` set: read RIR audio files from it; otherwise simulate ``n_rirs`` rooms.

    Rooms are shoeboxes with each dimension uniform in ``[room_min, room_max]`` (metres) and an RT60 uniform in
    ``rt60_range``; :func:`pyroomacoustics.inverse_sabine` gives the wall absorption and image-source order
    (capped at ``max_order`` when set: faster, but the tail is then cut short). Room/RT60 pairs it cannot
    realise are drawn again. Source and microphone are at least ``min_wall_m`` from every wall and
    ``min_distance_m`` apart. RIRs are cut ``max_seconds`` after the direct path, or earlier once their energy
    decay curve is 60 dB down. ``cache``: an ``.npz`` path; loaded when it exists and matches this config.
    """

    n_rirs: int = 100
    room_min: tuple[float, float, float] = (3.0, 3.0, 2.5)
    room_max: tuple[float, float, float] = (10.0, 8.0, 4.0)
    rt60_range: tuple[float, float] = (0.2, 1.0)
    min_wall_m: float = 0.5
    min_distance_m: float = 0.5
    max_order: int | None = None
    max_seconds: float = 1.0
    seed: int = 0
    folder: str | None = None
    cache: str | None = None
    max_tries: int = 1000

    @classmethod
    def from_dict(cls, d: dict | RIRConfig | None) -> RIRConfig:
        if d is None:
            return cls()
        if isinstance(d, RIRConfig):
            return d
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise HushError(f"unknown RIR options: {', '.join(sorted(unknown))}")
        return cls(**d)

    def fingerprint(self, sample_rate: int) -> str:
        d = asdict(self)
        d.pop("cache")
        d["sample_rate"] = int(sample_rate)
        d["version"] = CACHE_VERSION
        if self.folder:
            for k in (
                "n_rirs",
                "room_min",
                "room_max",
                "rt60_range",
                "min_wall_m",
                "min_distance_m",
                "max_order",
                "seed",
                "max_tries",
            ):
                d.pop(k)
            d["files"] = [
                (str(p.relative_to(self.folder)), p.stat().st_size, int(p.stat().st_mtime))
                for p in _audio_files(self.folder)
            ]
        return hashlib.sha1(json.dumps(d, sort_keys=True, default=list).encode()).hexdigest()


def _audio_files(folder: str | os.PathLike) -> list[Path]:
    root = Path(folder)
    if not root.is_dir():
        raise HushError(f"{root}: RIR folder not found")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)


def direct_path_index(h: np.ndarray, threshold: float = 0.5, search: int = 16) -> int:
    """Index of the direct path: the largest |h| within ``search`` samples of the first sample whose magnitude
    reaches ``threshold`` times the global peak (the argmax when the direct path is the strongest arrival)."""
    a = np.abs(np.asarray(h))
    if not a.size or a.max() == 0:
        raise HushError("RIR is empty or all zeros")
    i0 = int(np.argmax(a >= threshold * a.max()))
    return i0 + int(np.argmax(a[i0 : i0 + search + 1]))


def prepare_rir(h: np.ndarray, sr: int, max_seconds: float = 1.0) -> tuple[np.ndarray, int]:
    """Trim to ``PRE_DIRECT_MS`` before the direct path and at most ``max_seconds`` after it (or where the
    energy decay curve is 60 dB down), normalise to unit energy; returns ``(h, direct_idx)``."""
    h = np.asarray(h, dtype=np.float64)
    d = direct_path_index(h, search=max(1, int(round(sr / 1000))))
    start = max(0, d - int(round(PRE_DIRECT_MS * sr / 1000)))
    stop = min(len(h), d + int(round(max_seconds * sr)) + 1)
    h = h[start:stop]
    d -= start
    edc = np.cumsum((h**2)[::-1])[::-1]
    below = np.nonzero(edc < edc[0] * 1e-6)[0]
    if below.size and below[0] > d:
        h = h[: below[0]]
    h = h / np.sqrt(np.sum(h**2))
    return h.astype(np.float32), int(d)


def direct_gain(h: np.ndarray, direct_idx: int, sr: int) -> float:
    """Signed amplitude of the direct path: the energy in a ±``DIRECT_WINDOW_MS`` window around it (which
    holds a fractionally delayed impulse's main lobe) with the sign of ``h[direct_idx]``."""
    w = max(1, int(round(DIRECT_WINDOW_MS * sr / 1000)))
    seg = np.asarray(h[max(0, direct_idx - w) : direct_idx + w + 1], dtype=np.float64)
    return float(np.sign(h[direct_idx]) * np.sqrt(np.sum(seg**2)))


def reverberate(
    x: np.ndarray, h: np.ndarray, direct_idx: int, sr: int, target: str = "dry", early_ms: float = 50.0
) -> tuple[np.ndarray, np.ndarray]:
    """Convolve ``x`` with ``h``; returns ``(reverberant, target)``, both as long as ``x`` and aligned so the
    direct path is at sample 0 (no delay relative to ``x``).

    ``target="dry"``: ``x`` times the direct path's gain (:func:`direct_gain`); ``target="early"``: ``x``
    convolved with ``h`` up to ``early_ms`` after the direct path (direct sound plus early reflections).
    """
    if target not in ("dry", "early"):
        raise HushError(f"reverb target must be 'dry' or 'early', not {target!r}")
    x = np.asarray(x)
    n = len(x)
    h = np.asarray(h, dtype=np.float64)
    x64 = x.astype(np.float64)
    rev = fftconvolve(x64, h)[direct_idx : direct_idx + n]
    if target == "dry":
        tgt = x64 * direct_gain(h, direct_idx, sr)
    else:
        h_early = h[: direct_idx + int(round(early_ms * sr / 1000)) + 1]
        tgt = fftconvolve(x64, h_early)[direct_idx : direct_idx + n]
    return rev.astype(np.float32), tgt.astype(np.float32)


class RIRBank:
    """Normalised RIRs at one sample rate with their direct-path indices.

    ``rt60`` and ``rooms`` (metres) are NaN for RIRs read from files; ``names`` says where each came from.
    ``from_cache`` tells whether :meth:`build` loaded the bank from its cache file.
    """

    def __init__(
        self,
        rirs: list[np.ndarray],
        direct_idx,
        sample_rate: int,
        names: list[str] | None = None,
        rt60=None,
        rooms=None,
    ):
        if not rirs:
            raise HushError("RIR bank is empty")
        self.rirs = [np.asarray(h, dtype=np.float32) for h in rirs]
        self.direct_idx = np.asarray(direct_idx, dtype=np.int64)
        self.sample_rate = int(sample_rate)
        n = len(self.rirs)
        self.names = list(names) if names is not None else [f"rir{i:05d}" for i in range(n)]
        self.rt60 = np.asarray(rt60 if rt60 is not None else np.full(n, np.nan), dtype=np.float64)
        self.rooms = np.asarray(rooms if rooms is not None else np.full((n, 3), np.nan), dtype=np.float64)
        self.from_cache = False
        self.n_infeasible = 0  # room/RT60 draws that were rejected while simulating
        self.fingerprint = ""
        self.cache_path: str | None = None  # the cache file build() loaded or wrote

    def __len__(self) -> int:
        return len(self.rirs)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return self.rirs[i], int(self.direct_idx[i])

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(len(self.rirs)))

    # -- building ----------------------------------------------------------------------------------------

    @classmethod
    def build(cls, config: RIRConfig | dict | None, sample_rate: int) -> RIRBank:
        """Load the bank from ``config.cache`` when it holds one made from the same config, else make it
        (simulate or read the folder) and write the cache."""
        cfg = RIRConfig.from_dict(config)
        fp = cfg.fingerprint(sample_rate)
        if cfg.cache and Path(cfg.cache).exists():
            try:
                bank = cls.load(cfg.cache)
            except (OSError, ValueError, KeyError) as e:
                log.warning("RIR cache %s unreadable (%s): rebuilding it", cfg.cache, e)
            else:
                if bank.fingerprint == fp:
                    bank.from_cache = True
                    bank.cache_path = str(cfg.cache)
                    return bank
                log.warning("RIR cache %s was made from other settings: rebuilding it", cfg.cache)
        bank = cls.from_folder(cfg, sample_rate) if cfg.folder else cls.simulate(cfg, sample_rate)
        bank.fingerprint = fp
        if cfg.cache:
            bank.save(cfg.cache)
            bank.cache_path = str(cfg.cache)
        return bank

    @classmethod
    def simulate(cls, config: RIRConfig | dict, sample_rate: int) -> RIRBank:
        try:
            import pyroomacoustics as pra
        except ModuleNotFoundError:
            from hush.errors import MissingExtraError

            raise MissingExtraError("simulating room impulse responses", "train") from None

        cfg = RIRConfig.from_dict(config)
        lo, hi = np.asarray(cfg.room_min, float), np.asarray(cfg.room_max, float)
        if lo.shape != (3,) or hi.shape != (3,) or np.any(lo > hi):
            raise HushError(f"room size range {cfg.room_min}..{cfg.room_max} is not three increasing pairs")
        if np.any(lo <= 2 * cfg.min_wall_m):
            raise HushError(f"rooms must be larger than {2 * cfg.min_wall_m} m (twice the wall clearance)")
        if cfg.rt60_range[0] <= 0 or cfg.rt60_range[0] > cfg.rt60_range[1]:
            raise HushError(f"bad RT60 range {cfg.rt60_range}")
        rng = np.random.default_rng(cfg.seed)
        rirs, direct, rt60s, rooms = [], [], [], []
        infeasible = 0
        while len(rirs) < cfg.n_rirs:
            dims = rng.uniform(lo, hi)
            rt60 = float(rng.uniform(*cfg.rt60_range))
            try:
                absorption, max_order = pra.inverse_sabine(rt60, dims)
            except ValueError:  # an RT60 this short would need wall absorption above 1 in a room this large
                infeasible += 1
                if infeasible > cfg.max_tries:
                    raise HushError(
                        f"no feasible room/RT60 pair in {cfg.max_tries} draws: widen the room range "
                        f"{cfg.room_min}..{cfg.room_max} or the RT60 range {cfg.rt60_range}"
                    ) from None
                continue
            if cfg.max_order is not None:
                max_order = min(max_order, cfg.max_order)
            src, mic = cls._positions(rng, dims, cfg)
            room = pra.ShoeBox(dims, fs=sample_rate, materials=pra.Material(absorption), max_order=max_order)
            room.add_source(src)
            room.add_microphone(mic)
            room.compute_rir()
            h, d = prepare_rir(room.rir[0][0], sample_rate, cfg.max_seconds)
            rirs.append(h)
            direct.append(d)
            rt60s.append(rt60)
            rooms.append(dims)
        bank = cls(rirs, direct, sample_rate, [f"sim{i:05d}" for i in range(len(rirs))], rt60s, rooms)
        bank.n_infeasible = infeasible
        return bank

    @staticmethod
    def _positions(rng: np.random.Generator, dims: np.ndarray, cfg: RIRConfig) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.full(3, cfg.min_wall_m), dims - cfg.min_wall_m
        for _ in range(cfg.max_tries):
            src, mic = rng.uniform(a, b), rng.uniform(a, b)
            if np.linalg.norm(src - mic) >= cfg.min_distance_m:
                return src, mic
        raise HushError(f"cannot place source and microphone {cfg.min_distance_m} m apart in a {dims} m room")

    @classmethod
    def from_folder(cls, config: RIRConfig | dict | str | os.PathLike, sample_rate: int) -> RIRBank:
        cfg = RIRConfig(folder=str(config)) if isinstance(config, (str, os.PathLike)) else RIRConfig.from_dict(config)
        files = _audio_files(cfg.folder)
        if not files:
            raise HushError(f"{cfg.folder}: no audio files (RIRs) found")
        rirs, direct = [], []
        for p in files:
            x, sr = read(p)
            h = resample(x[0], sr, sample_rate)
            h, d = prepare_rir(h, sample_rate, cfg.max_seconds)
            rirs.append(h)
            direct.append(d)
        return cls(rirs, direct, sample_rate, [str(p.relative_to(cfg.folder)) for p in files])

    # -- cache file --------------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Atomically write the bank as an ``.npz`` file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lengths = np.array([len(h) for h in self.rirs], dtype=np.int64)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    data=np.concatenate(self.rirs),
                    offsets=np.concatenate([[0], np.cumsum(lengths)]),
                    direct_idx=self.direct_idx,
                    sample_rate=np.int64(self.sample_rate),
                    names=np.array(self.names, dtype=str),
                    rt60=self.rt60,
                    rooms=self.rooms,
                    fingerprint=np.array(self.fingerprint),
                    version=np.int64(CACHE_VERSION),
                )
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: str | os.PathLike) -> RIRBank:
        with np.load(path, allow_pickle=False) as z:
            if int(z["version"]) != CACHE_VERSION:
                raise ValueError(f"cache version {int(z['version'])}, expected {CACHE_VERSION}")
            data, off = z["data"], z["offsets"]
            rirs = [data[off[i] : off[i + 1]].copy() for i in range(len(off) - 1)]
            bank = cls(
                rirs, z["direct_idx"], int(z["sample_rate"]), [str(s) for s in z["names"]], z["rt60"], z["rooms"]
            )
            bank.fingerprint = str(z["fingerprint"])
        return bank
