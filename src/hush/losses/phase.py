"""``phase``: the anti-wrapping phase loss of MP-SENet (Lu, Ai & Ling 2023).

The phase of the estimate and of the reference (their STFTs, as the other spectral losses take them) are compared
through the anti-wrapping function ``a(x) = |x - 2π round(x / 2π)|``, the distance on the circle, so an error of
``2π k + d`` costs ``|d|``: three terms, each averaged over bins,

* instantaneous phase (IP): ``a(φ_ref - φ_est)``;
* group delay (GD): ``a(Δ_f φ_ref - Δ_f φ_est)``, with ``Δ_f`` the difference between adjacent frequency bins;
* instantaneous angular frequency (IAF): ``a(Δ_t φ_ref - Δ_t φ_est)``, between adjacent frames,

weighted ``ip``, ``gd`` and ``iaf`` (1 each, as in the paper). A bin where either spectrum is below ``eps`` in
magnitude has no phase to compare: both count with phase 0 there, passing no gradient.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from hush.losses.base import masked_mean, power, register
from hush.losses.spectral import _SpectralLoss


def anti_wrap(x: Tensor) -> Tensor:
    """``|x - 2π round(x / 2π)|``: the absolute angle difference folded onto [0, π]."""
    return (x - 2 * math.pi * torch.round(x / (2 * math.pi))).abs()


def safe_phase(spec: Tensor, small: Tensor) -> Tensor:
    """``angle(spec)``, 0 (with zero gradient) where ``small``: atan2 has no gradient at the origin."""
    re = torch.where(small, torch.ones_like(spec.real), spec.real)
    im = torch.where(small, torch.zeros_like(spec.imag), spec.imag)
    return torch.atan2(im, re)


def phase_terms(est: Tensor, ref: Tensor, weight: Tensor | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """IP, GD and IAF terms for phase tensors ``(N, K, F)``; ``weight`` ``(N, K, 1)`` weights frames."""
    ip = masked_mean(anti_wrap(ref - est), weight)
    gd = masked_mean(anti_wrap(torch.diff(ref, dim=-1) - torch.diff(est, dim=-1)), weight)
    w_t = None if weight is None else torch.minimum(weight[:, 1:], weight[:, :-1])
    iaf = masked_mean(anti_wrap(torch.diff(ref, dim=-2) - torch.diff(est, dim=-2)), w_t)
    return ip, gd, iaf


@register("phase")
class AntiWrappingPhaseLoss(_SpectralLoss):
    """``ip · IP + gd · GD + iaf · IAF`` anti-wrapped phase errors (MP-SENet; default STFT 400/100 as its model)."""

    def __init__(
        self,
        ip: float = 1.0,
        gd: float = 1.0,
        iaf: float = 1.0,
        eps: float = 1e-8,
        n_fft: int = 400,
        hop: int = 100,
        **kw,
    ):
        super().__init__(n_fft=n_fft, hop=hop, **kw)
        self.weights, self.eps = (float(ip), float(gd), float(iaf)), float(eps)

    def compute(self, est, ref, mask):
        e, r, w = self.spectra(est, ref, mask)
        small = (power(e) < self.eps**2) | (power(r) < self.eps**2)
        terms = phase_terms(safe_phase(e, small), safe_phase(r, small), w)
        return sum(k * t for k, t in zip(self.weights, terms, strict=True))
