"""``hush stream``: raw PCM through a pipe (subprocess and in-process) and live mode with a stand-in sounddevice."""

from __future__ import annotations

import io
import subprocess
import sys
import types

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.cli import main
from hush.cli.stream_cmd import decode, encode
from hush.inference.streamer import Streamer
from tests.helpers.signals import mix_at_snr, speech_like

LSB = 1 / 32768


def _noisy(sr: int, seconds: float, seed: int = 1) -> np.ndarray:
    return mix_at_snr(speech_like(sr, seconds, seed=seed), np.random.RandomState(seed).randn(int(sr * seconds)), 5.0)


def _hush(*args: str, data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hush", "stream", *args], input=data, capture_output=True, timeout=300)


def test_s16le_pipe_is_aligned_and_equals_offline():
    x = np.round(_noisy(16000, 1.5) * 32768) / 32768  # exactly representable in s16
    r = _hush("-m", "wiener", data=encode(x[None], "s16le"))
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""
    y = decode(r.stdout, "s16le", 1)[0]
    assert len(y) == len(x)
    assert np.abs(y - hush.enhance(x, 16000, "wiener")).max() <= LSB  # rounding to the s16 grid: <= 0.5 LSB


def test_f32le_stereo_pipe_at_48k_equals_offline():
    x = np.stack([_noisy(48000, 0.6, seed=1), _noisy(48000, 0.6, seed=2)])
    r = _hush(
        "-m",
        "mmse-lsa",
        "--format",
        "f32le",
        "--channels",
        "2",
        "--rate",
        "48000",
        "--block-ms",
        "5",
        data=encode(x, "f32le"),
    )
    assert r.returncode == 0, r.stderr.decode()
    y = decode(r.stdout, "f32le", 2)
    assert y.shape == x.shape
    for c in range(2):
        assert np.abs(y[c] - hush.enhance(x[c], 48000, "mmse-lsa")).max() <= 1e-5


@pytest.mark.slow
def test_closed_output_pipe_exits_quietly():
    pcm = encode(_noisy(16000, 3.0)[None], "s16le")
    r = subprocess.run(
        [
            "bash",
            "-c",
            f"'{sys.executable}' -m hush stream -m wiener | head -c 100 >/dev/null; echo ${{PIPESTATUS[0]}}",
        ],
        input=pcm,
        capture_output=True,
        timeout=300,
    )
    assert r.stdout.decode().strip() == "0"
    assert r.stderr == b""


class _Args(types.SimpleNamespace):
    def __init__(self, **kw):
        super().__init__(**{"channels": 1, "format": "s16le", "rate": 16000, "block_ms": 10.0, "no_align": False, **kw})


def test_no_align_keeps_the_delay_and_a_partial_frame_is_dropped(capsys):
    from hush.cli.stream_cmd import run_pipe

    x = np.round(_noisy(16000, 0.5) * 32768) / 32768
    pcm = encode(x[None], "s16le")
    aligned, raw = io.BytesIO(), io.BytesIO()
    run_pipe(_Args(), Streamer("wiener"), io.BytesIO(pcm + b"\x01"), aligned)
    assert "dropped 1 trailing byte" in capsys.readouterr().err
    s = Streamer("wiener")
    run_pipe(_Args(no_align=True), s, io.BytesIO(pcm), raw)
    a, b = decode(aligned.getvalue(), "s16le", 1)[0], decode(raw.getvalue(), "s16le", 1)[0]
    assert len(a) == len(x) and len(b) == len(x) + s.delay
    np.testing.assert_array_equal(b[s.delay :], a)


def test_bad_format_and_rate(capsys):
    with pytest.raises(SystemExit) as e:
        main(["stream", "--format", "s24le"])
    assert e.value.code == 2 and "invalid choice: 's24le'" in capsys.readouterr().err
    assert main(["stream", "--rate", "0"]) == 1
    err = capsys.readouterr().err
    assert err == "hush: error: --rate: unsupported sample rate 0 Hz (supported: 8000-96000 Hz; resample it first)\n"


# ------------------------------------------------------------------------------------------------------- live mode


def test_live_without_sounddevice_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # `import sounddevice` raises ImportError
    assert main(["stream", "--live", "-m", "wiener"]) == 1
    assert capsys.readouterr().err == (
        "hush: error: live audio (hush stream --live) needs the optional dependencies: pip install 'hush[live]'\n"
    )


def test_live_without_portaudio_is_a_one_line_error(monkeypatch, capsys, tmp_path):
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["stream", "--input-device", "1", "-m", "wiener"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hush: error: live audio needs the PortAudio system library (PortAudio library not found)")
    assert err.count("\n") == 1


def _fake_sounddevice(signal: np.ndarray | None, played: list, missing: str | None = None) -> types.ModuleType:
    """Stand-in for sounddevice: the input device plays ``signal`` (C, T) then the user presses Ctrl-C."""
    sd = types.ModuleType("sounddevice")

    class _Stream:
        def __init__(self, samplerate, channels, dtype, blocksize, device=None, latency=None):
            if missing is not None and device == missing:
                raise ValueError(f"No input device matching {device!r}\nmore detail")
            self.pos = 0

        def start(self):
            pass

        def stop(self):
            pass

        def close(self):
            pass

    class InputStream(_Stream):
        def read(self, n):
            if self.pos >= signal.shape[1]:
                raise KeyboardInterrupt
            block = signal[:, self.pos : self.pos + n].T.astype(np.float32)
            self.pos += n
            return block, False

    class OutputStream(_Stream):
        def write(self, data):
            assert data.dtype == np.float32 and data.flags.c_contiguous
            played.append(data.copy())

    sd.InputStream, sd.OutputStream = InputStream, OutputStream
    return sd


def test_live_mode_plays_and_records_the_enhanced_stream(monkeypatch, capsys, tmp_path):
    x = np.stack([_noisy(16000, 1.0, seed=3), _noisy(16000, 1.0, seed=4)])
    played: list = []
    monkeypatch.setitem(sys.modules, "sounddevice", _fake_sounddevice(x, played))
    rec = tmp_path / "rec.wav"
    args = ["stream", "-m", "wiener", "--channels", "2", "--output-device", "0", "--record", str(rec)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "latency 32 ms" in err and "streamed 1.0 s into" in err
    y, sr = sf.read(rec, dtype="float32", always_2d=True)
    assert sr == 16000 and y.shape == (x.shape[1], 2)  # aligned with the input, same length
    s = Streamer("wiener")
    out = np.concatenate(played)  # leading cushion of silence, then the raw (delayed) stream
    cushion = s.latency - s.delay + 160
    assert out.shape == (cushion + x.shape[1] + s.delay, 2) and not out[: cushion + s.delay].any()
    for c in range(2):
        ref = hush.enhance(x[c], 16000, "wiener")
        assert np.abs(y[:, c] - ref).max() <= LSB  # PCM_16 file
        assert np.abs(out[cushion + s.delay :, c] - ref).max() <= 1e-6
    assert main(args) == 1  # the recording exists now
    assert "exists (use --overwrite" in capsys.readouterr().err


def test_live_with_a_missing_device_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", _fake_sounddevice(None, [], missing="nope"))
    assert main(["stream", "--input-device", "nope", "-m", "wiener"]) == 1
    assert capsys.readouterr().err == "hush: error: audio device: No input device matching 'nope'\n"
