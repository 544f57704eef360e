"""Input policy: which signals are refused (errors) and which are processed with a warning."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hush.errors import AudioError

SILENCE_PEAK = 10 ** (-90 / 20)  # below -90 dBFS the file is treated as digital silence
CLIP_LEVEL = 0.999
CLIP_FRACTION = 1e-4  # more than 0.01 % of samples at full scale counts as clipped


@dataclass
class SignalStats:
    """Running statistics over a stream of ``(channels, n)`` blocks, for the silent/clipped warnings."""

    peak: float = 0.0
    n: int = 0
    n_clipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def update(self, block: np.ndarray) -> None:
        if block.size:
            a = np.abs(block)
            self.peak = max(self.peak, float(a.max()))
            self.n_clipped += int(np.count_nonzero(a >= CLIP_LEVEL))
            self.n += block.size

    def finish(self) -> list[str]:
        self.warnings = []
        if self.peak < SILENCE_PEAK:
            self.warnings.append("input is silent (peak below -90 dBFS); output will be silent too")
        elif self.n and self.n_clipped > max(2, CLIP_FRACTION * self.n):
            self.warnings.append(
                f"input is clipped ({100 * self.n_clipped / self.n:.2f} % of samples at full scale); "
                "enhancement cannot restore clipped peaks"
            )
        return self.warnings


def validate_array(x: np.ndarray, sr: int, min_length: int = 1, source: object = "input") -> list[str]:
    """Raise :class:`AudioError` for unusable signals; return warnings for silent or clipped ones."""
    if not isinstance(sr, int | np.integer) or sr <= 0:
        raise AudioError(source, f"invalid sample rate {sr!r}")
    if x.size == 0:
        raise AudioError(source, "empty audio (0 samples)")
    if not np.isfinite(x).all():
        raise AudioError(source, "contains NaN or Inf samples")
    if x.shape[-1] < min_length:
        raise AudioError(source, f"too short: {x.shape[-1]} samples at {sr} Hz, need at least {min_length} (one frame)")
    stats = SignalStats()
    stats.update(x)
    return stats.finish()
