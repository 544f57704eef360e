"""``tf-consistency``: the time-frequency consistency loss (MP-SENet's "STFT consistency" term).

Not every complex array is the STFT of a signal. A model that outputs a spectrum ``Y`` (``out["enhanced_spec"]``)
is heard as ``STFT(iSTFT(Y))``, its projection onto the consistent spectra; this loss is the mean squared
difference between the two, both power-law compressed with exponent ``c`` (0.3 as in MP-SENet; 1: none). It is zero
exactly when ``Y`` is consistent and pushes the model towards spectra that survive synthesis unchanged.

The STFT is hush's model STFT (sqrt-Hann, causal framing; :mod:`hush.dsp.stft`) with ``n_fft`` and ``hop`` equal to
the model's; the length comes from ``out["enhanced"]``. The sample mask is not applied: the spectrum belongs to the
model's framing, and padding is consistent like any other signal.
"""

from __future__ import annotations

from torch import Tensor

from hush.dsp.stft import torch_istft, torch_stft
from hush.losses.base import Loss, check_resolution, power, register


def compress(spec: Tensor, c: float, eps: float = 1e-8) -> Tensor:
    """``|X|^c e^{j∠X}`` (``c = 1``: unchanged)."""
    if c == 1.0:
        return spec
    mag = power(spec).clamp_min(eps * eps).sqrt()
    return spec * mag.pow(c - 1.0)


@register("tf-consistency")
class ConsistencyLoss(Loss):
    """``mean |C(STFT(iSTFT(Y))) - C(Y)|²`` for the model's output spectrum ``Y``."""

    def __init__(
        self,
        n_fft: int = 400,
        hop: int = 100,
        c: float = 0.3,
        est_key: str = "enhanced_spec",
        length_key: str = "enhanced",
        **kw,
    ):
        super().__init__(est_key=est_key, **kw)
        self.n_fft, self.hop, _ = check_resolution(n_fft, hop)
        if not 0 < c <= 1:
            raise ValueError(f"need 0 < c <= 1, got {c}")
        self.c, self.length_key = float(c), length_key

    def forward(self, out: dict[str, Tensor], batch: dict[str, Tensor]) -> Tensor:
        spec = self._fetch(self.est_key, out, batch, "estimate")
        if not spec.is_complex():
            raise ValueError(f"loss {self.name!r}: {self.est_key!r} must be a complex spectrum")
        if spec.shape[-1] != self.n_fft // 2 + 1:
            raise ValueError(f"loss {self.name!r}: {spec.shape[-1]} bins do not match n_fft={self.n_fft}")
        length = self._fetch(self.length_key, out, batch, "length").shape[-1]
        again = torch_stft(torch_istft(spec, length, self.n_fft, self.hop), self.n_fft, self.hop)
        k = min(again.shape[-2], spec.shape[-2])
        return power(compress(again[..., :k, :], self.c) - compress(spec[..., :k, :], self.c)).mean()
