"""Mel and ERB filterbanks as (n_bands, n_fft // 2 + 1) matrices applied to power or magnitude spectra."""

from __future__ import annotations

import numpy as np


def hz_to_mel(f):
    """HTK mel scale."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def hz_to_erb(f):
    """ERB-rate (number of ERBs below f), Glasberg & Moore 1990."""
    return 21.4 * np.log10(1.0 + 0.00437 * np.asarray(f, dtype=np.float64))


def erb_to_hz(e):
    return (10.0 ** (np.asarray(e, dtype=np.float64) / 21.4) - 1.0) / 0.00437


def _triangular(edges_hz: np.ndarray, n_fft: int, sr: int, normalize: bool) -> np.ndarray:
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    n_bands = len(edges_hz) - 2
    fb = np.zeros((n_bands, len(freqs)))
    for b in range(n_bands):
        lo, mid, hi = edges_hz[b : b + 3]
        up = (freqs - lo) / max(mid - lo, 1e-9)
        down = (hi - freqs) / max(hi - mid, 1e-9)
        fb[b] = np.clip(np.minimum(up, down), 0, None)
        if not fb[b].any():  # band narrower than a bin: take the nearest bin
            fb[b, np.argmin(np.abs(freqs - mid))] = 1.0
    if normalize:
        fb /= fb.sum(axis=1, keepdims=True)
    return fb


def mel_filterbank(
    n_mels: int, n_fft: int, sr: int, fmin: float = 0.0, fmax: float | None = None, normalize: bool = False
) -> np.ndarray:
    """Triangular filters equally spaced on the HTK mel scale."""
    fmax = sr / 2 if fmax is None else fmax
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    return _triangular(edges, n_fft, sr, normalize)


def erb_filterbank(
    n_bands: int, n_fft: int, sr: int, fmin: float = 0.0, fmax: float | None = None, normalize: bool = False
) -> np.ndarray:
    """Triangular filters equally spaced on the ERB-rate scale."""
    fmax = sr / 2 if fmax is None else fmax
    edges = erb_to_hz(np.linspace(hz_to_erb(fmin), hz_to_erb(fmax), n_bands + 2))
    return _triangular(edges, n_fft, sr, normalize)


def erb_band_matrix(n_bands: int, n_fft: int, sr: int, min_bins: int = 2) -> np.ndarray:
    """Rectangular, non-overlapping ERB bands that partition all bins (DeepFilterNet-style gains).

    Each band holds at least ``min_bins`` bins; returns a 0/1 matrix (n_bands, n_bins) whose columns sum to 1,
    so band gains expand back to bins with ``gains @ matrix``.
    """
    n_bins = n_fft // 2 + 1
    freqs = np.linspace(0, sr / 2, n_bins)
    edges = erb_to_hz(np.linspace(hz_to_erb(0), hz_to_erb(sr / 2), n_bands + 1))
    idx = np.searchsorted(freqs, edges[1:-1])
    widths, prev = [], 0
    for i in idx:
        w = max(int(i) - prev, min_bins)
        widths.append(w)
        prev += w
    widths.append(max(n_bins - prev, 0))
    widths = [w for w in widths if w > 0]
    while sum(widths) > n_bins:  # too many minimum-width bands: shrink the last
        widths[-1] -= sum(widths) - n_bins
        widths = [w for w in widths if w > 0]
    m = np.zeros((len(widths), n_bins))
    start = 0
    for b, w in enumerate(widths):
        m[b, start : start + w] = 1.0
        start += w
    return m
