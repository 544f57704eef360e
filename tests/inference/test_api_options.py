"""The Python API as a new user meets it: default destination, progress, downmix, wall time, error types, PCM."""

import time

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.methods import Enhancer
from tests.helpers.signals import mix_at_snr, speech_like

METHOD = "wiener"


@pytest.fixture
def noisy():
    s = speech_like(seconds=3.0)
    return mix_at_snr(s, np.random.RandomState(0).randn(len(s)), 5.0)


def test_enhance_file_default_destination_beside_the_input(tmp_path, noisy):
    src = tmp_path / "talk.flac"
    sf.write(src, noisy, 16000, subtype="PCM_16")
    res = hush.enhance_file(src, method=METHOD)
    assert res.dst == tmp_path / "talk_enhanced.flac" and res.dst.is_file()
    assert res.seconds > 0.0
    assert sf.info(str(res.dst)).frames == len(noisy)


def test_file_result_seconds_is_the_wall_time(tmp_path, noisy):
    class Slow(Enhancer):
        name, sample_rate = "slow", 16000

        def enhance(self, x, sr):
            time.sleep(0.3)
            return x

    src = tmp_path / "a.wav"
    sf.write(src, noisy, 16000)
    res = hush.enhance_file(src, tmp_path / "b.wav", Slow())
    assert 0.3 <= res.seconds < 5.0


class Paced(Enhancer):
    """A causal method that takes 0.4 s of wall time per second of audio (a slow model on a slow machine)."""

    name, sample_rate, causal = "paced", 16000, True

    def enhance(self, x, sr):
        time.sleep(0.4 * len(x) / sr)
        return x

    def stream(self, sr):
        from hush.methods.base import StreamProcessor

        class S(StreamProcessor):
            delay = 0

            def process(self, chunk):
                time.sleep(0.4 * len(chunk) / sr)
                return np.asarray(chunk, np.float32)

            def flush(self):
                return np.zeros(0, np.float32)

            def reset(self):
                pass

        return S()


@pytest.mark.slow
@pytest.mark.parametrize("where", ["array", "file"])
def test_progress_is_called_at_least_once_a_second(tmp_path, where):
    x = 0.1 * np.random.RandomState(1).randn(16000 * 8).astype(np.float32)  # 8 s of audio, 3.2 s of work
    calls: list[tuple[float, int, int]] = []

    def progress(done, total):
        calls.append((time.perf_counter(), done, total))

    if where == "array":
        y = hush.enhance(x, 16000, Paced(), progress=progress)
        np.testing.assert_allclose(y, x, atol=1e-6)
    else:
        sf.write(tmp_path / "a.wav", x, 16000, subtype="FLOAT")
        hush.enhance_file(tmp_path / "a.wav", tmp_path / "b.wav", Paced(), progress=progress)
    assert calls[0][1:] == (0, len(x)) and calls[-1][1:] == (len(x), len(x))
    done = [c[1] for c in calls]
    assert done == sorted(done) and all(c[2] == len(x) for c in calls)
    gaps = np.diff([c[0] for c in calls])
    assert gaps.max() < 1.0, gaps.max()


def test_progress_leaves_a_causal_method_output_unchanged(noisy):
    calls = []
    y0 = hush.enhance(noisy, 16000, METHOD)
    y1 = hush.enhance(noisy, 16000, METHOD, progress=lambda d, t: calls.append(d))
    np.testing.assert_allclose(y1, y0, atol=1e-5)
    assert calls[0] == 0 and calls[-1] == len(noisy) and len(calls) >= 3


class Counting(Enhancer):
    name, sample_rate = "counting", None

    def __init__(self):
        self.samples = 0

    def enhance(self, x, sr):
        self.samples += len(x)
        return 0.5 * x


def test_downmix_enhances_the_channel_mean_once(noisy):
    stereo = np.stack([noisy, 0.5 * noisy])  # (C, T)
    m = Counting()
    y = hush.enhance(stereo.T, 16000, m, downmix=True)  # soundfile's (T, C)
    assert y.shape == (len(noisy),) and m.samples == len(noisy)
    np.testing.assert_allclose(y, 0.5 * stereo.mean(axis=0), atol=1e-6)
    both = hush.enhance(stereo, 16000, Counting(), downmix=True, keep_channels=True)
    assert both.shape == stereo.shape
    np.testing.assert_array_equal(both[0], both[1])
    with pytest.raises(ValueError, match="keep_channels"):
        hush.enhance(stereo, 16000, Counting(), keep_channels=True)


def test_downmix_file_writes_mono_or_copies(tmp_path, noisy):
    src = tmp_path / "st.wav"
    sf.write(src, np.stack([noisy, 0.5 * noisy], axis=1), 16000, subtype="FLOAT")
    m = Counting()
    res = hush.enhance_file(src, tmp_path / "m.wav", m, downmix=True)
    assert sf.info(str(res.dst)).channels == 1 and m.samples == len(noisy)
    res = hush.enhance_file(src, tmp_path / "c.wav", Counting(), downmix=True, keep_channels=True)
    y, _ = sf.read(res.dst, always_2d=True)
    assert y.shape == (len(noisy), 2)
    np.testing.assert_allclose(y[:, 0], 0.75 * 0.5 * noisy, atol=1e-6)


def test_errors_are_also_the_builtin_types(tmp_path, noisy):
    with pytest.raises(FileNotFoundError):
        hush.enhance_file(tmp_path / "missing.wav", tmp_path / "out.wav", METHOD)
    with pytest.raises(ValueError):
        hush.enhance(noisy, 16000, method="no-such-method")
    with pytest.raises(ValueError):
        hush.enhance(noisy, 16000, METHOD, mix=2.0)
    with pytest.raises(ValueError):
        hush.enhance(noisy, 123, METHOD)
    with pytest.raises(FileNotFoundError):
        hush.load_method(str(tmp_path / "missing.pt"))
    with pytest.raises(hush.AudioError):  # and still hush's own
        hush.enhance_file(tmp_path / "missing.wav", tmp_path / "out.wav", METHOD)


def test_int16_arrays_are_scaled_from_the_integer_range(noisy):
    pcm = np.round(noisy * 32767).astype(np.int16)
    with_warnings = []
    import warnings

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        y = hush.enhance(pcm, 16000, METHOD)
        with_warnings = [str(x.message) for x in w]
    assert not any("clipped" in m for m in with_warnings), with_warnings
    y_float = hush.enhance(pcm.astype(np.float32) / 32768, 16000, METHOD)
    np.testing.assert_allclose(y, y_float, atol=1e-6)
    assert np.abs(y).max() < 1.0
    with pytest.raises(ValueError, match="int16"):
        hush.enhance(pcm.astype(np.int64), 16000, METHOD)


@pytest.mark.parametrize(
    ("src_ext", "subtype", "dst_ext", "want"),
    [
        ("flac", "PCM_24", "wav", "PCM_24"),
        ("wav", "PCM_24", "flac", "PCM_24"),
        ("wav", "FLOAT", "flac", "PCM_24"),  # FLAC has no float: its deepest
        ("wav", "FLOAT", "aiff", "FLOAT"),
        ("flac", "PCM_16", "wav", "PCM_16"),
    ],
)
def test_a_container_change_keeps_the_bit_depth(tmp_path, noisy, src_ext, subtype, dst_ext, want):
    src = tmp_path / f"in.{src_ext}"
    sf.write(src, 0.5 * noisy, 16000, subtype=subtype)
    res = hush.enhance_file(src, tmp_path / f"out.{dst_ext}", METHOD)
    assert sf.info(str(res.dst)).subtype == want
