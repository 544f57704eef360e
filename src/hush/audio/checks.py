"""Input policy: which signals are refused (errors) and which are processed with a warning."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hush.errors import AudioError

MIN_RATE = 8000  # supported sample rates (Hz); outside them a file or array is refused
MAX_RATE = 96000
SILENCE_PEAK = 10 ** (-90 / 20)  # below -90 dBFS the file is treated as digital silence
CLIP_LEVEL = 0.999
CLIP_FRACTION = 1e-4  # more than 0.01 % of samples at full scale counts as clipped
PCM_DTYPES = (np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.int8), np.dtype(np.uint8))  # integer audio


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


def check_rate(sr: object, source: object = "input") -> int:
    """``sr`` as an int if it is a whole number of Hz within ``MIN_RATE..MAX_RATE`` (``16000.0`` is accepted);
    otherwise :class:`AudioError`. Every entry point checks this first, so no header can make the resamplers or
    frame sizes grow without bound."""
    if isinstance(sr, bool) or not isinstance(sr, int | float | np.integer | np.floating):
        raise AudioError(source, f"invalid sample rate {sr!r} (need a whole number of Hz)")
    if not np.isfinite(sr) or float(sr) != int(sr):
        raise AudioError(source, f"invalid sample rate {sr!r} (need a whole number of Hz)")
    rate = int(sr)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(
            source, f"unsupported sample rate {rate} Hz (supported: {MIN_RATE}-{MAX_RATE} Hz; resample it first)"
        )
    return rate


def as_real_audio(audio: object, source: object = "input") -> np.ndarray:
    """``audio`` as a float32 array; complex or non-numeric arrays are refused (they would lose information).

    Integer arrays are PCM samples and are scaled from their integer range to [-1, 1) as soundfile reads them
    (int16 by 1/32768, uint8 around 128, ...), so int16 audio is not read as full-scale clipping.
    """
    x = np.asarray(audio)
    if np.iscomplexobj(x):
        raise AudioError(source, "complex samples are not audio; pass the real signal (e.g. x.real) explicitly")
    if np.issubdtype(x.dtype, np.integer):
        if x.dtype not in PCM_DTYPES:
            raise AudioError(
                source,
                f"integer audio must be PCM samples (int16, int32, int8 or uint8), got {x.dtype}; "
                "pass float samples in [-1, 1] instead",
            )
        bits = 8 * x.dtype.itemsize
        offset = 2.0 ** (bits - 1) if x.dtype == np.uint8 else 0.0
        return ((x.astype(np.float64) - offset) / 2.0 ** (bits - 1)).astype(np.float32)
    if not (np.issubdtype(x.dtype, np.floating) or x.dtype == bool):
        raise AudioError(source, f"audio must be a numeric array, got dtype {x.dtype}")
    return x.astype(np.float32, copy=False)


def validate_array(x: np.ndarray, sr: int, min_length: int = 1, source: object = "input") -> list[str]:
    """Raise :class:`AudioError` for unusable signals; return warnings for silent or clipped ones."""
    check_rate(sr, source)
    if x.size == 0:
        raise AudioError(source, "empty audio (0 samples)")
    if not np.isfinite(x).all():
        raise AudioError(source, "contains NaN or Inf samples")
    if x.shape[-1] < min_length:
        raise AudioError(source, f"too short: {x.shape[-1]} samples at {sr} Hz, need at least {min_length} (one frame)")
    stats = SignalStats()
    stats.update(x)
    return stats.finish()
