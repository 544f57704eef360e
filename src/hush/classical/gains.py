"""Stateless spectral gain functions and the decision-directed a-priori SNR estimate.

All functions are vectorised over frequency bins (any array shape) and work in float64. ``xi`` is the
a-priori SNR ``lambda_S / lambda_N`` and ``gamma`` the a-posteriori SNR ``|Y|^2 / lambda_N`` (linear, not dB).

References:

* Y. Ephraim and D. Malah, "Speech enhancement using a minimum mean-square error short-time spectral amplitude
  estimator", IEEE Trans. ASSP 32(6), 1984 (MMSE-STSA gain, eq. 7; decision-directed estimate, eq. 51).
* Y. Ephraim and D. Malah, "Speech enhancement using a minimum mean-square error log-spectral amplitude
  estimator", IEEE Trans. ASSP 33(2), 1985 (MMSE-LSA gain, eq. 20).
* P. Scalart and J. Vieira Filho, "Speech enhancement based on a priori signal to noise estimation",
  ICASSP 1996 (Wiener gain driven by the decision-directed a-priori SNR).
* M. Berouti, R. Schwartz and J. Makhoul, "Enhancement of speech corrupted by acoustic noise", ICASSP 1979
  (over-subtraction factor and spectral floor).
* S. F. Boll, "Suppression of acoustic noise in speech using spectral subtraction", IEEE Trans. ASSP 27(2),
  1979 (magnitude spectral subtraction, residual-noise reduction).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

#: smallest a-posteriori SNR / v used inside the gain formulas (keeps 0/0 and E1(0) out of the way).
_TINY = 1e-12


def decision_directed_xi(
    gamma: np.ndarray, prev_amp_snr: np.ndarray, alpha: float = 0.98, xi_min: float = 10 ** (-25 / 10)
) -> np.ndarray:
    """Decision-directed a-priori SNR (Ephraim & Malah 1984, eq. 51).

    ``xi = max(alpha * A_prev^2 / lambda_N_prev + (1 - alpha) * max(gamma - 1, 0), xi_min)``, where
    ``prev_amp_snr`` is ``A_prev^2 / lambda_N_prev`` (the previous frame's estimated amplitude, squared, over
    the previous noise PSD; ``G_prev^2 * gamma_prev``).
    """
    xi = alpha * prev_amp_snr + (1.0 - alpha) * np.maximum(gamma - 1.0, 0.0)
    return np.maximum(xi, xi_min)


def wiener_gain(xi: np.ndarray, gamma: np.ndarray | None = None) -> np.ndarray:
    """Wiener gain ``xi / (1 + xi)`` (``gamma`` unused; accepted for a uniform signature)."""
    return xi / (1.0 + xi)


def mmse_stsa_gain(xi: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Ephraim-Malah (1984) MMSE short-time spectral amplitude gain.

    ``G = (sqrt(pi) / 2) (sqrt(v) / gamma) exp(-v/2) [(1 + v) I0(v/2) + v I1(v/2)]``,
    ``v = xi gamma / (1 + xi)``.
    ``exp(-v/2) I_n(v/2)`` is evaluated as the exponentially scaled Bessel function ``i{n}e(v/2)``, which is
    finite for every ``v`` (the unscaled product overflows for v > ~1400).
    """
    gamma = np.maximum(gamma, _TINY)
    v = np.maximum(xi * gamma / (1.0 + xi), _TINY)
    half = 0.5 * v
    return (0.5 * math.sqrt(math.pi)) * (np.sqrt(v) / gamma) * ((1.0 + v) * special.i0e(half) + v * special.i1e(half))


def mmse_lsa_gain(xi: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Ephraim-Malah (1985) MMSE log-spectral amplitude gain.

    ``G = xi / (1 + xi) * exp(0.5 * E1(v))``, ``v = xi gamma / (1 + xi)``, ``E1`` the exponential integral
    (``scipy.special.exp1``). ``v`` is floored at 1e-12 where ``E1`` diverges logarithmically; the output
    amplitude ``G |Y|`` stays bounded there (it tends to ``~0.75 sqrt(xi lambda_N / (1 + xi))``).
    """
    gamma = np.maximum(gamma, _TINY)
    v = np.maximum(xi * gamma / (1.0 + xi), _TINY)
    return xi / (1.0 + xi) * np.exp(0.5 * special.exp1(v))


def berouti_oversubtraction(snr_db: float, alpha0: float = 4.0) -> float:
    """Berouti et al. (1979) over-subtraction factor as a function of the frame SNR in dB.

    ``alpha = alpha0 - (alpha0 - 1) * SNR / 20`` for ``-5 <= SNR <= 20`` dB, held constant outside (so
    ``alpha = 1`` above 20 dB and ``alpha0 + (alpha0 - 1) / 4`` below -5 dB). With Berouti's ``alpha0 = 4``
    this is their ``alpha = 4 - 3 SNR / 20``.
    """
    snr = min(max(float(snr_db), -5.0), 20.0)
    return alpha0 - (alpha0 - 1.0) * snr / 20.0


def noise_moment(noise_psd: np.ndarray, exponent: float) -> np.ndarray:
    """``E|N|^exponent`` of a complex Gaussian STFT coefficient with variance ``noise_psd``.

    ``Gamma(1 + exponent / 2) * noise_psd^(exponent / 2)``: ``noise_psd`` for power subtraction, and Boll's
    mean noise magnitude ``sqrt(pi * noise_psd) / 2`` for magnitude subtraction.
    """
    return special.gamma(1.0 + 0.5 * exponent) * noise_psd ** (0.5 * exponent)


def subtract(mag_pow: np.ndarray, noise_pow: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Berouti's generalised subtraction in the ``|.|^exponent`` domain: ``max(Y - alpha N, beta N)``."""
    diff = mag_pow - alpha * noise_pow
    floor = beta * noise_pow
    return np.where(diff < floor, floor, diff)
