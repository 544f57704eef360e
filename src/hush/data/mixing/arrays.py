"""Simulated microphone-array mixtures: a talker and directional noise sources in a pyroomacoustics room, plus
spatially diffuse noise, recorded by an array; the target is the talker at the reference microphone.

One scene (:func:`render`):

* a shoebox room (each dimension uniform in ``room_min``..``room_max`` m, RT60 uniform in ``rt60_range``; wall
  absorption and image-source order from Sabine's formula, the order capped at ``max_order``);
* the array at a random position and rotation about the vertical axis, 1.0-1.6 m high, at least ``min_wall_m``
  from every wall; the talker ``distance_range`` m away at 1.2-1.8 m; ``n_point_noises`` noise sources elsewhere;
* spatially diffuse noise from independent noise segments mixed to the theoretical spherically isotropic
  coherence of the array (:func:`hush.dsp.spatial.impose_coherence`);
* the total SNR at the reference microphone (speech image against all noise) uniform in ``snr_range`` and the
  diffuse-to-directional noise power ratio uniform in ``diffuse_ratio_db``; the mixture's level uniform in
  ``level_range_db`` dBFS at the reference microphone;
* the target (``target``): ``dry`` speech scaled by the direct path's gain, or ``early``: direct path plus 50 ms
  of reflections, at the reference microphone, on the mixture's time base (all channels are cut at the reference
  microphone's direct path, so inter-channel delays are kept).

Rooms are drawn from ``np.random.default_rng([ROOM_STREAM, seed, index])``; training and the dev set use disjoint
seeds (:data:`DEV_SEED`), so dev rooms are never trained on.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy.signal import fftconvolve
from torch.utils.data import Dataset

from hush.audio.io import write
from hush.data.mixing.rir import direct_gain, direct_path_index
from hush.dsp.spatial import diffuse_coherence, impose_coherence
from hush.dsp.stft import frame_setup
from hush.errors import HushError, MissingExtraError
from hush.multichannel.geometry import ArrayGeometry

ROOM_STREAM = 7331  # separates room draws from every other random stream
DEV_SEED = 900_001  # rooms of the multi-channel dev set; training uses small seeds
EARLY_MS = 50.0


@dataclass
class ArraySceneConfig:
    seconds: float = 4.0
    sample_rate: int = 16000
    room_min: tuple[float, float, float] = (3.0, 3.0, 2.5)
    room_max: tuple[float, float, float] = (8.0, 7.0, 3.5)
    rt60_range: tuple[float, float] = (0.2, 0.7)
    max_order: int = 17
    min_wall_m: float = 0.5
    distance_range: tuple[float, float] = (0.5, 2.5)
    n_point_noises: tuple[int, int] = (1, 2)
    snr_range: tuple[float, float] = (-5.0, 10.0)
    diffuse_ratio_db: tuple[float, float] = (-10.0, 10.0)
    level_range_db: tuple[float, float] = (-35.0, -20.0)
    target: str = "early"
    ref: int = 0

    def __post_init__(self) -> None:
        if self.target not in ("dry", "early"):
            raise HushError(f"array target must be dry or early, not {self.target!r}")


@dataclass
class ArrayRoom:
    """Impulse responses ``(C, L)`` of the talker (``rirs[0]``) and of each noise source, and the room's facts."""

    rirs: list[np.ndarray]
    rt60: float
    dims: tuple[float, float, float]
    talker_distance: float
    talker_azimuth: float  # degrees, in the array's own frame


def _pra():
    try:
        import pyroomacoustics as pra
    except ModuleNotFoundError:
        raise MissingExtraError("array simulation", "multichannel") from None
    return pra


def _rotation(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _place(rng, dims, wall, z_range, around=None, r_range=None, tries=200):
    for _ in range(tries):
        if around is None:
            p = np.array([rng.uniform(wall, dims[0] - wall), rng.uniform(wall, dims[1] - wall), rng.uniform(*z_range)])
        else:
            r, a = rng.uniform(*r_range), rng.uniform(0, 2 * np.pi)
            p = np.array([around[0] + r * np.cos(a), around[1] + r * np.sin(a), rng.uniform(*z_range)])
        if all(wall <= p[i] <= dims[i] - wall for i in range(2)) and 0.1 < p[2] < dims[2] - 0.1:
            return p
    return None


def simulate_room(geometry: ArrayGeometry, cfg: ArraySceneConfig, seed: int, index: int) -> ArrayRoom:
    """The room of scene ``index`` (a deterministic function of ``seed`` and ``index``)."""
    pra = _pra()
    rng = np.random.default_rng([ROOM_STREAM, int(seed), int(index)])
    sr = cfg.sample_rate
    for _ in range(200):
        dims = rng.uniform(cfg.room_min, cfg.room_max)
        rt60 = float(rng.uniform(*cfg.rt60_range))
        try:
            e_abs, order = pra.inverse_sabine(rt60, dims)
        except ValueError:
            continue
        rot = rng.uniform(0, 2 * np.pi)
        center = _place(rng, dims, cfg.min_wall_m + geometry.aperture / 2, (1.0, 1.6))
        talker = None if center is None else _place(rng, dims, cfg.min_wall_m, (1.2, 1.8), center, cfg.distance_range)
        if talker is None:
            continue
        n_noise = int(rng.integers(cfg.n_point_noises[0], cfg.n_point_noises[1] + 1))
        noises = [_place(rng, dims, cfg.min_wall_m, (0.3, 2.0), center, (1.0, 4.0)) for _ in range(n_noise)]
        if any(p is None for p in noises):
            continue
        break
    else:
        raise HushError("could not place an array scene in any room drawn")
    mics = center[:, None] + _rotation(rot) @ geometry.positions.T
    room = pra.ShoeBox(dims, fs=sr, materials=pra.Material(e_abs), max_order=min(int(order), cfg.max_order))
    directivity = None
    if geometry.directivity == "binaural":
        from pyroomacoustics.directivities import CardioidFamily, DirectionVector

        directivity = [
            CardioidFamily(DirectionVector(azimuth=np.rad2deg(rot) + o, colatitude=90.0, degrees=True), p=0.75)
            for o in geometry.orientations_deg
        ]
    room.add_microphone_array(mics, directivity=directivity)
    for p in [talker, *noises]:
        room.add_source(p)
    room.compute_rir()
    rirs = []
    for s in range(1 + len(noises)):
        hs = [np.asarray(room.rir[m][s], np.float64) for m in range(geometry.channels)]
        n = max(len(h) for h in hs)
        rirs.append(np.stack([np.pad(h, (0, n - len(h))) for h in hs]))
    rel = _rotation(-rot) @ (talker - center)
    return ArrayRoom(
        rirs,
        rt60,
        tuple(float(d) for d in dims),
        float(np.linalg.norm(rel[:2])),
        float(np.rad2deg(np.arctan2(rel[1], rel[0]))),
    )


def _convolve(x: np.ndarray, h: np.ndarray, start: int, n: int) -> np.ndarray:
    y = fftconvolve(x[None], h, axes=-1)[:, start : start + n]
    return np.pad(y, ((0, 0), (0, n - y.shape[1])))


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.square(x))) + 1e-20


def render(
    room: ArrayRoom,
    geometry: ArrayGeometry,
    speech: np.ndarray,
    point_noises: list[np.ndarray],
    diffuse_sources: np.ndarray,
    cfg: ArraySceneConfig,
    rng: np.random.Generator,
) -> dict:
    """One mixture: ``noisy`` ``(C, T)``, ``clean`` (the reference target, ``(T,)``), ``noise`` ``(C, T)``, and the
    drawn numbers. ``point_noises`` has one signal of at least ``T`` samples per noise source of the room;
    ``diffuse_sources`` is ``(C, T)`` independent noise segments."""
    sr, ref = cfg.sample_rate, cfg.ref
    n = len(speech)
    h = room.rirs[0]
    d = direct_path_index(h[ref], search=max(1, sr // 1000))
    image = _convolve(speech, h, d, n)
    if cfg.target == "dry":
        target = speech * direct_gain(h[ref], d, sr)
    else:
        target = _convolve(speech, h[ref : ref + 1, : d + int(round(EARLY_MS * sr / 1000)) + 1], d, n)[0]
    point = np.zeros_like(image)
    for sig, hn in zip(point_noises, room.rirs[1:], strict=True):
        point += _convolve(sig[:n], hn, d, n)
    n_fft, hop = frame_setup(sr)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    diffuse = impose_coherence(diffuse_sources[:, :n], diffuse_coherence(geometry.positions, freqs), n_fft, hop)
    snr = float(rng.uniform(*cfg.snr_range))
    ratio = float(rng.uniform(*cfg.diffuse_ratio_db))
    p_speech = _power(image[ref])
    p_noise = p_speech / 10 ** (snr / 10)
    # split the noise power between the directional and the diffuse part
    frac_diffuse = 1.0 / (1.0 + 10 ** (-ratio / 10))
    noise = point * np.sqrt((1 - frac_diffuse) * p_noise / _power(point[ref])) if point_noises else 0 * image
    noise = noise + diffuse * np.sqrt(frac_diffuse * p_noise / _power(diffuse[ref]))
    noisy = image + noise
    level = float(rng.uniform(*cfg.level_range_db))
    g = 10 ** (level / 20) / np.sqrt(_power(noisy[ref]))
    return {
        "image": (image * g).astype(np.float32),  # the talker at every microphone (reverberant)
        "noisy": (noisy * g).astype(np.float32),
        "clean": (target * g).astype(np.float32),
        "noise": (noise * g).astype(np.float32),
        "snr_db": snr,
        "diffuse_ratio_db": ratio,
        "level_db": level,
    }


def crop(x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``n``-sample segment of ``x`` (looped when shorter)."""
    if len(x) < n:
        x = np.tile(x, int(np.ceil(n / max(len(x), 1))) + 1)
    start = int(rng.integers(0, len(x) - n + 1))
    return x[start : start + n]


def draw_scene(
    room: ArrayRoom,
    geometry: ArrayGeometry,
    speech_pool: list[np.ndarray],
    noise_pool: list[np.ndarray],
    cfg: ArraySceneConfig,
    rng: np.random.Generator,
) -> dict:
    """A scene in ``room`` from pools of in-memory signals at ``cfg.sample_rate`` (speech and noise)."""
    n = int(round(cfg.seconds * cfg.sample_rate))
    si = int(rng.integers(len(speech_pool)))
    speech = crop(speech_pool[si], n, rng)
    picks = rng.choice(len(noise_pool), size=len(room.rirs) - 1 + 1, replace=len(noise_pool) < len(room.rirs))
    point = [crop(noise_pool[int(i)], n, rng) for i in picks[:-1]]
    base = noise_pool[int(picks[-1])]
    diffuse = np.stack([crop(base, n, rng) for _ in range(geometry.channels)])  # independent segments
    out = render(room, geometry, speech, point, diffuse, cfg, rng)
    out["speech_index"] = si
    out["noise_indices"] = [int(i) for i in picks]
    return out


def load_pool(records, sr: int, limit: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """Up to ``limit`` of ``records`` (a seeded choice), read whole at ``sr``, and their paths."""
    from hush.data.mixing.audio_cache import AudioReader

    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(records), size=min(limit, len(records)), replace=False).tolist())
    reader = AudioReader(sr)
    sigs = [np.asarray(reader.read_full(records[i].path), np.float64) for i in pick]
    return sigs, [records[i].path for i in pick]


def write_array_set(
    out: str | Path,
    geometry: ArrayGeometry,
    speech_pool: list[np.ndarray],
    noise_pool: list[np.ndarray],
    n: int,
    cfg: ArraySceneConfig,
    seed: int,
    names: tuple[list[str], list[str]] | None = None,
    fmt: str = "flac",
    overwrite: bool = False,
) -> list[dict]:
    """Write ``n`` scenes: ``noisy/NNNNN.fmt`` (all channels), ``clean/NNNNN.fmt`` (reference target),
    ``array.json`` and ``meta.csv``. Room ``i`` is :func:`simulate_room` of ``(seed, i)``."""
    out = Path(out)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise HushError(f"{out}: output folder is not empty (use --overwrite to write into it)")
    (out / "noisy").mkdir(parents=True, exist_ok=True)
    (out / "clean").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        room = simulate_room(geometry, cfg, seed, i)
        scene = draw_scene(room, geometry, speech_pool, noise_pool, cfg, np.random.default_rng([int(seed), i]))
        name = f"{i:05d}.{fmt}"
        write(out / "noisy" / name, scene["noisy"], cfg.sample_rate, overwrite=True)
        write(out / "clean" / name, scene["clean"], cfg.sample_rate, overwrite=True)
        rows.append(
            {
                "file": name,
                "snr_db": f"{scene['snr_db']:.2f}",
                "diffuse_ratio_db": f"{scene['diffuse_ratio_db']:.2f}",
                "rt60": f"{room.rt60:.3f}",
                "room": "x".join(f"{d:.2f}" for d in room.dims),
                "talker_distance_m": f"{room.talker_distance:.2f}",
                "talker_azimuth_deg": f"{room.talker_azimuth:.1f}",
                "noise_sources": len(room.rirs) - 1,
                "speech": names[0][scene["speech_index"]] if names else scene["speech_index"],
                "noises": ";".join(str(names[1][j]) if names else str(j) for j in scene["noise_indices"]),
            }
        )
    from hush.atomic import replace_into

    with replace_into(out / "meta.csv") as tmp, open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with replace_into(out / "array.json") as tmp:
        tmp.write_text(json.dumps({**geometry.to_json(), "ref": cfg.ref, "scene": asdict(cfg)}, indent=1))
    return rows


__all__ = [
    "DEV_SEED",
    "ArrayDataConfig",
    "ArrayMixingDataset",
    "ArrayRoom",
    "ArraySceneConfig",
    "crop",
    "load_pool",
    "draw_scene",
    "render",
    "simulate_room",
    "write_array_set",
]


@dataclass
class ArrayDataConfig:
    """``data.array`` of a training config (``data.kind: array``).

    ``array``: the geometry spec; ``n_rooms``: rooms simulated once (seeded by ``room_seed``) and drawn from per
    item; ``beamformer``: a method spec (``"mvdr:mask=spp"``) whose output becomes the item's ``noisy`` signal, so
    a single-channel post-filter is trained on beamformer outputs; empty: ``noisy`` is the ``(C, T)`` array.
    ``scene``: :class:`ArraySceneConfig` fields.
    """

    array: str = "linear:4:0.05"
    n_rooms: int = 64
    room_seed: int = 1
    beamformer: str = ""
    scene: dict = field(default_factory=dict)


class ArrayMixingDataset(Dataset):
    """On-the-fly array scenes from speech and noise records: ``{"noisy", "clean"}`` float32 tensors.

    Item ``i`` of epoch ``e`` is drawn from ``np.random.default_rng([seed, e, rank, i])`` in one of ``n_rooms``
    rooms (:func:`simulate_room` of ``(room_seed, r)``, built on first use in each worker).
    """

    def __init__(self, speech, noise, cfg: ArrayDataConfig, sample_rate: int, epoch_size: int, seed: int, rank=0):
        from hush.multichannel.geometry import parse_array

        self.speech, self.noise, self.cfg = list(speech), list(noise), cfg
        self.geometry = parse_array(cfg.array)
        self.scene = ArraySceneConfig(**{**cfg.scene, "sample_rate": int(sample_rate)})
        self.epoch_size, self.seed, self.rank, self.epoch = int(epoch_size), int(seed), int(rank), 0
        self._rooms: dict[int, ArrayRoom] = {}
        self._reader = None
        self._beamformer = None

    def __len__(self) -> int:
        return self.epoch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _room(self, r: int) -> ArrayRoom:
        if r not in self._rooms:
            self._rooms[r] = simulate_room(self.geometry, self.scene, self.cfg.room_seed, r)
        return self._rooms[r]

    def _signal(self, records, rng) -> np.ndarray:
        from hush.data.mixing.audio_cache import AudioReader

        if self._reader is None:
            self._reader = AudioReader(self.scene.sample_rate, 256 * 2**20)
        return np.asarray(self._reader.read_full(records[int(rng.integers(len(records)))].path), np.float64)

    def __getitem__(self, i: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, self.rank, int(i)])
        room = self._room(int(rng.integers(self.cfg.n_rooms)))
        speech = [self._signal(self.speech, rng)]
        noise = [self._signal(self.noise, rng) for _ in range(len(room.rirs))]
        scene = draw_scene(room, self.geometry, speech, noise, self.scene, rng)
        noisy = scene["noisy"]
        if self.cfg.beamformer:
            if self._beamformer is None:
                from hush.methods import resolve

                self._beamformer = resolve(self.cfg.beamformer).with_geometry(self.geometry)
            noisy = np.asarray(self._beamformer.enhance_multi(noisy, self.scene.sample_rate), np.float32)[0]
        return {"noisy": torch.from_numpy(np.ascontiguousarray(noisy)), "clean": torch.from_numpy(scene["clean"])}
