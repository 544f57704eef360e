"""``estoi``: a differentiable extended short-time objective intelligibility loss (``1 - ESTOI``).

ESTOI (Jensen & Taal 2016) compares one-third-octave band envelopes of the estimate and the reference over
segments of 30 frames (384 ms): each segment's 15 × 30 envelope matrix is normalised to zero mean and unit norm
along time (per band), then along frequency (per frame), and the score is the mean inner product of the two
normalised matrices divided by 30. Every step is differentiable, so ``1 - ESTOI`` can be minimised directly, as
Kolbæk et al. (2018, "Monaural speech enhancement using deep neural networks by maximizing a short-time objective
intelligibility measure") do for STOI.

Departures from :func:`pystoi.stoi` (which the tests compare against):

* no resampling to 10 kHz: the STFT runs at ``sample_rate`` with pystoi's frame duration (25.6 ms window,
  12.8 ms hop, 2x zero padding), and pystoi's band matrix (:func:`pystoi.utils.thirdoct`) is built for that rate,
  so the bands (150 Hz to 4.3 kHz) are the same;
* silent frames (reference frame energy more than ``dyn_range`` dB below the loudest frame of its row) are dropped
  from the STFT frames rather than from the waveform before the STFT;
* no dithering noise before the normalisations (run in float64); a 1e-14 floor guards their divisions, and
  ``eps`` is added to the band powers.

Rows with fewer than ``segment_frames`` active frames give no ESTOI and are left out of the average (the loss is
0 when no row has enough); the padding marked by ``mask`` counts as silent.
"""

from __future__ import annotations

import math

import torch
from pystoi.utils import thirdoct
from torch import Tensor

from hush.losses.base import Loss, frame_validity, power, register, spectrum


def _normalize(x: Tensor, dim: int, eps: float) -> Tensor:
    x = x - x.mean(dim, keepdim=True)
    return x / (x.square().sum(dim, keepdim=True) + eps).sqrt()


@register("estoi")
class ESTOILoss(Loss):
    """``1 - ESTOI(estimate, reference)``, averaged over the rows that have enough active frames."""

    def __init__(
        self,
        sample_rate: int = 16000,
        segment_frames: int = 30,
        dyn_range: float = 40.0,
        bands: int = 15,
        min_freq: float = 150.0,
        eps: float = 1e-8,
        **kw,
    ):
        super().__init__(**kw)
        if sample_rate < 2 * min_freq * 2 ** ((2 * bands - 1) / 6):
            raise ValueError(f"sample_rate {sample_rate} is too low for {bands} third-octave bands from {min_freq} Hz")
        self.sample_rate, self.segment_frames = int(sample_rate), int(segment_frames)
        self.dyn_range, self.eps = float(dyn_range), float(eps)
        self.win = int(round(0.0256 * sample_rate))
        self.hop = self.win // 2
        self.n_fft = 2 ** math.ceil(math.log2(2 * self.win))
        obm, _ = thirdoct(sample_rate, self.n_fft, bands, min_freq)
        self.register_buffer("obm", torch.tensor(obm, dtype=torch.float32), persistent=False)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, sample_rate={self.sample_rate}, segment_frames={self.segment_frames}"

    def scores(self, est: Tensor, ref: Tensor, mask: Tensor | None = None) -> list[Tensor | None]:
        """ESTOI per row (None where the row has fewer than ``segment_frames`` active frames)."""
        obm = self.obm.to(est.dtype)
        pe = power(spectrum(est, self.n_fft, self.hop, self.win))
        pr = power(spectrum(ref, self.n_fft, self.hop, self.win))
        be = (pe @ obm.T + self.eps).sqrt()  # (N, K, bands) band envelopes
        br = (pr @ obm.T + self.eps).sqrt()
        energy_db = 10 * torch.log10(pr.sum(-1) + 1e-20)  # (N, K), Parseval: windowed frame energy
        active = energy_db > energy_db.amax(-1, keepdim=True) - self.dyn_range
        valid = frame_validity(mask, self.win, self.hop)
        if valid is not None:
            active &= valid > 0.5
        n = self.segment_frames
        out: list[Tensor | None] = []
        for i in range(est.shape[0]):
            keep = active[i].nonzero().squeeze(-1)
            if keep.numel() < n:
                out.append(None)
                continue
            # (segments, bands, n): band envelopes over each window of n consecutive active frames
            # in float64: the two normalisations of nearly equal matrices must give exactly 1 for a perfect estimate
            xs = br[i, keep].double().unfold(0, n, 1)
            ys = be[i, keep].double().unfold(0, n, 1)
            xn = _normalize(_normalize(xs, -1, 1e-14), -2, 1e-14)
            yn = _normalize(_normalize(ys, -1, 1e-14), -2, 1e-14)
            out.append(((xn * yn).sum((-2, -1)).mean() / n).to(est.dtype))
        return out

    def compute(self, est, ref, mask):
        got = [s for s in self.scores(est, ref, mask) if s is not None]
        if not got:
            return est.sum() * 0.0
        return 1.0 - torch.stack(got).mean()
