"""Small synthetic array scenes for the multi-channel tests: free-field plane waves built in the STFT domain."""

import numpy as np

from hush.dsp.spatial import direction_vector, plane_wave_steering
from hush.dsp.stft import frame_setup, istft, stft
from hush.multichannel.geometry import linear
from tests.helpers.signals import speech_like

SR = 16000
GEOMETRY = linear(4, 0.05)


def plane_wave(x: np.ndarray, azimuth: float, geometry=GEOMETRY, sr: int = SR) -> np.ndarray:
    """``x`` as heard by the array from ``azimuth`` (far field, anechoic), ``(C, T)``, exact at the reference mic."""
    n_fft, hop = frame_setup(sr)
    d = plane_wave_steering(geometry.positions, direction_vector(azimuth), np.fft.rfftfreq(n_fft, 1 / sr))
    spec = stft(np.asarray(x, np.float64), n_fft, hop)  # (K, F)
    return istft(d.T[:, None, :] * spec[None], len(x), n_fft, hop)


def two_source_scene(seconds: float = 4.0, sir_db: float = 0.0, seed: int = 0, gated: bool = True):
    """Target speech-like signal from 60 degrees, an interfering speech-like talker from 150 degrees and a little
    sensor noise: ``(mixture (C, T), target at the reference mic (T,))``. The talkers overlap in the middle half
    and each speaks alone for a quarter, as in a conversation (``gated``), or both talk all the time."""
    n = int(seconds * SR)
    s = speech_like(seconds=seconds, seed=seed)
    v = speech_like(seconds=seconds, seed=seed + 100)
    if gated:
        s[int(0.75 * n) :] = 0.0
        v[: int(0.25 * n)] = 0.0
    v = v * np.sqrt(np.sum(s**2) / np.sum(v**2)) / 10 ** (sir_db / 20)
    target = plane_wave(s, 60.0)
    x = target + plane_wave(v, 150.0)
    x += 1e-3 * np.std(x) * np.random.default_rng(seed).standard_normal(x.shape)
    return x.astype(np.float32), target[0].astype(np.float32)
