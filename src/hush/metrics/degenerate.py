"""Outputs that are no signal at all: silent or constant where the reference has speech.

Such an output is a failure of the system under test, not a missing score. The intrusive metrics are undefined or
flattering on it (a NaN that averages drop, or scores of the few files left), so :func:`worst_scores` replaces
each metric by the worst value on its own scale.
"""

from __future__ import annotations

import numpy as np

from hush.audio.checks import SILENCE_PEAK
from hush.metrics.sdr import DB_LIMIT

WORST: dict[str, float] = {
    "pesq_wb": 1.0,  # MOS-LQO scale floor
    "pesq_nb": 1.0,
    "stoi": 0.0,
    "estoi": 0.0,
    "si_sdr": -DB_LIMIT,  # the ratio metrics' own clip
    "sdr": -DB_LIMIT,
    "snr": -DB_LIMIT,
    "seg_snr": -10.0,  # its per-frame clamp
    "csig": 1.0,
    "cbak": 1.0,
    "covl": 1.0,
    "dnsmos_sig": 1.0,
    "dnsmos_bak": 1.0,
    "dnsmos_ovrl": 1.0,
    "dnsmos_p808": 1.0,
}
"""Worst value of each metric; ``lsd`` is left as computed (a silent estimate already scores its largest)."""


def degenerate_output(ref: np.ndarray, est: np.ndarray) -> str | None:
    """``"silent"`` or ``"constant"`` when ``est`` carries no signal (its peak-to-peak below -90 dBFS) while
    ``ref`` has some; else ``None``."""
    ref, est = np.asarray(ref), np.asarray(est)
    if ref.size == 0 or est.size == 0 or np.ptp(ref) < SILENCE_PEAK or np.ptp(est) >= SILENCE_PEAK:
        return None
    return "silent" if np.max(np.abs(est)) < SILENCE_PEAK else "constant"


def worst_scores(scores: dict[str, float]) -> dict[str, float]:
    """``scores`` with every metric that has a worst value set to it (the others, WER/CER included, kept)."""
    return {k: WORST.get(k, v) for k, v in scores.items()}
