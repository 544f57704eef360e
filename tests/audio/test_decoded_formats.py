"""Phone and video formats (.m4a, .aac, .wma, .mp4) decoded through PyAV, block by block, with no system ffmpeg."""

from fractions import Fraction

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.audio import iter_blocks, probe, read
from hush.cli import main
from hush.errors import AudioError

av = pytest.importorskip("av")

SR = 16000
FORMATS = {".m4a": ("mp4", "aac"), ".aac": ("adts", "aac"), ".wma": ("asf", "wmav2"), ".mp4": ("mp4", "aac")}


def tone(seconds: float = 1.5, channels: int = 1) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    x = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.02 * np.random.default_rng(0).standard_normal(len(t))
    return np.stack([x * (1 - 0.3 * c) for c in range(channels)]).astype(np.float32)


def encode(path, x: np.ndarray, video: bool = False) -> None:
    """Write ``(C, T)`` audio with PyAV's own encoders (and, for a video, a few black frames too)."""
    fmt, codec = FORMATS[path.suffix]
    layout = "mono" if x.shape[0] == 1 else "stereo"
    with av.open(str(path), "w", format=fmt) as c:
        if video:
            v = c.add_stream("mpeg4", rate=10)
            v.width, v.height, v.pix_fmt = 32, 32, "yuv420p"
        a = c.add_stream(codec, rate=SR, layout=layout)
        a.bit_rate = 64000
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x), format="fltp", layout=layout)
        frame.rate, frame.pts, frame.time_base = SR, 0, Fraction(1, SR)
        for pkt in a.encode(frame):
            c.mux(pkt)
        for pkt in a.encode(None):
            c.mux(pkt)
        if video:
            for i in range(5):
                img = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
                img.pts = i
                for pkt in v.encode(img):
                    c.mux(pkt)
            for pkt in v.encode(None):
                c.mux(pkt)


@pytest.mark.parametrize("ext", list(FORMATS))
def test_probe_and_read_decode_the_audio(tmp_path, ext):
    x = tone(channels=2 if ext != ".wma" else 1)
    p = tmp_path / f"memo{ext}"
    encode(p, x, video=ext == ".mp4")
    info = probe(p)
    assert (info.sample_rate, info.channels) == (SR, x.shape[0])
    assert abs(info.frames - x.shape[1]) <= 2048  # encoder priming and padding
    y, sr = read(p)
    assert sr == SR and y.shape == (x.shape[0], info.frames)
    spec = np.abs(np.fft.rfft(y[0]))
    assert abs(np.argmax(spec) * SR / len(y[0]) - 440) < 5  # the tone survived the codec


def test_blocks_are_bounded(tmp_path):
    p = tmp_path / "long.m4a"
    encode(p, tone(seconds=4.0))
    blocks = list(iter_blocks(p, 4096))
    assert len(blocks) > 10 and all(b.shape[1] == 4096 for b in blocks[:-1]) and blocks[-1].shape[1] <= 4096


def test_enhance_file_writes_flac_and_says_so(tmp_path):
    p = tmp_path / "voice memo.m4a"
    encode(p, tone(channels=2))
    res = hush.enhance_file(p, method="wiener")
    assert res.dst == tmp_path / "voice memo_enhanced.flac"
    info = sf.info(str(res.dst))
    assert info.format == "FLAC" and info.channels == 2 and info.frames == probe(p).frames
    assert any("FLAC" in w and str(res.dst) in w for w in res.warnings)


def test_cli_folder_of_phone_formats(tmp_path, capsys):
    src = tmp_path / "phone"
    src.mkdir()
    for ext in FORMATS:
        encode(src / f"clip{ext.replace('.', '_')}{ext}", tone())
    assert main(["enhance", str(src), "-o", str(tmp_path / "out"), "-m", "wiener", "-q"]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["clip_aac.flac", "clip_m4a.flac", "clip_mp4.flac", "clip_wma.flac"]
    err = capsys.readouterr().err
    assert ".m4a files cannot be written; the output is FLAC" in err


def test_bad_and_audio_less_files_are_one_line_errors(tmp_path):
    bad = tmp_path / "broken.m4a"
    bad.write_bytes(b"\x00\x00\x00\x18ftypM4A " + bytes(range(256)) * 8)
    with pytest.raises(AudioError, match="broken.m4a"):
        probe(bad)
    silent_video = tmp_path / "video.mp4"
    with av.open(str(silent_video), "w", format="mp4") as c:
        v = c.add_stream("mpeg4", rate=10)
        v.width, v.height, v.pix_fmt = 32, 32, "yuv420p"
        for i in range(3):
            img = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            img.pts = i
            for pkt in v.encode(img):
                c.mux(pkt)
        for pkt in v.encode(None):
            c.mux(pkt)
    with pytest.raises(AudioError, match="holds no audio stream"):
        probe(silent_video)
