"""Loss base class, registry and the masking / framing helpers the losses share.

Conventions
-----------
* A loss is called as ``loss(out, batch)`` where ``out`` holds the model outputs (and any intermediate
  features the model chooses to expose) and ``batch`` the training example: ``clean``, ``noisy``, ``noise``,
  optionally ``mask``. It returns a scalar tensor.
* The estimate is ``out[est_key]`` (falling back to ``batch[est_key]``) and the reference ``batch[ref_key]``
  (falling back to ``out[ref_key]``), so the same loss can compare e.g. a student output with a teacher output
  stored in ``out``. The reference is detached unless ``detach_ref=False``.
* Signals are ``(B, T)``, ``(T,)`` or ``(B, C, T)``; leading dimensions are flattened into rows.
* ``batch[mask_key]`` (default ``"mask"``), ``(B, T)`` of 0/1, marks the valid samples. Estimate and reference are
  multiplied by it before anything else, so padded samples can never change a loss value; spectral and framed
  losses further weight every frame by its fraction of valid samples, so frames lying entirely in the padding
  do not dilute the average.
* Every loss is finite, with finite gradients, for all-zero estimates and/or references (``eps`` in logs,
  divisions and square roots).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from hush.errors import HushError
from hush.registry import Registry


class LossSpecError(HushError, ValueError):
    """Unknown loss name, bad weight or bad options in a loss specification."""


def _check_loss(name: str, cls: type) -> None:
    if not (isinstance(cls, type) and issubclass(cls, Loss)):
        raise TypeError(f"loss {name!r} must be a Loss subclass, got {cls!r}")
    cls.name = name


LOSSES: Registry[type[Loss]] = Registry("loss", LossSpecError, on_register=_check_loss)
register = LOSSES.register  # class decorator: @register("mse"); sets ``cls.name``
get = LOSSES.get
names = LOSSES.names


def create_loss(name: str, **options) -> Loss:
    """Instantiates the registered loss ``name`` with ``options``."""
    cls = get(name)
    try:
        return cls(**options)
    except TypeError as e:
        raise LossSpecError(f"loss {name!r}: bad options {sorted(options)}: {e}") from None


@dataclass
class LossInputs:
    est: Tensor  # (N, T), already multiplied by the mask
    ref: Tensor  # (N, T), already multiplied by the mask
    mask: Tensor | None  # (N, T) float or None (all valid)
    lead: tuple[int, ...]  # original leading shape, prod(lead) == N


class Loss(nn.Module):
    """Base class. Subclasses implement :meth:`compute` (or override :meth:`forward`)."""

    name: str = ""

    def __init__(
        self, est_key: str = "enhanced", ref_key: str = "clean", mask_key: str | None = "mask", detach_ref: bool = True
    ):
        super().__init__()
        self.est_key, self.ref_key, self.mask_key = est_key, ref_key, mask_key
        self.detach_ref = detach_ref

    def extra_repr(self) -> str:
        return f"est_key={self.est_key!r}, ref_key={self.ref_key!r}"

    def _fetch(self, key: str, first: dict, second: dict, role: str) -> Tensor:
        if key in first:
            return first[key]
        if key in second:
            return second[key]
        raise KeyError(f"loss {self.name!r}: {role} key {key!r} not found (keys: {sorted(set(first) | set(second))})")

    def prepare(self, out: dict[str, Tensor], batch: dict[str, Tensor]) -> LossInputs:
        est = self._fetch(self.est_key, out, batch, "estimate")
        ref = self._fetch(self.ref_key, batch, out, "reference")
        if self.detach_ref:
            ref = ref.detach()
        if est.shape != ref.shape:
            raise ValueError(
                f"loss {self.name!r}: estimate {tuple(est.shape)} and reference {tuple(ref.shape)} shapes differ"
            )
        if not est.is_floating_point():
            est = est.float()
        ref = ref.to(est.dtype)
        if est.ndim == 1:
            est, ref = est[None], ref[None]
        lead, t = tuple(est.shape[:-1]), est.shape[-1]
        mask = self.mask_rows(batch, est)
        est, ref = est.reshape(-1, t), ref.reshape(-1, t)
        if mask is not None:
            est, ref = est * mask, ref * mask
        return LossInputs(est, ref, mask, lead)

    def mask_rows(self, batch: dict[str, Tensor], est: Tensor) -> Tensor | None:
        """``batch[mask_key]`` broadcast to ``est`` (``(…, T)``, at least 2-D) and flattened to ``(N, T)`` rows."""
        mask = batch.get(self.mask_key) if self.mask_key else None
        if mask is None:
            return None
        mask = mask.to(device=est.device, dtype=est.dtype)
        if mask.ndim == 1:
            mask = mask[None]
        if mask.ndim < est.ndim:  # (B, T) mask for (B, C, T) signals
            mask = mask.reshape(mask.shape[0], *([1] * (est.ndim - mask.ndim)), mask.shape[-1])
        return mask.expand(est.shape).reshape(-1, est.shape[-1])

    def forward(self, out: dict[str, Tensor], batch: dict[str, Tensor]) -> Tensor:
        x = self.prepare(out, batch)
        return self.compute(x.est, x.ref, x.mask)

    def compute(self, est: Tensor, ref: Tensor, mask: Tensor | None) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


# --------------------------------------------------------------------------------------------------- helpers


def masked_mean(x: Tensor, weight: Tensor | None = None) -> Tensor:
    """Weighted mean of ``x``; ``weight`` broadcasts against ``x``. Zero when all weights are zero."""
    if weight is None:
        return x.mean()
    w = torch.broadcast_to(weight, x.shape)
    return (x * w).sum() / w.sum().clamp_min(1e-12)


def num_frames(length: int, frame_len: int, hop: int) -> int:
    """Frames of :func:`frame_signal`: frame ``k`` covers ``[k*hop, k*hop + frame_len)``, all samples covered."""
    return 1 + max(0, math.ceil((length - frame_len) / hop))


def frame_signal(x: Tensor, frame_len: int, hop: int) -> Tensor:
    """(N, T) -> (N, K, frame_len), right zero-padded so that every sample lies in a frame."""
    t = x.shape[-1]
    k = num_frames(t, frame_len, hop)
    return nn.functional.pad(x, (0, (k - 1) * hop + frame_len - t)).unfold(-1, frame_len, hop)


def frame_validity(mask: Tensor | None, frame_len: int, hop: int) -> Tensor | None:
    """Fraction of valid samples in each frame, (N, K), or None without a mask."""
    if mask is None:
        return None
    return frame_signal(mask, frame_len, hop).mean(-1)


def spectrum(x: Tensor, n_fft: int, hop: int, win_length: int | None = None) -> Tensor:
    """Non-causal STFT for losses: periodic Hann window of ``win_length`` (default ``n_fft``), frames as in
    :func:`frame_signal`, unnormalised ``rfft`` zero-padded to ``n_fft``. (N, T) -> complex (N, K, n_fft//2+1)."""
    win = n_fft if win_length is None else win_length
    window = torch.hann_window(win, periodic=True, dtype=x.dtype, device=x.device)
    return torch.fft.rfft(frame_signal(x, win, hop) * window, n=n_fft, dim=-1)


def power(spec: Tensor) -> Tensor:
    """|X|^2 without a square root (differentiable everywhere)."""
    return spec.real.square() + spec.imag.square()


def magnitude(spec: Tensor, floor: float) -> Tensor:
    """|X| clamped below at ``floor`` (> 0): no infinite gradient at |X| = 0, zero gradient below the floor."""
    return power(spec).clamp_min(floor * floor).sqrt()


def safe_sqrt(x: Tensor) -> Tensor:
    """sqrt(x) for x >= 0 that is exactly 0, with a zero (not NaN) gradient, at x = 0."""
    pos = x > 0
    return torch.where(pos, torch.where(pos, x, torch.ones_like(x)).sqrt(), torch.zeros_like(x))


def check_resolution(n_fft: int, hop: int, win_length: int | None = None) -> tuple[int, int, int]:
    n_fft, hop = int(n_fft), int(hop)
    win = n_fft if win_length is None else int(win_length)
    if n_fft <= 0 or hop <= 0 or not 0 < win <= n_fft:
        raise ValueError(f"bad STFT resolution n_fft={n_fft}, hop={hop}, win_length={win}")
    return n_fft, hop, win
