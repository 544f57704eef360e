"""The input policy: supported sample rates, sample types, and that odd headers cannot make work grow."""

import time

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.audio.checks import MAX_RATE, MIN_RATE, as_real_audio, check_rate
from hush.audio.io import probe
from hush.audio.resample import StreamResampler, resample
from hush.cli import main
from hush.errors import AudioError
from tests.helpers.signals import speech_like


@pytest.mark.parametrize("sr", [16000, 16000.0, np.int64(8000), np.float32(96000), 44100])
def test_whole_rates_in_range_are_accepted(sr):
    assert check_rate(sr) == int(sr)
    assert isinstance(check_rate(sr), int)


@pytest.mark.parametrize("sr", [1, 100, 7999, 96001, 200000, 16000.5, float("nan"), float("inf"), True, "16000", None])
def test_other_rates_are_refused_with_one_line(sr):
    with pytest.raises(AudioError) as e:
        check_rate(sr, "x.wav")
    msg = str(e.value)
    assert msg.startswith("x.wav: ") and "\n" not in msg
    if isinstance(sr, int) and not isinstance(sr, bool):
        assert f"{MIN_RATE}-{MAX_RATE} Hz" in msg


def test_api_accepts_integral_float_rates_and_refuses_fractional_ones():
    x = speech_like(seconds=0.5)
    a = hush.enhance(x, 16000.0, method="wiener")
    b = hush.enhance(x, 16000, method="wiener")
    np.testing.assert_array_equal(a, b)
    with pytest.raises(AudioError, match="whole number"):
        hush.enhance(x, 16000.5, method="wiener")
    assert hush.Streamer("wiener", sr=48000.0).sr == 48000


def test_complex_arrays_are_refused_not_truncated():
    x = speech_like(seconds=0.5).astype(np.complex64)
    with pytest.raises(AudioError, match="complex"):
        hush.enhance(x, 16000, method="wiener")
    with pytest.raises(AudioError, match="complex"):
        hush.Streamer("wiener").process(x)
    with pytest.raises(AudioError, match="complex"):
        as_real_audio(np.zeros(4, np.complex128))
    with pytest.raises(AudioError, match="numeric"):
        as_real_audio(np.array(["a", "b"]))


@pytest.mark.parametrize("rate", [1, 4000, 200000])
def test_files_with_unsupported_rate_headers_are_refused_quickly(tmp_path, capsys, rate):
    bad, good = tmp_path / "in" / "bad.wav", tmp_path / "in" / "good.wav"
    bad.parent.mkdir()
    sf.write(bad, np.random.default_rng(0).uniform(-0.1, 0.1, 32000).astype(np.float32), rate, subtype="PCM_16")
    sf.write(good, speech_like(seconds=1.0), 16000, subtype="PCM_16")
    with pytest.raises(AudioError, match="unsupported sample rate"):
        probe(bad)
    t0 = time.perf_counter()
    rc = main(["enhance", str(bad.parent), "-o", str(tmp_path / "out"), "-m", "default", "-q"])
    assert time.perf_counter() - t0 < 30
    err = capsys.readouterr().err
    assert rc == 1
    lines = [ln for ln in err.splitlines() if "error" in ln]
    assert len(lines) == 1 and str(bad) in lines[0] and f"{rate} Hz" in lines[0]
    assert (tmp_path / "out" / "good.wav").exists()  # the later file still ran
    assert not (tmp_path / "out" / "bad.wav").exists()


def test_resampling_refuses_unbounded_ratios():
    with pytest.raises(ValueError, match="ratio"):
        resample(np.zeros(100, np.float32), 1, 16000)
    with pytest.raises(ValueError, match="ratio"):
        StreamResampler(16000, 100, 1)
    assert resample(np.zeros(800, np.float32), 8000, 96000).shape == (9600,)
