"""The band-limited (telephone) input detector on generated wideband and band-limited signals, and the warning
that files and arrays get for methods not made for such input."""

import warnings

import numpy as np
import pytest
import soundfile as sf
import soxr

import hush
from hush.audio.bandwidth import THRESHOLD_DB, BandwidthMeter, is_band_limited
from hush.cli import main
from hush.models import build_model, get
from hush.models.model_file import save

SR = 16000


def wideband_speech(sr: int = SR, seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """Voiced harmonics up to 7.5 kHz with a spectral tilt, plus fricative noise bursts, in a syllabic rhythm."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    f0 = 130 + 20 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    top = min(7500, 0.45 * sr)
    voiced = sum(np.sin(k * phase + rng.uniform(0, 6)) / k for k in range(1, int(top / 150)))
    env = (np.sin(2 * np.pi * 4 * t) > 0).astype(float)
    hiss = np.diff(rng.standard_normal(len(t) + 1)) * 0.3 * (np.sin(2 * np.pi * 4 * t + 2) > 0.6)
    x = voiced * env + hiss
    return (0.05 * x / np.std(x)).astype(np.float32)


def telephone(x: np.ndarray, sr: int = SR) -> np.ndarray:
    return soxr.resample(soxr.resample(x, sr, 8000), 8000, sr).astype(np.float32)


@pytest.mark.parametrize("sr", [16000, 44100, 48000])
@pytest.mark.parametrize("seed", [0, 1])
def test_wideband_is_not_band_limited_and_telephone_is(sr, seed):
    x = wideband_speech(sr, seed=seed)
    noise = 0.003 * np.random.default_rng(seed).standard_normal(len(x)).astype(np.float32)
    assert not is_band_limited(x, sr)
    assert not is_band_limited(x + noise, sr)
    assert is_band_limited(telephone(x, sr), sr)
    m = BandwidthMeter(sr)
    m.update(telephone(x, sr))
    assert m.high_band_db() < THRESHOLD_DB - 20  # far from the threshold, not near it


def test_an_8_khz_signal_is_band_limited_by_its_rate():
    assert is_band_limited(wideband_speech(8000), 8000)


def test_blockwise_equals_one_shot_and_short_or_silent_input_is_not_judged():
    x = telephone(wideband_speech())
    m = BandwidthMeter(SR)
    for i in range(0, len(x), 999):
        m.update(np.stack([x[i : i + 999], x[i : i + 999]]))  # (C, T) blocks
    one = BandwidthMeter(SR)
    one.update(x)
    assert m.high_band_db() == pytest.approx(one.high_band_db())
    assert not is_band_limited(np.zeros(SR * 2, np.float32), SR)
    assert not is_band_limited(telephone(wideband_speech())[:4000], SR)  # 0.25 s: too short to tell


def test_neural_models_warn_and_name_mmse_lsa(tmp_path, capsys):
    x = telephone(wideband_speech(seconds=2.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hush.enhance(x, SR, "default")
        hush.enhance(wideband_speech(seconds=2.0), SR, "default")  # wideband: no warning
        hush.enhance(x, SR, "mmse-lsa")  # the method that helps: no warning
    msgs = [str(w.message) for w in caught]
    assert len(msgs) == 1 and "band-limited" in msgs[0] and "-m mmse-lsa" in msgs[0]
    sf.write(tmp_path / "call.wav", soxr.resample(x, SR, 8000), 8000, subtype="PCM_16")
    assert main(["enhance", str(tmp_path / "call.wav"), "-o", str(tmp_path / "out"), "-q"]) == 0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "band-limited" in ln]
    assert len(lines) == 1 and "call.wav" in lines[0] and "-m mmse-lsa" in lines[0]


def test_a_model_file_can_declare_that_it_handles_band_limited_input(tmp_path):
    model = build_model("erbdf", **get("erbdf").tiny_config())
    x = telephone(wideband_speech(seconds=2.0))
    for flag, expected in ((True, 0), (False, 1)):
        path = save(model, tmp_path / f"m{flag}.pt", meta={"handles_band_limited": flag})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hush.enhance(x, SR, str(path))
        assert sum("band-limited" in str(w.message) for w in caught) == expected
