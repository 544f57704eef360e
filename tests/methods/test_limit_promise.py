"""The ``atten_lim_db`` promise in every bin, the deep filter's complex bins included, on every runtime and rate.

No bin loses more than the limit, none comes out louder than it went in, and a limit near 0 dB returns the input;
``mix=0`` returns the input at any rate, the band above the model's included.
"""

import numpy as np
import pytest
import torch
from scipy.signal import butter, sosfilt

import hush
from hush import models
from hush.methods import resolve
from hush.methods.control import limit_spectrum
from hush.models import build_model
from hush.models.enhancer import ModelEnhancer

SR = 16000


def snr_db(ref: np.ndarray, est: np.ndarray) -> float:
    ref, est = np.asarray(ref, np.float64), np.asarray(est, np.float64)
    return float(10 * np.log10(np.sum(ref**2) / max(np.sum((ref - est) ** 2), 1e-30)))


def tone_and_noise(sr: int = SR, seconds: float = 2.0, seed: int = 0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    rng = np.random.default_rng(seed)
    return (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def test_limit_spectrum_bounds_on_random_complex_gains():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(20000) + 1j * rng.standard_normal(20000)
    y = x * (rng.uniform(0, 2.5, x.shape) * np.exp(1j * rng.uniform(-np.pi, np.pi, x.shape)))
    for db in (0.001, 1.0, 6.0, 20.0):
        g = 10 ** (-db / 20)
        out = limit_spectrum(x, y, g)
        ratio = np.abs(out) / np.abs(x)
        assert ratio.min() >= g * (1 - 1e-12) and ratio.max() <= 1 + 1e-12
        assert np.max(np.abs(out - x) / np.abs(x)) <= (1 - g) * (1 + 1e-12)
    real = x * rng.uniform(0, 1, x.shape)  # a real gain in [0, 1]: the limit is the plain gain floor
    np.testing.assert_allclose(limit_spectrum(x, real, 0.5), x * np.maximum(np.abs(real / x), 0.5), rtol=1e-12)


@pytest.fixture(scope="module")
def erbdf():
    torch.manual_seed(0)
    model = build_model("erbdf", **models.get("erbdf").tiny_config()).eval()
    with torch.no_grad():  # taps far from the identity: complex gains, phase turns and gains above 1
        model.df_head.weight.mul_(40.0)
        model.df_alpha.bias.fill_(4.0)
    return ModelEnhancer(model)


@pytest.mark.parametrize("db", [0.001, 3.0, 12.0])
def test_erbdf_every_bin_within_the_limit_and_never_louder(erbdf, db):
    x = torch.from_numpy(tone_and_noise())[None]
    with torch.no_grad():
        plain = erbdf.model(x)
        out = resolve(erbdf, atten_lim_db=db).model(x)
    spec, df = out["spec"], erbdf.model.df_bins
    live = spec.abs() > 1e-6
    raw = plain["enhanced_spec"].abs() / spec.abs().clamp_min(1e-12)
    assert float(raw[..., :df][live[..., :df]].max()) > 1.5  # the deep filter does amplify without a limit
    ratio = out["enhanced_spec"].abs() / spec.abs().clamp_min(1e-12)
    g = 10 ** (-db / 20)
    assert float(ratio[live].min()) >= g * (1 - 1e-4)
    assert float(ratio[live].max()) <= 1 + 1e-4
    dev = (out["enhanced_spec"] - spec).abs() / spec.abs().clamp_min(1e-12)
    assert float(dev[live].max()) <= (1 - g) * (1 + 1e-3) + 1e-5


@pytest.mark.parametrize("method", ["default", "erbdf", "wiener"])
def test_a_limit_near_zero_returns_the_input(erbdf, method):
    x = tone_and_noise()
    enh = erbdf if method == "erbdf" else method
    assert snr_db(x, hush.enhance(x, SR, enh, atten_lim_db=0.001)) > 60
    assert snr_db(x, hush.enhance(x, SR, enh)) < 30  # and the method does act without it


def test_default_no_gain_above_one_with_a_limit():
    x = torch.from_numpy(tone_and_noise(seed=3))[None]
    model = resolve("default", atten_lim_db=20).model
    with torch.no_grad():
        out = model(x)
    live = out["spec"].abs() > 1e-5
    ratio = out["enhanced_spec"].abs() / out["spec"].abs().clamp_min(1e-12)
    assert float(ratio[live].max()) <= 1 + 1e-4
    assert float(ratio[live].min()) >= 0.1 * (1 - 1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("db", [0.001, 6.0])
def test_onnx_backend_applies_the_same_limit(tmp_path, erbdf, db):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from hush.onnx_backend.export import export_onnx

    x = tone_and_noise(seconds=1.0)
    path = export_onnx(erbdf.model, tmp_path / "erbdf.onnx", exporter="torchscript")
    want = hush.enhance(x, SR, resolve(erbdf, atten_lim_db=db))
    got = hush.enhance(x, SR, str(path), atten_lim_db=db)
    assert snr_db(want, got) > 60
    if db < 0.01:
        assert snr_db(x, got) > 60


def _high(x: np.ndarray, sr: int) -> np.ndarray:
    return sosfilt(butter(8, 9000, "highpass", fs=sr, output="sos"), x)


@pytest.mark.parametrize("sr", [44100, 48000])
@pytest.mark.parametrize("method", ["default", "wiener"])
def test_mix_zero_returns_the_input_at_any_rate(sr, method):
    t = np.arange(2 * sr) / sr
    rng = np.random.default_rng(1)
    air = _air(len(t), sr, 1)  # only above 8.5 kHz
    for x in (0.1 * rng.standard_normal(len(t)), air, 0.3 * np.sin(2 * np.pi * 440 * t) + air):
        x = x.astype(np.float32)
        assert snr_db(x, hush.enhance(x, sr, method, mix=0)) > 100


def _air(n: int, sr: int, seed: int) -> np.ndarray:
    """White noise with nothing below 8.5 kHz (cymbals, sibilance, hiss), RMS 0.05."""
    spec = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    spec[np.fft.rfftfreq(n, 1 / sr) < 8500] = 0
    x = np.fft.irfft(spec, n)
    return 0.05 * x / np.std(x)


@pytest.mark.parametrize("sr", [44100, 48000])
def test_the_limit_holds_above_the_model_band(sr):
    t = np.arange(2 * sr) / sr
    x = (_air(len(t), sr, 2) + 0.05 * np.sin(2 * np.pi * 12000 * t)).astype(np.float32)
    for db in (6.0, 0.001):
        y = hush.enhance(x, sr, "default", atten_lim_db=db)
        change = 10 * np.log10(np.sum(_high(y, sr) ** 2) / np.sum(_high(x, sr) ** 2))
        assert -db - 0.1 <= change <= 0.01, (db, change)
