"""``hush enhance``: a named output file, the output folder never read as input, help without a command."""

import numpy as np
import pytest
import soundfile as sf

from hush.cli import main
from tests.helpers.signals import mix_at_snr, speech_like

METHOD = "wiener"


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def noisy_wav(tmp_path):
    s = speech_like(seconds=1.5)
    x = mix_at_snr(s, np.random.RandomState(0).randn(len(s)), 5.0)
    p = tmp_path / "in.wav"
    sf.write(p, x, 16000, subtype="PCM_16")
    return p


def test_output_with_an_audio_extension_is_the_output_file(tmp_path, noisy_wav):
    out = tmp_path / "out.wav"
    assert run("enhance", noisy_wav, "-o", out, "-m", METHOD, "-q") == 0
    assert out.is_file()
    y, sr = sf.read(out)
    assert sr == 16000 and len(y) == sf.info(str(noisy_wav)).frames
    # another container by name: the extension picks the format
    assert run("enhance", noisy_wav, "-o", tmp_path / "sub" / "out.flac", "-m", METHOD, "-q") == 0
    assert sf.info(str(tmp_path / "sub" / "out.flac")).format == "FLAC"


def test_named_output_refuses_several_inputs_and_an_unwritable_extension(tmp_path, noisy_wav, capsys):
    second = tmp_path / "in2.wav"
    sf.write(second, np.zeros(16000, np.float32) + 0.01, 16000)
    assert run("enhance", noisy_wav, second, "-o", tmp_path / "out.wav", "-m", METHOD, "-q") == 1
    assert "names one output file" in capsys.readouterr().err
    assert not (tmp_path / "out.wav").exists()
    assert run("enhance", noisy_wav, "-o", tmp_path / "out.m4a", "-m", METHOD, "-q") == 1
    err = capsys.readouterr().err
    assert "unsupported output extension '.m4a'" in err and ".flac" in err and not (tmp_path / "out.m4a").exists()


def test_an_existing_folder_with_an_audio_extension_stays_a_folder(tmp_path, noisy_wav):
    folder = tmp_path / "take.wav"
    folder.mkdir()
    assert run("enhance", noisy_wav, "-o", folder, "-m", METHOD, "-q") == 0
    assert (folder / "in.wav").is_file()


def test_output_folder_inside_the_input_folder_is_never_an_input(tmp_path, noisy_wav):
    out = tmp_path / "enh"
    for _ in range(2):  # a rerun must not enhance the previous outputs (enh/enh/...)
        assert run("enhance", tmp_path, "-r", "-o", out, "-m", METHOD, "-q", "--overwrite") == 0
    produced = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert produced == ["in.wav"]
    assert run("enhance", str(tmp_path / "**" / "*.wav"), "-r", "-o", out, "-m", METHOD, "-q", "--overwrite") == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["in.wav"]


def test_unrecognised_file_names_the_supported_formats(tmp_path, capsys):
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio at all, " * 20)
    assert run("enhance", bad, "-o", tmp_path / "out", "-m", METHOD, "-q") == 1
    err = capsys.readouterr().err
    assert "not a recognised audio file" in err
    for ext in (".wav", ".flac", ".mp3", ".m4a", ".aac", ".wma", ".mp4"):
        assert ext in err


def test_downmix_enhances_the_mix_once(tmp_path):
    t = np.arange(32000) / 16000
    s = speech_like(seconds=2.0)
    stereo = np.stack([s + 0.01 * np.sin(2 * np.pi * 3000 * t), s], axis=1).astype(np.float32)
    src = tmp_path / "two.wav"
    sf.write(src, stereo, 16000, subtype="FLOAT")
    assert run("enhance", src, "-o", tmp_path / "mono.wav", "-m", METHOD, "--downmix", "-q") == 0
    mono, _ = sf.read(tmp_path / "mono.wav", always_2d=True)
    assert mono.shape == (32000, 1)
    assert run("enhance", src, "-o", tmp_path / "both.wav", "-m", METHOD, "--downmix", "--keep-channels", "-q") == 0
    both, _ = sf.read(tmp_path / "both.wav", always_2d=True)
    assert both.shape == (32000, 2)
    np.testing.assert_array_equal(both[:, 0], both[:, 1])
    np.testing.assert_allclose(both[:, 0], mono[:, 0], atol=1e-6)
    assert run("enhance", src, "-o", tmp_path / "x.wav", "-m", METHOD, "--keep-channels", "-q") == 1


def test_bare_hush_prints_the_help_and_succeeds(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "usage: hush" in out and "enhance" in out and "stream" in out
