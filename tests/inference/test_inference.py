import tracemalloc

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.audio import read
from hush.dsp import StreamingISTFT, StreamingSTFT, istft, stft
from hush.errors import AudioError
from hush.inference import ChunkedOffline, enhance_array, enhance_file
from hush.methods import Enhancer, StreamProcessor


class _SpectralGainStream(StreamProcessor):
    def __init__(self, gain, n_fft, hop):
        self.gain, self.ana, self.syn = gain, StreamingSTFT(n_fft, hop), StreamingISTFT(n_fft, hop)
        self.delay = self.syn.delay

    def process(self, chunk):
        f = self.ana.push(chunk)
        return self.syn.push(self.gain * f) if len(f) else np.zeros(0)

    def flush(self):
        return self.syn.push(self.gain * self.ana.flush())


class SpectralGain(Enhancer):
    """A causal STFT-domain gain: exercises delays, resampling and framing like a real method."""

    name, causal, sample_rate = "test-gain", True, 16000
    n_fft, hop = 512, 256

    def __init__(self, gain=0.5):
        self.gain = gain

    def lookahead(self, sr):
        return self.n_fft - 1

    def min_length(self, sr):
        return self.n_fft

    def enhance(self, x, sr):
        return istft(self.gain * stft(x, self.n_fft, self.hop), len(x), self.n_fft, self.hop).astype(np.float32)

    def stream(self, sr):
        return _SpectralGainStream(self.gain, self.n_fft, self.hop)


class NonCausalEcho(Enhancer):
    """Declared non-causal (no stream()), so files go through overlapping chunks; linear, so the crossfade
    must reproduce the whole-signal output exactly."""

    name, causal, sample_rate = "test-noncausal", False, None

    def enhance(self, x, sr):
        return x.astype(np.float32) * 0.5


def test_enhance_array_shapes_and_layouts(speech):
    m = SpectralGain()
    y = hush.enhance(speech, 16000, method=m)
    assert y.shape == speech.shape
    np.testing.assert_allclose(y, 0.5 * speech, atol=1e-6)
    stereo = np.stack([speech, -speech])
    assert hush.enhance(stereo, 16000, method=m).shape == (2, len(speech))
    ys = hush.enhance(stereo.T, 16000, method=m)  # soundfile layout in, same layout out
    assert ys.shape == (len(speech), 2)
    np.testing.assert_allclose(ys[:, 1], -0.5 * speech, atol=1e-6)


@pytest.mark.parametrize("sr", [8000, 22050, 44100, 48000, 96000])
def test_any_rate_is_resampled_to_the_method_and_back(sr):
    t = np.arange(sr) / sr
    x = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    y = hush.enhance(x, sr, method=SpectralGain())
    assert y.shape == x.shape
    mid = slice(sr // 10, -sr // 10)
    np.testing.assert_allclose(y[mid], 0.5 * x[mid], atol=2e-3)


def test_bad_arrays_raise():
    m = SpectralGain()
    with pytest.raises(AudioError, match="too short"):
        hush.enhance(np.zeros(100, np.float32), 16000, method=m)
    with pytest.raises(AudioError, match="NaN"):
        hush.enhance(np.full(2000, np.nan, np.float32), 16000, method=m)
    with pytest.warns(UserWarning, match="silent"):
        hush.enhance(np.zeros(2000, np.float32), 16000, method=m)


@pytest.mark.parametrize("channels", [1, 2, 5])
def test_file_equals_array_at_native_rate(tmp_path, speech, channels):
    x = np.stack([speech * (0.5 + 0.1 * c) for c in range(channels)])
    sf.write(tmp_path / "in.wav", x.T, 16000, subtype="FLOAT")
    enhance_file(tmp_path / "in.wav", tmp_path / "out.wav", SpectralGain(), block_seconds=0.3)
    y, sr = read(tmp_path / "out.wav")
    assert sr == 16000 and y.shape == x.shape
    np.testing.assert_allclose(y, enhance_array(x, 16000, SpectralGain()), atol=1e-6)
    assert sf.info(tmp_path / "out.wav").subtype == "FLOAT"


@pytest.mark.parametrize("sr,subtype", [(44100, "PCM_16"), (8000, "PCM_24"), (48000, "PCM_16")])
def test_file_other_rates_keep_rate_subtype_and_length(tmp_path, sr, subtype):
    t = np.arange(int(1.3 * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * 250 * t)
    sf.write(tmp_path / "in.flac", np.stack([x, x]).T, sr, subtype=subtype)
    enhance_file(tmp_path / "in.flac", tmp_path / "out.flac", SpectralGain(), block_seconds=0.25)
    info = sf.info(tmp_path / "out.flac")
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (sr, 2, len(x), subtype)
    y, _ = read(tmp_path / "out.flac")
    ref = enhance_array(np.stack([x, x]).astype(np.float32), sr, SpectralGain())
    err = y - ref
    assert 10 * np.log10(np.sum(ref**2) / np.sum(err**2)) > 40  # streaming resampler vs offline resampler


def test_file_refuses_to_overwrite_input_or_existing_output(tmp_path, speech):
    p = tmp_path / "a.wav"
    sf.write(p, speech, 16000)
    with pytest.raises(AudioError, match="overwrite the input"):
        enhance_file(p, p, SpectralGain(), overwrite=True)
    out = tmp_path / "b.wav"
    out.write_bytes(b"keep me")
    with pytest.raises(AudioError, match="exists"):
        enhance_file(p, out, SpectralGain())
    assert out.read_bytes() == b"keep me"
    enhance_file(p, out, SpectralGain(), overwrite=True)
    assert read(out)[0].shape[1] == len(speech)


def test_failed_file_leaves_nothing_behind(tmp_path, speech):
    x = speech.copy()
    x[-100] = np.inf
    sf.write(tmp_path / "inf.wav", x, 16000, subtype="FLOAT")
    out = tmp_path / "out"
    with pytest.raises(AudioError, match="inf.wav: contains NaN or Inf"):
        enhance_file(tmp_path / "inf.wav", out / "inf.wav", SpectralGain(), block_seconds=0.5)
    assert list(out.iterdir()) == []


def test_loud_output_is_scaled_not_clipped(tmp_path, speech):
    x = speech / np.abs(speech).max() * 0.9
    sf.write(tmp_path / "a.wav", x, 16000, subtype="PCM_16")
    res = enhance_file(tmp_path / "a.wav", tmp_path / "b.wav", SpectralGain(gain=2.0))
    y, _ = read(tmp_path / "b.wav")
    assert np.abs(y).max() < 1.0 and any("scaled" in w for w in res.warnings)


def test_long_file_uses_bounded_memory(tmp_path):
    sr, minutes = 16000, 12
    with sf.SoundFile(tmp_path / "long.wav", "w", sr, 1, subtype="PCM_16") as f:
        rng = np.random.RandomState(0)
        for _ in range(minutes * 6):
            f.write(0.1 * rng.randn(sr * 10))
    whole_f64 = minutes * 60 * sr * 8
    tracemalloc.start()
    enhance_file(tmp_path / "long.wav", tmp_path / "out.wav", SpectralGain(), block_seconds=5.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < whole_f64 / 4, f"peak {peak / 1e6:.0f} MB for a {whole_f64 / 1e6:.0f} MB float64 file"
    assert sf.info(tmp_path / "out.wav").frames == minutes * 60 * sr


def test_chunked_offline_matches_whole_for_short_and_crossfades_long():
    m = NonCausalEcho()
    x = np.random.RandomState(0).randn(10_000).astype(np.float32)
    proc = ChunkedOffline(m, 16000, chunk=4000, overlap=500)
    y = np.concatenate([proc.process(x[i : i + 777]) for i in range(0, len(x), 777)] + [proc.flush()])
    assert len(y) == len(x)
    np.testing.assert_allclose(y, 0.5 * x, atol=1e-6)  # a linear method is unchanged by crossfading
    short = ChunkedOffline(m, 16000, chunk=40_000, overlap=500)
    ys = np.concatenate([short.process(x), short.flush()])
    np.testing.assert_allclose(ys, m.enhance(x, 16000))


def test_load_model_is_the_deprecated_name_of_load_method():
    with pytest.warns(DeprecationWarning, match="load_method"):
        enh = hush.load_model("wiener", mix=0.5)
    assert type(enh) is type(hush.load_method("wiener", mix=0.5))
