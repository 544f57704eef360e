"""Tests of hush.metrics on generated signals only."""

from __future__ import annotations

import importlib
import logging
import math
import sys
import warnings

import numpy as np
import pytest
from scipy.linalg import solve_toeplitz

from hush.errors import MissingExtraError
from hush.metrics import (
    AVAILABLE_METRICS,
    DEFAULT_METRICS,
    composite,
    compute_metrics,
    dnsmos,
    estoi,
    llr,
    log_spectral_distance,
    mean_metrics,
    pesq_nb,
    pesq_wb,
    sdr,
    seg_snr,
    si_sdr,
    snr,
    stoi,
    wss,
)

# hush.metrics.composite is the function (re-exported by the package), so fetch the modules themselves
composite_mod = importlib.import_module("hush.metrics.composite")
evaluate_mod = importlib.import_module("hush.metrics.evaluate")

SR = 16000


def speech_like(seconds: float = 3.0, sr: int = SR, seed: int = 0) -> np.ndarray:
    """Harmonic complex with a vibrato-like f0 and a syllable-rate envelope, plus a faint noise floor."""
    rs = np.random.RandomState(seed)
    t = np.arange(int(seconds * sr)) / sr
    f0 = 130.0 + 35.0 * np.sin(2 * np.pi * 0.6 * t + rs.uniform(0, 6)) + 8.0 * np.sin(2 * np.pi * 5.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = np.zeros_like(t)
    for k in range(1, 40):
        if k * 170 > 0.45 * sr:
            break
        formants = np.exp(-((((k * 130) - 600) / 350) ** 2)) + 0.4 * np.exp(-((((k * 130) - 1800) / 500) ** 2))
        x += (formants + 0.05) / k**0.5 * np.sin(k * phase + rs.uniform(0, 2 * np.pi))
    env = np.clip(np.sin(2 * np.pi * 2.0 * t + rs.uniform(0, 1)), 0.0, None) ** 0.6  # ~4 syllables / s
    x = x * env + 1e-3 * rs.randn(t.size)
    return 0.5 * x / np.max(np.abs(x))


def add_noise(x: np.ndarray, snr_db: float, seed: int = 1) -> np.ndarray:
    n = np.random.RandomState(seed).randn(x.size)
    return x + n * np.sqrt(np.sum(x**2) / np.sum(n**2) / 10 ** (snr_db / 10))


@pytest.fixture(scope="module")
def clean() -> np.ndarray:
    return speech_like()


@pytest.fixture(scope="module")
def noisy(clean) -> np.ndarray:
    return add_noise(clean, 10.0)


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------------------------------------------- SDR family
@pytest.mark.parametrize("target_db", [-5.0, 0.0, 12.5, 30.0])
def test_si_sdr_equals_mixing_snr(clean, target_db):
    r = clean - clean.mean()
    n = np.random.RandomState(3).randn(clean.size)
    n -= n.mean()
    n -= np.dot(n, r) / np.dot(r, r) * r  # orthogonal to the reference: all of it counts as distortion
    a = 0.7
    n *= np.sqrt(np.sum((a * r) ** 2) / np.sum(n**2) / 10 ** (target_db / 10))
    est = a * clean + n + 0.05  # a DC offset must not matter (zero-mean signals)
    assert si_sdr(clean, est) == pytest.approx(target_db, abs=0.01)
    for g in (1e-3, 3.0, -2.0):
        assert si_sdr(clean, g * est) == pytest.approx(si_sdr(clean, est), abs=1e-9)
        assert si_sdr(g * clean, est) == pytest.approx(si_sdr(clean, est), abs=1e-9)


def test_sdr_and_snr_at_known_snr(clean):
    est = add_noise(clean, 7.0)
    assert sdr(clean, est) == pytest.approx(7.0, abs=1e-9)
    assert snr(clean, est) == pytest.approx(7.0, abs=1e-9)
    assert sdr(clean, 2 * clean) == pytest.approx(0.0, abs=1e-9)  # not scale invariant


def test_ratio_metrics_are_safe_on_degenerate_input(clean, no_warnings):
    z = np.zeros_like(clean)
    assert math.isnan(si_sdr(z, z)) and math.isnan(si_sdr(z, clean)) and math.isnan(si_sdr(clean, z))
    assert math.isnan(sdr(z, z)) and math.isnan(snr(z, z))
    assert sdr(clean, z) == pytest.approx(0.0)
    assert math.isfinite(si_sdr(clean, clean)) and math.isfinite(snr(clean, clean))
    assert math.isnan(si_sdr(clean[:0], clean[:0]))
    bad = clean.copy()
    bad[10] = np.nan
    assert math.isnan(si_sdr(clean, bad)) and math.isnan(seg_snr(clean, bad, SR))
    with pytest.raises(ValueError):
        si_sdr(clean, clean[:-1])


def test_seg_snr_and_lsd(clean, noisy, no_warnings):
    assert seg_snr(clean, clean, SR) == pytest.approx(35.0)
    assert seg_snr(clean, -10 * clean, SR) == pytest.approx(-10.0)
    assert -10.0 < seg_snr(clean, noisy, SR) < seg_snr(clean, add_noise(clean, 30.0), SR) < 35.0
    assert math.isnan(seg_snr(clean[:100], clean[:100], SR))  # shorter than one 30 ms frame
    assert seg_snr(np.zeros(SR), np.zeros(SR), SR) == pytest.approx(-10.0)
    assert log_spectral_distance(clean, clean, SR) == pytest.approx(0.0)
    lsd_30 = log_spectral_distance(clean, add_noise(clean, 30.0), SR)
    assert log_spectral_distance(clean, noisy, SR) > lsd_30 > 0
    assert log_spectral_distance(np.zeros(50), np.zeros(50), SR) == pytest.approx(0.0)
    assert math.isnan(log_spectral_distance(clean[:0], clean[:0], SR))


# --------------------------------------------------------------------------------------------- PESQ/STOI
def test_pesq(clean, noisy, no_warnings):
    wb_clean = pesq_wb(clean, clean, SR)
    assert wb_clean > 4.5
    assert pesq_wb(clean, noisy, SR) < wb_clean
    assert pesq_nb(clean, clean, SR) > 4.4
    assert pesq_nb(clean, noisy, SR) < pesq_nb(clean, clean, SR)
    x8 = speech_like(sr=8000, seed=2)
    assert pesq_wb(x8, x8, 8000) > 4.4  # resampled to 16 kHz
    assert math.isnan(pesq_wb(clean[:1000], clean[:1000], SR))  # too short
    assert math.isnan(pesq_wb(np.zeros(SR), np.zeros(SR), SR))
    assert math.isnan(pesq_nb(np.zeros(SR), clean[:SR], SR))


def test_stoi(clean, noisy, no_warnings):
    assert stoi(clean, clean, SR) == pytest.approx(1.0, abs=1e-6)
    assert estoi(clean, clean, SR) == pytest.approx(1.0, abs=1e-6)
    assert stoi(clean, noisy, SR) < stoi(clean, add_noise(clean, 30.0), SR) < 1.0
    assert estoi(clean, noisy, SR) < 1.0
    short = speech_like(seconds=0.3, seed=4)  # < 30 frames of 25.6 ms / hop 12.8 ms: pystoi would give 1e-5
    assert math.isnan(stoi(short, short, SR)) and math.isnan(estoi(short, short, SR))
    assert math.isnan(stoi(np.zeros(SR), clean[:SR], SR))
    assert math.isnan(stoi(clean[:10], clean[:10], SR))


# --------------------------------------------------------------------------------------------- composite
def test_levinson_matches_toeplitz_solve():
    frames = np.random.RandomState(5).randn(4, 480)
    r = composite_mod._autocorrelation(frames, 16)
    a = composite_mod._levinson(r, 16)
    for f in range(4):
        assert np.allclose(a[f, 1:], -solve_toeplitz(r[f, :16], r[f, 1:17]), atol=1e-9)


def _reference_peaks(level: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Straight transcription of the reference nearest-peak search, 0-based."""
    out = np.empty(slope.size)
    for i in range(slope.size):
        n = i
        if slope[i] > 0:
            while n < slope.size and slope[n] > 0:
                n += 1
            out[i] = level[n - 1]
        else:
            while n >= 0 and slope[n] <= 0:
                n -= 1
            out[i] = level[n + 1]
    return out


def test_wss_local_peak_search_matches_loop():
    level = np.random.RandomState(6).randn(50, 25) * 10
    level[0] = np.arange(25)  # monotone rising
    level[1] = -np.arange(25)  # monotone falling
    level[2] = 0.0  # flat
    slope = np.diff(level, axis=1)
    fast = composite_mod._local_peaks(level, slope)
    for f in range(level.shape[0]):
        assert np.array_equal(fast[f], _reference_peaks(level[f], slope[f]))


def test_composite(clean, noisy, no_warnings):
    assert llr(clean, clean, SR) == pytest.approx(0.0, abs=1e-9)
    assert wss(clean, clean, SR) == pytest.approx(0.0, abs=1e-9)
    assert 0 < llr(clean, add_noise(clean, 30.0), SR) < llr(clean, noisy, SR)
    assert 0 < wss(clean, add_noise(clean, 30.0), SR) < wss(clean, noisy, SR)
    best = composite(clean, clean, SR)
    assert best == {"csig": 5.0, "cbak": 5.0, "covl": 5.0}
    good = composite(clean, add_noise(clean, 25.0), SR)
    bad = composite(clean, add_noise(clean, 0.0), SR)
    for k in ("csig", "cbak", "covl"):
        assert 1.0 <= bad[k] < good[k] <= best[k] <= 5.0
    assert all(math.isnan(v) for v in composite(clean[:1000], clean[:1000], SR).values())
    reuse = composite(clean, noisy, SR, pesq_score=pesq_wb(clean, noisy, SR))
    assert reuse == pytest.approx(composite(clean, noisy, SR))


# ------------------------------------------------------------------------------------------------ DNSMOS
@pytest.mark.slow
@pytest.mark.parametrize("seconds", [5.5, 0.3])
def test_dnsmos_matches_speechmos(seconds):
    sm = pytest.importorskip("speechmos.dnsmos")
    x = speech_like(seconds=seconds, seed=7)
    x = 0.9 * add_noise(x, 15.0, seed=8) / np.max(np.abs(add_noise(x, 15.0, seed=8)))
    ours = dnsmos(x, SR)
    theirs = sm.run(x, SR)
    for ours_key, their_key in [
        ("dnsmos_sig", "sig_mos"),
        ("dnsmos_bak", "bak_mos"),
        ("dnsmos_ovrl", "ovrl_mos"),
        ("dnsmos_p808", "p808_mos"),
    ]:
        assert ours[ours_key] == pytest.approx(float(theirs[their_key]), abs=1e-4)


@pytest.mark.slow
def test_dnsmos_max_windows_scores_a_subset_of_the_windows():
    pytest.importorskip("speechmos")
    x = speech_like(seconds=12.0, seed=3)  # 4 windows of 9.01 s with a 1 s hop
    x = 0.9 * add_noise(x, 10.0, seed=4) / np.max(np.abs(add_noise(x, 10.0, seed=4)))
    full = dnsmos(x, SR)
    assert dnsmos(x, SR, max_windows=10) == full  # more than there are: all of them
    one = dnsmos(x, SR, max_windows=1)
    first = dnsmos(x[: int(9.01 * SR)], SR)  # exactly the first window
    assert one == pytest.approx(first)
    assert one != full
    with pytest.raises(ValueError, match="max_windows"):
        dnsmos(x, SR, max_windows=0)


def test_dnsmos_input_handling(no_warnings):
    assert all(math.isnan(v) for v in dnsmos(np.zeros(0), SR).values())
    x = speech_like(seconds=0.3, seed=9)
    x = x / np.max(np.abs(x))
    assert dnsmos(3.0 * x, SR) == pytest.approx(dnsmos(x, SR))  # peak > 1: normalised, not rejected


# -------------------------------------------------------------------------------------------- evaluation
def test_compute_metrics_all(clean, noisy, no_warnings):
    out = compute_metrics(clean, noisy, SR, AVAILABLE_METRICS)
    assert list(out) == AVAILABLE_METRICS
    assert all(math.isfinite(v) for v in out.values())
    assert out["si_sdr"] == pytest.approx(si_sdr(clean, noisy))
    assert out["pesq_wb"] == pytest.approx(pesq_wb(clean, noisy, SR))
    assert out["covl"] == pytest.approx(composite(clean, noisy, SR)["covl"])
    assert DEFAULT_METRICS == AVAILABLE_METRICS
    assert list(compute_metrics(clean, noisy, SR, ["snr", "sdr", "snr"])) == ["snr", "sdr"]
    with pytest.raises(ValueError, match="unknown metric"):
        compute_metrics(clean, noisy, SR, ["pesq"])


def test_missing_extras_are_skipped_once(clean, noisy, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "pesq", None)
    monkeypatch.setitem(sys.modules, "pystoi", None)
    monkeypatch.setattr(evaluate_mod, "_warned_groups", set())
    with pytest.raises(MissingExtraError, match=r"hush\[metrics\]"):
        pesq_wb(clean, noisy, SR)
    with pytest.raises(MissingExtraError):
        stoi(clean, noisy, SR)
    names = ["pesq_wb", "pesq_nb", "stoi", "csig", "cbak", "si_sdr", "seg_snr"]
    with caplog.at_level(logging.WARNING, logger="hush.metrics"):
        first = compute_metrics(clean, noisy, SR, names)
        second = compute_metrics(clean, noisy, SR, names)
    assert list(first) == list(second) == ["si_sdr", "seg_snr"]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"{g} skipped: pip install 'hush[metrics]'" for g in ("PESQ", "STOI")]


def test_missing_dnsmos_is_skipped(clean, noisy, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.setattr(evaluate_mod, "_warned_groups", set())
    with pytest.raises(MissingExtraError, match="DNSMOS"):
        dnsmos(noisy, SR)
    with caplog.at_level(logging.WARNING, logger="hush.metrics"):
        out = compute_metrics(clean, noisy, SR, ["dnsmos_ovrl", "dnsmos_sig", "snr"])
    assert list(out) == ["snr"]
    assert [r.getMessage() for r in caplog.records] == ["DNSMOS skipped: pip install 'hush[metrics]'"]


def test_mean_metrics():
    rows = [{"a": 1.0, "b": float("nan")}, {"a": 3.0, "b": 2.0}, {"a": float("nan"), "c": 5.0}]
    means, nans = mean_metrics(rows)
    assert means == {"a": 2.0, "b": 2.0, "c": 5.0}
    assert nans == {"a": 1, "b": 1, "c": 0}
    means, nans = mean_metrics([{"a": float("nan")}])
    assert math.isnan(means["a"]) and nans == {"a": 1}
    assert mean_metrics([]) == ({}, {})
