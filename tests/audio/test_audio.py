import numpy as np
import pytest
import soundfile as sf

from hush.audio import StreamResampler, iter_blocks, probe, read, resample, validate_array, write
from hush.errors import AudioError


def tone(sr, seconds=0.5, channels=1, amp=0.5):
    t = np.arange(int(sr * seconds)) / sr
    x = amp * np.sin(2 * np.pi * 440 * t)
    return np.stack([x * (c + 1) / channels for c in range(channels)]).astype(np.float32)


@pytest.mark.parametrize(
    "ext,subtype",
    [
        ("wav", "PCM_U8"),
        ("flac", "PCM_S8"),
        ("wav", "PCM_16"),
        ("wav", "PCM_24"),
        ("wav", "PCM_32"),
        ("wav", "FLOAT"),
        ("flac", "PCM_24"),
        ("ogg", "VORBIS"),
        ("opus", "OPUS"),
        ("mp3", "MPEG_LAYER_III"),
    ],
)
def test_read_formats_and_subtypes(tmp_path, ext, subtype):
    sr = 48000 if subtype == "OPUS" else 22050
    x = tone(sr, channels=2)
    p = tmp_path / f"a.{ext}"
    sf.write(p, x.T, sr, subtype=subtype, format="OGG" if ext == "opus" else None)
    y, rate = read(p)
    assert rate == sr and y.shape[0] == 2 and y.dtype == np.float32
    assert abs(y.shape[1] - x.shape[1]) < 0.1 * sr  # lossy codecs may pad
    info = probe(p)
    assert info.channels == 2 and info.sample_rate == sr


@pytest.mark.parametrize("sr", [8000, 11025, 16000, 44100, 96000])
def test_any_rate_round_trip(tmp_path, sr):
    x = tone(sr)
    write(tmp_path / "x.wav", x, sr, subtype="FLOAT")
    y, rate = read(tmp_path / "x.wav")
    assert rate == sr
    np.testing.assert_array_equal(y, x)


def test_bad_files_raise_one_line_errors(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.wav").write_text("this is not audio\n" * 20)
    good = tmp_path / "good.wav"
    sf.write(good, tone(16000).T, 16000)
    (tmp_path / "corrupt.wav").write_bytes(good.read_bytes()[:20])
    for name, problem in [
        ("empty.wav", "empty"),
        ("text.wav", "not a recognised audio file"),
        ("corrupt.wav", ""),
        ("missing.wav", "no such file"),
    ]:
        with pytest.raises(AudioError) as e:
            read(tmp_path / name)
        msg = str(e.value)
        assert name in msg and problem in msg and "\n" not in msg


def test_nan_samples_are_reported_with_position(tmp_path):
    x = tone(16000)
    x[0, 1234] = np.nan
    sf.write(tmp_path / "nan.wav", x.T, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN or Inf samples \\(first at 1234"):
        read(tmp_path / "nan.wav")


def test_write_is_atomic_and_refuses_to_overwrite(tmp_path):
    p = tmp_path / "out.wav"
    write(p, tone(16000), 16000)
    before = p.read_bytes()
    with pytest.raises(AudioError, match="exists"):
        write(p, tone(16000, amp=0.1), 16000)
    assert p.read_bytes() == before
    # a failing write leaves neither a partial file nor a temporary one
    with pytest.raises(AudioError):
        write(tmp_path / "bad.wav", tone(16000), 16000, subtype="VORBIS")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["out.wav"]


def test_peak_protection_for_integer_formats(tmp_path):
    x = tone(16000, amp=1.6)
    gain = write(tmp_path / "loud.wav", x, 16000, subtype="PCM_16")
    y, _ = read(tmp_path / "loud.wav")
    assert gain < 1 and np.abs(y).max() < 1.0
    # scaled, not clipped: the waveform shape is preserved
    assert np.corrcoef(y[0], x[0])[0, 1] > 0.9999
    assert write(tmp_path / "loud_f.wav", x, 16000, subtype="FLOAT") == 1.0


@pytest.mark.parametrize("sr_in,sr_out", [(44100, 16000), (8000, 16000), (16000, 16000), (96000, 48000)])
def test_resample_lengths_and_stream(sr_in, sr_out):
    x = tone(sr_in, seconds=1.0, channels=2)
    y = resample(x, sr_in, sr_out)
    assert y.shape == (2, round(x.shape[1] * sr_out / sr_in))
    rs = StreamResampler(sr_in, sr_out, 2)
    parts = [rs.process(x[:, i : i + 1000]) for i in range(0, x.shape[1], 1000)] + [rs.flush()]
    z = np.concatenate(parts, axis=1)
    assert abs(z.shape[1] - y.shape[1]) <= 1
    n = min(z.shape[1], y.shape[1])
    assert np.max(np.abs(z[:, :n] - y[:, :n])) < 1e-3


def test_iter_blocks_bounded(tmp_path):
    x = tone(16000, seconds=2.0, channels=3)
    sf.write(tmp_path / "a.flac", x.T, 16000)
    blocks = list(iter_blocks(tmp_path / "a.flac", blocksize=5000))
    assert all(b.shape[1] <= 5000 and b.shape[0] == 3 for b in blocks)
    assert sum(b.shape[1] for b in blocks) == x.shape[1]


def test_validate_array_policy():
    sr = 16000
    with pytest.raises(AudioError, match="empty"):
        validate_array(np.zeros((1, 0)), sr)
    with pytest.raises(AudioError, match="NaN or Inf"):
        validate_array(np.array([[0.0, np.inf]]), sr)
    with pytest.raises(AudioError, match="too short"):
        validate_array(np.zeros((1, 10)), sr, min_length=512)
    assert "silent" in validate_array(np.zeros((1, 1000)), sr)[0]
    clipped = np.clip(tone(sr, amp=3.0), -1, 1)
    assert "clipped" in validate_array(clipped, sr)[0]
    assert validate_array(tone(sr), sr) == []
