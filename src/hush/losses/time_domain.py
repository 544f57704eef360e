"""Waveform losses: ``mse``, ``l1``, ``si-snr`` and ``seg-weighted-mse``."""

from __future__ import annotations

import torch
from torch import Tensor

from hush.losses.base import Loss, frame_signal, frame_validity, masked_mean, num_frames, register


@register("mse")
class MSELoss(Loss):
    """Mean squared error between waveforms, averaged over all valid samples of the batch.

    Scale: quadratic in the signal level (a 6 dB louder pair gives a 4x larger value)."""

    def compute(self, est, ref, mask):
        return masked_mean((est - ref).square(), mask)


@register("l1")
class L1Loss(Loss):
    """Mean absolute error between waveforms, averaged over all valid samples of the batch.

    Scale: linear in the signal level."""

    def compute(self, est, ref, mask):
        return masked_mean((est - ref).abs(), mask)


@register("si-snr")
class SISNRLoss(Loss):
    """Negative scale-invariant SNR in dB, averaged over the utterances of the batch.

    Per row, after removing the (valid-sample) means: ``s_t = <s, r> r / (|r|^2 + eps)``, ``e = s - s_t``,
    ``si-snr = 10 log10((|s_t|^2 + eps) / (|e|^2 + eps))``. Invariant to the estimate's gain (up to ``eps``);
    a perfect estimate gives a large negative value (about ``-10 log10(|r|^2 / eps)``), not zero. With a silent
    reference the projection is zero and the value is ``10 log10(1 + |s|^2 / eps)`` (finite); both silent gives 0.
    Rows without valid samples are left out of the average.
    """

    def __init__(self, eps: float = 1e-8, zero_mean: bool = True, **kw):
        super().__init__(**kw)
        self.eps, self.zero_mean = float(eps), bool(zero_mean)

    def compute(self, est, ref, mask):
        m = torch.ones_like(est) if mask is None else mask
        n = m.sum(-1, keepdim=True)
        if self.zero_mean:
            est = (est - est.sum(-1, keepdim=True) / n.clamp_min(1)) * m
            ref = (ref - ref.sum(-1, keepdim=True) / n.clamp_min(1)) * m
        alpha = (est * ref).sum(-1, keepdim=True) / (ref.square().sum(-1, keepdim=True) + self.eps)
        target = alpha * ref
        residual = est - target
        snr = 10 * torch.log10((target.square().sum(-1) + self.eps) / (residual.square().sum(-1) + self.eps))
        valid = (n.squeeze(-1) > 0).to(snr.dtype)
        return -(snr * valid).sum() / valid.sum().clamp_min(1)


@register("seg-weighted-mse")
class SegWeightedMSELoss(Loss):
    """Segmental weighted MSE: per-frame MSE averaged with per-frame weights, per utterance, then over the batch.

    Rectangular frames of ``frame_len`` samples every ``hop`` (frame ``k`` covers ``[k*hop, k*hop+frame_len)``,
    the end zero-padded; see :meth:`n_frames`). Weights are ``batch[weights_key]`` (``(B, K)``) when present,
    otherwise computed from the reference (clean) frame energy: with ``r_k`` the frame power relative to the
    utterance's mean frame power, ``w_k = (r_k + floor) ** gamma``. ``gamma=1`` (default) concentrates the loss on
    speech-active frames while ``floor`` keeps pauses from being ignored; ``gamma=0`` is an unweighted frame
    average; ``gamma=-1`` normalises each frame's error by its energy (segmental-SNR-like, emphasises quiet
    frames). Weights are not differentiated. Each frame also counts by its fraction of valid (unmasked) samples.
    Scale: quadratic in the level, like ``mse``.
    """

    def __init__(
        self,
        frame_len: int = 512,
        hop: int = 256,
        gamma: float = 1.0,
        floor: float = 0.1,
        weights_key: str | None = "frame_weights",
        eps: float = 1e-10,
        window: str = "rect",
        average: str = "weights",
        **kw,
    ):
        super().__init__(**kw)
        if frame_len <= 0 or hop <= 0:
            raise ValueError("frame_len and hop must be positive")
        if window not in ("rect", "hann") or average not in ("weights", "frames"):
            raise ValueError(f"window must be rect or hann and average weights or frames, not {window!r}, {average!r}")
        self.window, self.average = window, average
        self.frame_len, self.hop = int(frame_len), int(hop)
        self.gamma, self.floor, self.eps = float(gamma), float(floor), float(eps)
        self.weights_key = weights_key

    def n_frames(self, length: int) -> int:
        """Number of frames (the K of ``batch["frame_weights"]``) for a signal of ``length`` samples."""
        return num_frames(length, self.frame_len, self.hop)

    def energy_weights(self, ref: Tensor, valid: Tensor | None) -> Tensor:
        """Default weights (N, K) from the reference frame energy."""
        ref = ref.detach()
        frames = frame_signal(ref.square(), self.frame_len, self.hop)
        if valid is None:
            pw = frames.mean(-1)
            mean_pw = pw.mean(-1, keepdim=True)
        else:  # ref is zero outside the mask: mean over the valid samples of each frame
            pw = frames.sum(-1) / (valid * self.frame_len).clamp_min(1)
            mean_pw = (pw * valid).sum(-1, keepdim=True) / valid.sum(-1, keepdim=True).clamp_min(1e-12)
        rel = pw / (mean_pw + self.eps)
        return (rel + self.floor).pow(self.gamma)

    def forward(self, out, batch):
        x = self.prepare(out, batch)
        valid = frame_validity(x.mask, self.frame_len, self.hop)  # (N, K) or None
        k = self.n_frames(x.est.shape[-1])
        given = batch.get(self.weights_key) if self.weights_key else None
        if given is not None:
            w = given.detach().to(device=x.est.device, dtype=x.est.dtype)
            if w.shape[-1] != k:
                raise ValueError(
                    f"loss {self.name!r}: {self.weights_key} has {w.shape[-1]} frames, expected {k} "
                    f"(frame_len={self.frame_len}, hop={self.hop}, T={x.est.shape[-1]})"
                )
            if w.ndim < len(x.lead) + 1:  # (B, K) weights for (B, C, T) signals
                w = w.reshape(w.shape[0], *([1] * (len(x.lead) + 1 - w.ndim)), k)
            w = w.expand(*x.lead, k).reshape(-1, k)
        else:
            w = self.energy_weights(x.ref, valid)
        if self.window == "hann":
            win = torch.hann_window(self.frame_len, periodic=True, dtype=x.est.dtype, device=x.est.device)
            err = (frame_signal(x.est - x.ref, self.frame_len, self.hop) * win).square().sum(-1)  # (N, K)
        else:
            err = frame_signal((x.est - x.ref).square(), self.frame_len, self.hop).sum(-1)  # (N, K)
        if valid is None:
            err = err / self.frame_len
        else:
            err = err / (valid * self.frame_len).clamp_min(1)
            w = w * valid
        if self.average == "frames":  # (1/J) Σ_j p_j e_j: low weights lower the loss instead of being renormalised
            den = torch.ones_like(w).sum(-1) if valid is None else valid.sum(-1)
            per_utt = (w * err).sum(-1) / den.clamp_min(1e-12)
            has = (den > 0).to(per_utt.dtype)
            return (per_utt * has).sum() / has.sum().clamp_min(1)
        den = w.sum(-1)
        per_utt = (w * err).sum(-1) / den.clamp_min(1e-12)
        has = (den > 0).to(per_utt.dtype)
        return (per_utt * has).sum() / has.sum().clamp_min(1)
