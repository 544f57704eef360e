"""Frame-recursive noise power spectral density (PSD) trackers.

Every tracker is a small stateful object fed one periodogram frame ``|Y(l, k)|^2`` at a time (shape
``(K,)``, float64) through :meth:`NoiseTracker.update`, which returns the noise PSD estimate
``sigma_N^2(l, k)`` for that same frame. Nothing looks ahead, so the trackers run identically offline and
in a stream.

Two trackers are provided:

* :class:`MinimumStatistics` -- R. Martin, "Noise power spectral density estimation based on optimal smoothing
  and minimum statistics", IEEE Trans. Speech Audio Process. 9(5), 2001. Optimal (time-varying) recursive
  smoothing of the periodogram, minimum search over a window of ``D = U * V`` frames split into ``U``
  subwindows of ``V`` frames, bias compensation from the estimated variance of the smoothed periodogram, and
  the subwindow "fast tracking" rule bounded by ``noise_slope_max``.
* :class:`SPPNoiseTracker` -- T. Gerkmann and R. C. Hendriks, "Unbiased MMSE-based noise power estimation with
  low complexity and low tracking delay", IEEE Trans. Audio, Speech, Lang. Process. 20(4), 2012. A soft
  speech-presence probability with fixed priors (a-priori SNR under speech presence 15 dB, P(H1) = 0.5) gives
  the MMSE estimate of the noise periodogram, which is recursively smoothed (``alpha_pow = 0.8``); when the
  recursively smoothed SPP stays above 0.99 the SPP is capped at 0.99 so the estimate cannot stagnate.

The constants are the papers' values for a 16 ms frame advance (both papers use 32 ms frames with 50 %
overlap, which is what :mod:`hush.classical.enhancers` uses at every sampling rate), so no rescaling of time
constants is needed.

Initialisation (both trackers): during the first ``init_frames`` frames (about 100 ms) the noise estimate is
the mean of the periodograms seen so far, i.e. the leading ~100 ms of the input are assumed to be dominated
by noise (the usual assumption of both papers' experiments). The recursion of the tracker proper takes over
afterwards. This stays causal: the estimate for frame ``l`` uses frames ``0..l`` only.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

#: absolute floor on every PSD value; keeps ratios finite on digital silence.
PSD_FLOOR = 1e-20

#: Martin (2001), table of M(D) used in the bias approximation of the minimum of D correlated chi^2 values.
_M_TABLE_D = np.array([1, 2, 5, 8, 10, 15, 20, 30, 40, 60, 80, 120, 140, 160], dtype=np.float64)
_M_TABLE_M = np.array(
    [0.0, 0.26, 0.48, 0.58, 0.61, 0.668, 0.705, 0.762, 0.8, 0.841, 0.865, 0.89, 0.9, 0.91], dtype=np.float64
)


def _m_of_d(d: int) -> float:
    """M(D) of Martin (2001), linearly interpolated in the paper's table (held constant beyond D = 160)."""
    return float(np.interp(d, _M_TABLE_D, _M_TABLE_M))


class NoiseTracker(ABC):
    """One noise PSD estimate per periodogram frame, causally."""

    def __init__(self, n_bins: int, hop_s: float = 0.016, init_s: float = 0.1):
        self.n_bins = int(n_bins)
        self.hop_s = float(hop_s)
        self.init_frames = max(1, int(round(init_s / hop_s)))
        self.reset()

    def reset(self) -> None:
        self.n_frames = 0
        self._init_sum = np.zeros(self.n_bins)
        self.noise = np.full(self.n_bins, PSD_FLOOR)

    def update(self, power: np.ndarray) -> np.ndarray:
        """Consume the periodogram of the next frame; returns the noise PSD estimate for that frame."""
        power = np.asarray(power, dtype=np.float64)
        if power.shape != (self.n_bins,):
            raise ValueError(f"expected a power frame of shape ({self.n_bins},), got {power.shape}")
        l = self.n_frames
        self.n_frames += 1
        if l < self.init_frames:
            self._init_sum += power
            self._observe_init(power, l)
            self.noise = np.maximum(self._init_sum / (l + 1), PSD_FLOOR)
        else:
            self.noise = np.maximum(self._recurse(power), PSD_FLOOR)
        return self.noise.copy()

    def _observe_init(self, power: np.ndarray, l: int) -> None:  # noqa: B027 - optional hook
        """Hook for trackers whose internal recursion also runs during the initial frames."""

    @abstractmethod
    def _recurse(self, power: np.ndarray) -> np.ndarray:
        """The recursion for frame ``self.n_frames - 1``; ``self.noise`` holds the previous estimate."""


class SPPNoiseTracker(NoiseTracker):
    """Gerkmann & Hendriks (2012): MMSE noise periodogram estimate under a soft speech-presence probability.

    Per frame ``l`` and bin ``k``, with the previous estimate ``sigma^2 = sigma_N^2(l-1)``:

    * ``P(H1|y) = 1 / (1 + P(H0)/P(H1) * (1 + xi_H1) * exp(-|y|^2/sigma^2 * xi_H1/(1 + xi_H1)))``;
    * smoothed SPP ``Pbar = 0.9 Pbar + 0.1 P(H1|y)``; where ``Pbar > 0.99``, ``P(H1|y) = min(P(H1|y), 0.99)``
      (avoids stagnation when the noise level rises and every bin looks like speech);
    * ``E[|N|^2 | y] = (1 - P(H1|y)) |y|^2 + P(H1|y) sigma^2``;
    * ``sigma_N^2(l) = alpha_pow sigma^2 + (1 - alpha_pow) E[|N|^2 | y]``.

    Tracking of a noise *increase* by ``r`` (power ratio): while the SPP is capped, each frame multiplies the
    estimate by about ``alpha_pow + (1 - alpha_pow) (0.01 r' + 0.99)``, ``r'`` the remaining ratio, and once
    ``r'`` falls below ~8 the SPP drops and the update accelerates, so a +10 dB step is followed within well
    under a second (a few tens of frames) at a 16 ms frame advance, far faster than minimum statistics, whose
    worst-case delay is the search window (about 1.5 s) plus a subwindow.
    """

    def __init__(
        self,
        n_bins: int,
        hop_s: float = 0.016,
        init_s: float = 0.1,
        xi_h1_db: float = 15.0,
        p_h1: float = 0.5,
        alpha_pow: float = 0.8,
        alpha_spp: float = 0.9,
        spp_cap: float = 0.99,
    ):
        self.xi_h1 = 10.0 ** (xi_h1_db / 10.0)
        self.prior_ratio = (1.0 - p_h1) / p_h1
        self.alpha_pow = float(alpha_pow)
        self.alpha_spp = float(alpha_spp)
        self.spp_cap = float(spp_cap)
        super().__init__(n_bins, hop_s, init_s)

    def reset(self) -> None:
        super().reset()
        self.spp_smoothed = np.zeros(self.n_bins)
        self.spp = np.zeros(self.n_bins)

    def _recurse(self, power: np.ndarray) -> np.ndarray:
        prev = self.noise
        snr_post = power / prev
        # exponent clipped so exp() never overflows; the SPP is 1 to machine precision long before that
        expo = np.minimum(snr_post * (self.xi_h1 / (1.0 + self.xi_h1)), 700.0)
        spp = 1.0 / (1.0 + self.prior_ratio * (1.0 + self.xi_h1) * np.exp(-expo))
        self.spp_smoothed = self.alpha_spp * self.spp_smoothed + (1.0 - self.alpha_spp) * spp
        spp = np.where(self.spp_smoothed > self.spp_cap, np.minimum(spp, self.spp_cap), spp)
        self.spp = spp
        noise_periodogram = (1.0 - spp) * power + spp * prev
        return self.alpha_pow * prev + (1.0 - self.alpha_pow) * noise_periodogram


class MinimumStatistics(NoiseTracker):
    """Martin (2001): optimal smoothing, bias-compensated minimum search with subwindows.

    Parameters are the paper's: ``alpha_max = 0.96``, correction-factor smoothing 0.7 with floor 0.7,
    ``U = 8`` subwindows of ``V = 12`` frames (``D = 96`` frames, about 1.5 s at a 16 ms frame advance),
    ``a_v = 2.12``, ``Q_eq^-1 <= 0.5`` and the ``noise_slope_max`` thresholds 8 / 4 / 2 / 1.2 for mean
    ``Q_eq^-1`` below 0.03 / 0.05 / 0.06 / otherwise. ``window_s`` can change ``D`` (``V = round(window_s /
    hop_s / U)``); the default reproduces ``D = 96`` at 16 ms.

    Per frame ``l`` (all operations per bin ``k`` unless summed):

    1. ``alpha_c = 0.7 alpha_c + 0.3 max(1 / (1 + (sum P(l-1) / sum |Y|^2 - 1)^2), 0.7)``;
       ``alpha = alpha_max alpha_c / (1 + (P(l-1) / sigma_N^2(l-1) - 1)^2)``;
    2. ``P = alpha P + (1 - alpha) |Y|^2``;
    3. first and second moments of ``P`` smoothed with ``beta = min(alpha^2, 0.8)``; ``var{P}``;
       ``Q_eq^-1 = min(var{P} / (2 sigma_N^4(l-1)), 0.5)``;
       ``B_min = 1 + (D - 1) 2 / Q~_eq`` with ``Q~_eq = (Q_eq - 2 M(D)) / (1 - M(D))`` (same with ``V`` for
       the subwindow bias), ``B_c = 1 + a_v sqrt(mean_k Q_eq^-1)``;
    4. running minima of ``P B_min B_c`` (and ``P B_min_sub B_c``) within the current subwindow; at the end of
       a subwindow the window minimum ``P_min_u`` over the last ``U`` subwindow minima is formed, and where a
       local minimum was found inside the subwindow that lies between ``P_min_u`` and ``noise_slope_max *
       P_min_u`` it replaces the stored minima (fast tracking of rising noise);
    5. ``sigma_N^2 = min(actmin_sub, P_min_u)`` inside a subwindow, ``P_min_u`` at its end.

    Worst-case tracking delay for a rise in noise level larger than ``noise_slope_max``: ``D + V`` frames
    (about 1.7 s).

    Deviation: the smoothing parameter is bounded below by ``alpha_min = 0.3`` (lower limits of this kind
    appear in later write-ups of the algorithm; the 2001 equation bounds it only from above). Without it,
    after a rise in noise level ``P / sigma_N^2`` is large, ``alpha`` collapses to ~0, the variance estimate
    (smoothed with ``beta = alpha^2``) vanishes, the bias factor falls to 1 and the tracker follows the
    minimum of the raw periodogram, ~20 dB below the new level, for ever (observed with a +10 dB step).
    ``alpha_min=0`` restores the unbounded form.
    """

    def __init__(
        self,
        n_bins: int,
        hop_s: float = 0.016,
        init_s: float = 0.1,
        window_s: float = 1.536,
        n_subwindows: int = 8,
        alpha_max: float = 0.96,
        alpha_min: float = 0.3,
        a_v: float = 2.12,
    ):
        self.U = int(n_subwindows)
        self.V = max(2, int(round(window_s / hop_s / self.U)))
        self.D = self.U * self.V
        self.alpha_max = float(alpha_max)
        self.alpha_min = float(alpha_min)
        self.a_v = float(a_v)
        self.m_d = _m_of_d(self.D)
        self.m_v = _m_of_d(self.V)
        super().__init__(n_bins, hop_s, init_s)

    def reset(self) -> None:
        super().reset()
        k = self.n_bins
        self.P = None  # smoothed periodogram, set from the first frame
        self.P_mean = np.zeros(k)
        self.P_sq = np.zeros(k)
        self.alpha_c = 1.0
        self.actmin = np.full(k, np.inf)
        self.actmin_sub = np.full(k, np.inf)
        self.pmin_u = np.full(k, np.inf)
        self.store = np.full((self.U, k), np.inf)
        self.store_pos = 0
        self.lmin_flag = np.zeros(k, dtype=bool)
        self.subwc = 1
        self.ms_noise = None  # the minimum-statistics estimate proper (also during initialisation)

    def _observe_init(self, power: np.ndarray, l: int) -> None:
        # the minimum tracking runs from the first frame; its output is used once initialisation ends
        self._step(power, prev_noise=self.noise if l > 0 else power)

    def _recurse(self, power: np.ndarray) -> np.ndarray:
        return self._step(power, prev_noise=self.noise)

    def _step(self, power: np.ndarray, prev_noise: np.ndarray) -> np.ndarray:
        sig2 = np.maximum(prev_noise, PSD_FLOOR)
        if self.P is None:
            # Martin (2001): P(0) = |Y(0)|^2; the moment estimates start from it as well
            self.P = power.copy()
            self.P_mean = power.copy()
            self.P_sq = power**2
            self.ms_noise = np.maximum(power, PSD_FLOOR)
            return self.ms_noise
        # 1. smoothing parameter
        tot_y = float(np.sum(power))
        ratio = float(np.sum(self.P)) / max(tot_y, PSD_FLOOR)
        alpha_c_tilde = 1.0 / (1.0 + (ratio - 1.0) ** 2)
        self.alpha_c = 0.7 * self.alpha_c + 0.3 * max(alpha_c_tilde, 0.7)
        alpha = self.alpha_max * self.alpha_c / (1.0 + (self.P / sig2 - 1.0) ** 2)
        alpha = np.maximum(alpha, self.alpha_min)
        # 2. smoothed periodogram
        self.P = alpha * self.P + (1.0 - alpha) * power
        # 3. bias compensation
        beta = np.minimum(alpha**2, 0.8)
        self.P_mean = beta * self.P_mean + (1.0 - beta) * self.P
        self.P_sq = beta * self.P_sq + (1.0 - beta) * self.P**2
        var_p = np.maximum(self.P_sq - self.P_mean**2, 0.0)
        q_inv = np.minimum(var_p / (2.0 * sig2**2), 0.5)
        q_eq = 1.0 / np.maximum(q_inv, 1e-12)
        q_tilde_d = (q_eq - 2.0 * self.m_d) / (1.0 - self.m_d)
        q_tilde_v = (q_eq - 2.0 * self.m_v) / (1.0 - self.m_v)
        b_min = 1.0 + (self.D - 1) * 2.0 / q_tilde_d
        b_min_sub = 1.0 + (self.V - 1) * 2.0 / q_tilde_v
        q_inv_mean = float(np.mean(q_inv))
        b_c = 1.0 + self.a_v * math.sqrt(q_inv_mean)
        # 4. minimum search
        cand = self.P * b_min * b_c
        k_mod = cand < self.actmin
        self.actmin = np.where(k_mod, cand, self.actmin)
        self.actmin_sub = np.where(k_mod, self.P * b_min_sub * b_c, self.actmin_sub)
        if self.subwc == self.V:
            # end of a subwindow
            self.lmin_flag &= ~k_mod
            self.store[self.store_pos] = self.actmin
            self.store_pos = (self.store_pos + 1) % self.U
            self.pmin_u = np.min(self.store, axis=0)
            if q_inv_mean < 0.03:
                slope_max = 8.0
            elif q_inv_mean < 0.05:
                slope_max = 4.0
            elif q_inv_mean < 0.06:
                slope_max = 2.0
            else:
                slope_max = 1.2
            fast = self.lmin_flag & (self.actmin_sub < slope_max * self.pmin_u) & (self.actmin_sub > self.pmin_u)
            if np.any(fast):
                self.pmin_u = np.where(fast, self.actmin_sub, self.pmin_u)
                self.store[:, fast] = self.actmin_sub[fast]
            self.lmin_flag[:] = False
            self.subwc = 1
            self.actmin[:] = np.inf
            self.actmin_sub[:] = np.inf
            noise = self.pmin_u.copy()
        else:
            if self.subwc > 1:
                self.lmin_flag |= k_mod
                self.pmin_u = np.minimum(self.actmin_sub, self.pmin_u)
            self.subwc += 1
            noise = self.pmin_u.copy()
        # before the first minimum exists (very first subwindow frame) keep the previous estimate
        noise = np.where(np.isfinite(noise), noise, sig2)
        self.ms_noise = np.maximum(noise, PSD_FLOOR)
        return self.ms_noise


TRACKERS: dict[str, type[NoiseTracker]] = {
    "spp": SPPNoiseTracker,
    "minimum-statistics": MinimumStatistics,
}


def make_tracker(name: str, n_bins: int, hop_s: float = 0.016, **options) -> NoiseTracker:
    """Build a tracker by name (``"spp"`` or ``"minimum-statistics"``)."""
    key = name.lower().replace("_", "-")
    if key in {"ms", "minstat", "min-stat", "martin"}:
        key = "minimum-statistics"
    if key not in TRACKERS:
        raise ValueError(f"unknown noise tracker {name!r}; choose one of {', '.join(TRACKERS)}")
    return TRACKERS[key](n_bins, hop_s=hop_s, **options)
