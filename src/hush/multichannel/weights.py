"""Beamformer weights per frequency bin, ``(F, C)``; the output of weights ``w`` is ``w^H y``.

* :func:`souden_mwf`: the multi-channel Wiener filter in the form of Souden, Benesty & Affes (2010), "On optimal
  frequency-domain multichannel linear filtering for noise reduction":
  ``w = Phi_n^-1 Phi_s u / (mu + tr(Phi_n^-1 Phi_s))``. ``mu = 0`` is the MVDR beamformer with the reference-
  channel relative transfer function implied by ``Phi_s``, ``mu = 1`` the MWF, larger ``mu`` the
  speech-distortion-weighted MWF (more noise reduction, more speech distortion).
* :func:`mvdr_steering`: MVDR with an explicit steering vector ``d``: ``w = Phi_n^-1 d / (d^H Phi_n^-1 d)``, so
  ``w^H d = 1`` (distortionless towards ``d``).
* :func:`principal_rtf`: the steering vector as the principal eigenvector of ``Phi_s``, scaled to 1 at the
  reference channel.
* :func:`delay_and_sum`: ``w = d / C``.
"""

from __future__ import annotations

import numpy as np

from hush.dsp.spatial import regularize

_EPS = 1e-20


def souden_mwf(phi_s: np.ndarray, phi_n: np.ndarray, ref: int = 0, mu: float = 0.0, load: float = 1e-6) -> np.ndarray:
    a = np.linalg.solve(regularize(phi_n, load), phi_s)  # (F, C, C)
    tr = np.real(np.trace(a, axis1=-2, axis2=-1))
    return a[..., :, ref] / (mu + np.maximum(tr, 0.0) + _EPS)[..., None]


def mvdr_steering(d: np.ndarray, phi_n: np.ndarray, load: float = 1e-6) -> np.ndarray:
    b = np.linalg.solve(regularize(phi_n, load), d[..., None])[..., 0]  # (F, C)
    den = np.einsum("fc,fc->f", d.conj(), b)
    return b / np.where(np.abs(den) > _EPS, den, _EPS)[:, None]


def principal_rtf(phi_s: np.ndarray, ref: int = 0) -> np.ndarray:
    _, vecs = np.linalg.eigh(phi_s)
    v = vecs[..., :, -1]
    r = v[..., ref]
    return v / np.where(np.abs(r) > 1e-12, r, 1e-12)[..., None]


def delay_and_sum(d: np.ndarray) -> np.ndarray:
    return d / d.shape[-1]


def apply_weights(w: np.ndarray, spec: np.ndarray) -> np.ndarray:
    """``w^H y`` for weights ``(F, C)`` and a spectrum ``(C, K, F)`` or one frame ``(C, F)``."""
    if spec.ndim == 2:
        return np.einsum("fc,cf->f", w.conj(), spec)
    return np.einsum("fc,ckf->kf", w.conj(), spec)


__all__ = ["apply_weights", "delay_and_sum", "mvdr_steering", "principal_rtf", "souden_mwf"]
