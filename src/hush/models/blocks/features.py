"""Input features and output masks of the STFT mask networks."""

from __future__ import annotations

import torch

EPS = 1e-10


def log_power(spec: torch.Tensor) -> torch.Tensor:
    """Natural log of the power spectrum, ``(B, K, F)`` complex -> real."""
    return torch.log(spec.real.square() + spec.imag.square() + EPS)


def stack_context(
    feats: torch.Tensor, state: torch.Tensor | None, past: int, future: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Splice frames ``k-past .. k+future`` around every frame of ``(B, K, D)`` features.

    ``state`` holds the last ``past`` frames of the previous call (``None``: start of the signal, zeros, i.e. the
    mean after normalisation); frames after the end are zeros too. Returns ``(B, K, past+1+future, D)`` and the
    new state. With ``future == 0`` calling it frame by frame equals one call over all frames.
    """
    b, _, d = feats.shape
    if state is None:
        state = feats.new_zeros(b, past, d)
    h = torch.cat([state, feats], dim=1)
    new_state = h[:, h.shape[1] - past :]
    if future:
        h = torch.cat([h, feats.new_zeros(b, future, d)], dim=1)
    ctx = h.unfold(1, past + 1 + future, 1).transpose(2, 3)  # (B, K, W, D)
    return ctx, new_state


def spec_features(spec: torch.Tensor, complex_input: bool, power: float = 0.5) -> torch.Tensor:
    """Power-law compressed input: ``(B, 1, K, F)`` magnitude, or ``(B, 3, K, F)`` magnitude + real + imaginary."""
    mag = torch.sqrt(spec.real.square() + spec.imag.square() + 1e-12)
    comp = mag**power
    if not complex_input:
        return comp[:, None]
    scale = comp / mag
    return torch.stack([comp, spec.real * scale, spec.imag * scale], dim=1)


def bounded_complex_mask(re: torch.Tensor, im: torch.Tensor, max_gain: float = 1.0) -> torch.Tensor:
    """Complex ratio mask with phase of ``re + j im`` and magnitude ``max_gain * tanh(|m| / max_gain)``."""
    mag = torch.sqrt(re.square() + im.square() + 1e-12)
    scale = max_gain * torch.tanh(mag / max_gain) / mag
    return torch.complex(re * scale, im * scale)
