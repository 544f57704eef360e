"""Spatial signal processing for microphone arrays: covariance matrices, steering vectors, diffuse-field coherence.

Conventions. A multi-channel STFT is complex ``(C, K, F)`` (channels, frames, bins) from :func:`hush.dsp.stft.stft`.
Microphone positions are ``(C, 3)`` in metres. A beamformer's weights ``w`` are ``(F, C)`` and its output is
``w^H y`` per bin.

* :func:`spatial_covariance`: the (optionally time-frequency-weighted) sample covariance ``sum_k m y y^H / sum_k m``.
* :class:`RecursiveCovariance`: the same estimate updated frame by frame with a forgetting factor; with factor 1 it
  is exactly the offline estimate over the frames seen so far.
* :func:`plane_wave_steering`: the far-field relative transfer function of a direction, unit at the reference mic.
* :func:`diffuse_coherence`: the coherence of a spherically (``sinc``) or cylindrically (``J0``) isotropic noise
  field between every microphone pair (Cook et al. 1955).
* :func:`impose_coherence`: mixes independent noise signals so that they have a target spatial coherence (Habets,
  Cohen & Gannot 2008, "Generating nonstationary multisensor signals under a spatial coherence constraint").
"""

from __future__ import annotations

import numpy as np
from scipy.special import j0

from hush.dsp.stft import istft, stft

SOUND_SPEED = 343.0  # m/s at about 20 degrees C
_EPS = 1e-12


def spatial_covariance(spec: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """``(F, C, C)`` covariance of ``spec`` ``(C, K, F)`` over frames, weighted by ``weight`` ``(K, F)`` if given:
    ``sum_k w(k, f) y y^H / sum_k w(k, f)``."""
    spec = np.asarray(spec)
    if weight is None:
        weight = np.ones(spec.shape[1:])
    w = np.asarray(weight, dtype=np.float64)
    num = np.einsum("kf,ckf,dkf->fcd", w, spec, spec.conj())
    return num / np.maximum(w.sum(axis=0), _EPS)[:, None, None]


class RecursiveCovariance:
    """Frame-recursive weighted covariance: ``R = S / W`` with ``S <- a S + w y y^H`` and ``W <- a W + w``.

    ``forgetting`` ``a`` in (0, 1]: the effective memory is ``1 / (1 - a)`` frames; ``a = 1`` averages every frame
    seen so far, which after the last frame equals :func:`spatial_covariance` exactly.
    """

    def __init__(self, n_bins: int, channels: int, forgetting: float = 0.99):
        if not 0.0 < forgetting <= 1.0:
            raise ValueError(f"forgetting factor must be in (0, 1], got {forgetting}")
        self.a = float(forgetting)
        self.shape = (n_bins, channels, channels)
        self.reset()

    def reset(self) -> None:
        self.S = np.zeros(self.shape, np.complex128)
        self.W = np.zeros(self.shape[0])

    def update(self, frame: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Add one frame ``(C, F)`` with weights ``(F,)``; returns the current estimate ``(F, C, C)``."""
        frame = np.asarray(frame)
        self.S = self.a * self.S + weight[:, None, None] * np.einsum("cf,df->fcd", frame, frame.conj())
        self.W = self.a * self.W + weight
        return self.value

    @property
    def value(self) -> np.ndarray:
        return self.S / np.maximum(self.W, _EPS)[:, None, None]


def regularize(cov: np.ndarray, load: float = 1e-6) -> np.ndarray:
    """Diagonal loading by ``load`` times the mean diagonal power (plus a tiny absolute floor), per bin."""
    c = cov.shape[-1]
    tr = np.real(np.trace(cov, axis1=-2, axis2=-1)) / c
    return cov + (load * tr + 1e-20)[..., None, None] * np.eye(c)


def direction_vector(azimuth_deg: float, elevation_deg: float = 0.0) -> np.ndarray:
    """Unit vector pointing from the array towards azimuth / elevation (degrees; azimuth from +x towards +y)."""
    az, el = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
    return np.array([np.cos(az) * np.cos(el), np.sin(az) * np.cos(el), np.sin(el)])


def plane_wave_steering(
    positions: np.ndarray, direction: np.ndarray, freqs: np.ndarray, ref: int = 0, c: float = SOUND_SPEED
) -> np.ndarray:
    """``(F, C)`` far-field relative transfer function of a plane wave from unit vector ``direction``.

    A microphone further towards the source hears it earlier; the vector is 1 at microphone ``ref``.
    """
    p = np.asarray(positions, dtype=np.float64)
    u = np.asarray(direction, dtype=np.float64)
    u = u / np.linalg.norm(u)
    tau = -(p @ u) / c  # arrival time of each microphone relative to the array origin
    tau = tau - tau[ref]
    return np.exp(-2j * np.pi * np.asarray(freqs, dtype=np.float64)[:, None] * tau[None, :])


def diffuse_coherence(
    positions: np.ndarray, freqs: np.ndarray, field: str = "spherical", c: float = SOUND_SPEED
) -> np.ndarray:
    """``(F, C, C)`` coherence of an isotropic noise field: ``sinc(2 f d / c)`` (spherical, 3-D) or
    ``J0(2 pi f d / c)`` (cylindrical, 2-D) for microphone distance ``d``."""
    p = np.asarray(positions, dtype=np.float64)
    d = np.linalg.norm(p[:, None, :] - p[None, :, :], axis=-1)
    arg = np.asarray(freqs, dtype=np.float64)[:, None, None] * d[None] / c
    if field == "spherical":
        return np.sinc(2.0 * arg)  # numpy's sinc(x) = sin(pi x) / (pi x)
    if field == "cylindrical":
        return j0(2.0 * np.pi * arg)
    raise ValueError(f"field must be 'spherical' or 'cylindrical', got {field!r}")


def coherence_mixing_matrix(coherence: np.ndarray, load: float = 1e-6) -> np.ndarray:
    """``(F, C, C)`` matrices ``A`` with ``A^H A = coherence`` per bin: the Cholesky factor (smooth across frequency,
    unlike eigenvectors, whose arbitrary signs would smear the coherence of neighbouring bins), after a tiny
    diagonal loading that keeps the nearly singular low-frequency matrices definite."""
    c = coherence.shape[-1]
    loaded = (coherence + load * np.eye(c)) / (1.0 + load)
    return np.swapaxes(np.linalg.cholesky(loaded).conj(), -1, -2)


def impose_coherence(noise: np.ndarray, coherence: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """``(C, T)`` signals with the spatial coherence ``coherence`` ``(n_fft // 2 + 1, C, C)``, mixed from ``noise``:
    ``(C, T)`` mutually independent signals of equal power spectra (their spectral shapes are kept)."""
    noise = np.asarray(noise, dtype=np.float64)
    spec = stft(noise, n_fft, hop)  # (C, K, F)
    a = coherence_mixing_matrix(coherence)  # (F, C, C)
    mixed = np.einsum("ckf,fcd->dkf", spec, a)
    return istft(mixed, noise.shape[-1], n_fft, hop)


__all__ = [
    "SOUND_SPEED",
    "RecursiveCovariance",
    "coherence_mixing_matrix",
    "diffuse_coherence",
    "direction_vector",
    "impose_coherence",
    "plane_wave_steering",
    "regularize",
    "spatial_covariance",
]
