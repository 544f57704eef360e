"""Speech quality and intelligibility metrics.

Intrusive metrics take ``(ref, est, sr)`` (or ``(ref, est)``) with mono signals of equal length; DNSMOS is
non-intrusive. PESQ, STOI and DNSMOS need the optional ``hush[metrics]`` dependencies, which are imported on
first use. Every metric returns NaN rather than raising for input it cannot score (silent, too short);
signals of different lengths are a ValueError.
"""

from hush.metrics.composite import composite, llr, wss
from hush.metrics.dnsmos import dnsmos
from hush.metrics.evaluate import AVAILABLE_METRICS, DEFAULT_METRICS, compute_metrics, mean_metrics
from hush.metrics.pesq_stoi import estoi, pesq_nb, pesq_wb, stoi
from hush.metrics.sdr import log_spectral_distance, sdr, seg_snr, si_sdr, snr

__all__ = [
    "AVAILABLE_METRICS",
    "DEFAULT_METRICS",
    "composite",
    "compute_metrics",
    "dnsmos",
    "estoi",
    "llr",
    "log_spectral_distance",
    "mean_metrics",
    "pesq_nb",
    "pesq_wb",
    "sdr",
    "seg_snr",
    "si_sdr",
    "snr",
    "stoi",
    "wss",
]
