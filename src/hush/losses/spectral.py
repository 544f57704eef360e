"""STFT-domain losses: ``spectral-mse``, ``lsm``, ``mr-stft`` and ``compressed-complex``.

All use :func:`hush.losses.base.spectrum` (non-causal, periodic Hann, unnormalised rfft), so their values scale
with ``win_length``; bins are averaged over valid frames (each frame weighted by its fraction of valid samples).
Magnitudes are floored at a small ``eps`` (zero gradient below it), so magnitude-only terms give no gradient at
an exactly-zero estimate, where the phase is undefined; complex terms still do.
"""

from __future__ import annotations

import torch
from torch import Tensor

from hush.losses.base import (
    Loss,
    check_resolution,
    frame_validity,
    magnitude,
    masked_mean,
    power,
    register,
    safe_sqrt,
    spectrum,
)


class _SpectralLoss(Loss):
    def __init__(self, n_fft: int = 512, hop: int = 128, win_length: int | None = None, **kw):
        super().__init__(**kw)
        self.n_fft, self.hop, self.win_length = check_resolution(n_fft, hop, win_length)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, n_fft={self.n_fft}, hop={self.hop}, win_length={self.win_length}"

    def spectra(self, est: Tensor, ref: Tensor, mask: Tensor | None):
        """Complex spectra (N, K, F) of estimate and reference and frame weights (N, K, 1) or None."""
        e = spectrum(est, self.n_fft, self.hop, self.win_length)
        r = spectrum(ref, self.n_fft, self.hop, self.win_length)
        valid = frame_validity(mask, self.win_length, self.hop)
        return e, r, (None if valid is None else valid[..., None])


@register("spectral-mse")
class SpectralMSELoss(_SpectralLoss):
    """MSE between STFTs: ``mode="complex"`` (default) compares ``|E - R|^2``, ``mode="magnitude"`` compares
    ``(|E| - |R|)^2`` (magnitudes floored at ``eps``). Scale: quadratic in the signal level."""

    def __init__(self, mode: str = "complex", eps: float = 1e-8, **kw):
        super().__init__(**kw)
        if mode not in ("complex", "magnitude"):
            raise ValueError(f"mode must be 'complex' or 'magnitude', got {mode!r}")
        self.mode, self.eps = mode, float(eps)

    def compute(self, est, ref, mask):
        e, r, w = self.spectra(est, ref, mask)
        if self.mode == "complex":
            d = power(e - r)
        else:
            d = (magnitude(e, self.eps) - magnitude(r, self.eps)).square()
        return masked_mean(d, w)


@register("lsm")
class LogSpectralMSELoss(_SpectralLoss):
    """Log-spectral magnitude MSE: mean of ``(log(|E|^2 + eps) - log(|R|^2 + eps))^2`` over bins (natural log of
    the power). A gain ``g`` on the estimate alone adds about ``(2 ln g)^2`` per bin; a common gain on both
    signals changes it only through ``eps``, which sets the power floor below which differences are ignored."""

    def __init__(self, eps: float = 1e-8, **kw):
        super().__init__(**kw)
        self.eps = float(eps)

    def compute(self, est, ref, mask):
        e, r, w = self.spectra(est, ref, mask)
        d = torch.log(power(e) + self.eps) - torch.log(power(r) + self.eps)
        return masked_mean(d.square(), w)


@register("mr-stft")
class MultiResolutionSTFTLoss(Loss):
    """Multi-resolution STFT loss (Parallel WaveGAN style), averaged over resolutions:
    ``sc_weight * SC + mag_weight * L1(log|R|, log|E|)`` with spectral convergence
    ``SC = ||(|R| - |E|)||_F / ||R||_F`` per utterance (then averaged) and magnitudes floored at ``eps``.

    ``resolutions`` is a sequence of ``(n_fft, hop)`` or ``(n_fft, hop, win_length)``; the default
    ``((256, 64), (512, 128), (1024, 256))`` suits 16 kHz speech. SC is gain invariant; the log term only
    sees level differences between estimate and reference. SC is ill-defined for a silent reference: it stays
    finite (the ``eps`` floor bounds it by ``||E|| / (eps sqrt(n_bins))``) but is very large, so leave
    noise-only examples out of this loss (mask them) or give them another term.
    """

    DEFAULT_RESOLUTIONS = ((256, 64), (512, 128), (1024, 256))

    def __init__(
        self, resolutions=DEFAULT_RESOLUTIONS, sc_weight: float = 1.0, mag_weight: float = 1.0, eps: float = 1e-7, **kw
    ):
        super().__init__(**kw)
        res = [check_resolution(*r) for r in resolutions]
        if not res:
            raise ValueError("mr-stft needs at least one resolution")
        self.resolutions = tuple(res)
        self.sc_weight, self.mag_weight, self.eps = float(sc_weight), float(mag_weight), float(eps)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, resolutions={self.resolutions}"

    def single(self, est: Tensor, ref: Tensor, mask: Tensor | None, n_fft: int, hop: int, win: int):
        """(spectral convergence, log-magnitude L1) at one resolution."""
        e = magnitude(spectrum(est, n_fft, hop, win), self.eps)
        r = magnitude(spectrum(ref, n_fft, hop, win), self.eps)
        valid = frame_validity(mask, win, hop)
        w = torch.ones_like(e[..., :1]) if valid is None else valid[..., None]
        num = safe_sqrt((w * (r - e).square()).sum((-2, -1)))
        den = (w * r.square()).sum((-2, -1)).sqrt()
        has = (w.sum((-2, -1)) > 0).to(num.dtype)
        sc = (num / den.clamp_min(1e-12) * has).sum() / has.sum().clamp_min(1)
        mag = masked_mean((torch.log(r) - torch.log(e)).abs(), None if valid is None else w)
        return sc, mag

    def compute(self, est, ref, mask):
        total = est.new_zeros(())
        for n_fft, hop, win in self.resolutions:
            sc, mag = self.single(est, ref, mask, n_fft, hop, win)
            total = total + self.sc_weight * sc + self.mag_weight * mag
        return total / len(self.resolutions)


@register("compressed-complex")
class CompressedComplexLoss(_SpectralLoss):
    """Compressed complex spectral loss (Braun & Tashev 2021; Ephrat et al.):
    ``alpha * mean|E_c - R_c|^2 + (1 - alpha) * mean(|E|^c - |R|^c)^2`` with ``X_c = |X|^c X / |X|``,
    ``c=0.3`` and ``alpha=0.3`` (complex weight) by default. Magnitudes are floored at ``eps`` before the
    power law, which keeps the gradient at silent bins finite. Scale: the power law makes it grow like the level
    to the power ``2c``.

    ``over_weight`` makes the magnitude term asymmetric (in the spirit of the asymmetric loss of VoiceFilter-Lite,
    Wang et al. 2020, turned around): bins where the estimate is louder than the reference, i.e. residual noise,
    weigh ``over_weight`` times as much as bins where it is quieter (speech distortion). 1 is the symmetric loss.
    """

    def __init__(self, c: float = 0.3, alpha: float = 0.3, eps: float = 1e-6, over_weight: float = 1.0, **kw):
        super().__init__(**kw)
        if not 0 < c <= 1 or not 0 <= alpha <= 1:
            raise ValueError("need 0 < c <= 1 and 0 <= alpha <= 1")
        if not over_weight > 0:
            raise ValueError(f"over_weight must be > 0, got {over_weight!r}")
        self.c, self.alpha, self.eps, self.over_weight = float(c), float(alpha), float(eps), float(over_weight)

    def compute(self, est, ref, mask):
        e, r, w = self.spectra(est, ref, mask)
        me, mr = magnitude(e, self.eps), magnitude(r, self.eps)
        ce, cr = me.pow(self.c), mr.pow(self.c)
        complex_term = masked_mean(power(e * (ce / me) - r * (cr / mr)), w)
        diff = ce - cr
        sq = diff.square()
        if self.over_weight != 1.0:
            sq = torch.where(diff > 0, self.over_weight * sq, sq)
        mag_term = masked_mean(sq, w)
        return self.alpha * complex_term + (1 - self.alpha) * mag_term
