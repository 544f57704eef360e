"""The command line, run in-process through ``hush.cli.main`` and once through ``python -m hush``."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from hush.cli import main
from tests.helpers.signals import mix_at_snr, speech_like

METHOD = "wiener"


@pytest.fixture
def corpus(tmp_path):
    """clean/ and noisy/ folders with two utterances, one in a sub-folder."""
    rng = np.random.RandomState(0)
    for name in ["a", "sub/b"]:
        s = speech_like(seconds=2.0, seed=len(name))
        for kind, x in [("clean", s), ("noisy", mix_at_snr(s, rng.randn(len(s)), 5.0))]:
            p = tmp_path / kind / f"{name}.wav"
            p.parent.mkdir(parents=True, exist_ok=True)
            sf.write(p, x, 16000, subtype="PCM_16")
    return tmp_path


def run(*args):
    return main([str(a) for a in args])


def test_enhance_folder_mirrors_names(corpus):
    out = corpus / "out"
    assert run("enhance", corpus / "noisy", "-o", out, "-m", METHOD, "-r", "-q") == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.wav")) == ["a.wav", "sub/b.wav"]
    # without --recursive only the top level is taken
    assert run("enhance", corpus / "noisy", "-o", corpus / "top", "-m", METHOD, "-q") == 0
    assert [p.name for p in (corpus / "top").rglob("*.wav")] == ["a.wav"]


def test_enhance_files_globs_suffix_and_jobs(corpus):
    out = corpus / "out"
    rc = run(
        "enhance",
        corpus / "noisy" / "a.wav",
        str(corpus / "noisy" / "sub" / "*.wav"),
        "-o",
        out,
        "--suffix",
        "_enh",
        "-m",
        METHOD,
        "--jobs",
        "2",
        "-q",
    )
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == ["a_enh.wav", "b_enh.wav"]


def test_never_overwrites_inputs_or_outputs(corpus, capsys):
    noisy = corpus / "noisy"
    before = (noisy / "a.wav").read_bytes()
    assert run("enhance", noisy / "a.wav", "-o", noisy, "-m", METHOD, "-q", "--overwrite") == 1
    assert "overwrite an input" in capsys.readouterr().err
    assert (noisy / "a.wav").read_bytes() == before
    out = corpus / "out"
    assert run("enhance", noisy / "a.wav", "-o", out, "-m", METHOD, "-q") == 0
    assert run("enhance", noisy / "a.wav", "-o", out, "-m", METHOD, "-q") == 1
    assert "output exists (use --overwrite" in capsys.readouterr().err
    assert run("enhance", noisy / "a.wav", "-o", out, "-m", METHOD, "-q", "--overwrite") == 0


def test_bad_files_one_line_each_and_the_rest_still_processed(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    s = speech_like(seconds=1.0)
    sf.write(d / "good.wav", s, 16000)
    (d / "empty.wav").write_bytes(b"")
    (d / "notes.wav").write_text("not audio at all " * 50)
    (d / "corrupt.flac").write_bytes((d / "good.wav").read_bytes()[:300])
    x = s.copy()
    x[100] = np.nan
    sf.write(d / "nan.wav", x, 16000, subtype="FLOAT")
    sf.write(d / "short.wav", s[:50], 16000)
    sf.write(d / "silent.wav", np.zeros(16000), 16000)
    sf.write(d / "clipped.wav", np.clip(s * 200, -1, 1), 16000)
    capsys.readouterr()
    rc = run("enhance", d, "-o", tmp_path / "out", "-m", METHOD, "-q")
    err = capsys.readouterr().err
    assert rc == 1
    lines = err.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("hush: error:")]
    warns = [ln for ln in lines if ln.startswith("hush: warning:")]
    for name in ["empty.wav", "notes.wav", "corrupt.flac", "nan.wav", "short.wav"]:
        assert sum(name in ln for ln in errors) == 1, (name, err)
    assert any("silent.wav" in w and "silent" in w for w in warns)
    assert any("clipped.wav" in w and "clipped" in w for w in warns)
    assert "Traceback" not in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clipped.wav", "good.wav", "silent.wav"]


def test_missing_inputs_and_unknown_method(tmp_path, capsys):
    assert run("enhance", tmp_path / "nope.wav", "-o", tmp_path / "o", "-m", METHOD, "-q") == 1
    assert "nope.wav: no such file or folder" in capsys.readouterr().err
    assert run("enhance", tmp_path, "-o", tmp_path / "o", "-m", "no-such-method", "-q") == 1
    err = capsys.readouterr().err
    assert "unknown method 'no-such-method'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("sr,channels", [(8000, 1), (22050, 2), (44100, 1), (96000, 3)])
def test_any_rate_and_channel_count(tmp_path, sr, channels):
    s = speech_like(sr=sr, seconds=1.0)
    x = np.stack([s] * channels, axis=1) + 0.01 * np.random.RandomState(0).randn(len(s), channels)
    sf.write(tmp_path / "x.flac", x, sr, subtype="PCM_24")
    assert run("enhance", tmp_path / "x.flac", "-o", tmp_path / "o", "-m", METHOD, "-q") == 0
    info = sf.info(tmp_path / "o" / "x.flac")
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (sr, channels, len(s), "PCM_24")


def test_evaluate_json_shape_and_improvement(corpus, capsys):
    out = corpus / "out"
    assert run("enhance", corpus / "noisy", "-o", out, "-m", METHOD, "-r", "-q", "--suffix", "_e") == 0
    js = corpus / "scores.json"
    rc = run(
        "evaluate",
        "--clean",
        corpus / "clean",
        "--enhanced",
        out,
        "--noisy",
        corpus / "noisy",
        "--suffix",
        "_e",
        "--json",
        js,
        "--csv",
        corpus / "s.csv",
        "--per-file",
        "-q",
        "--metrics",
        "si_sdr,snr,seg_snr",
    )
    assert rc == 0
    doc = json.loads(js.read_text())
    assert set(doc["mean"]) == {"si_sdr", "snr", "seg_snr"}
    assert [f["file"] for f in doc["files"]] == ["a", "sub/b"]
    assert doc["improvement"]["si_sdr"] > 0
    printed = capsys.readouterr().out
    assert "improvement" in printed and "si_sdr" in printed
    assert (corpus / "s.csv").read_text().startswith("file,")


def test_evaluate_length_mismatch(corpus, capsys):
    enh = corpus / "enh"
    enh.mkdir()
    a, sr = sf.read(corpus / "noisy" / "a.wav")
    sf.write(enh / "a.wav", a[:-100], sr)  # within one hop: trimmed with a warning
    (enh / "sub").mkdir()
    b, _ = sf.read(corpus / "noisy" / "sub" / "b.wav")
    sf.write(enh / "sub" / "b.wav", b[:-2000], sr)  # more than a hop: an error for that file
    rc = run("evaluate", "--clean", corpus / "clean", "--enhanced", enh, "--metrics", "si_sdr", "-q")
    err = capsys.readouterr().err
    assert rc == 1
    assert "differs from the clean file by 100 samples" in err
    assert "b.wav: length differs" in err


def test_evaluate_self_gives_infinite_snr_free_perfect_scores(corpus, capsys):
    rc = run(
        "evaluate",
        "--clean",
        corpus / "clean",
        "--enhanced",
        corpus / "clean",
        "--metrics",
        "si_sdr,estoi",
        "--json",
        corpus / "j.json",
        "-q",
    )
    assert rc == 0
    doc = json.loads((corpus / "j.json").read_text())
    assert doc["mean"]["si_sdr"] > 60 and doc["mean"]["estoi"] > 0.99


def test_list(capsys):
    assert run("list") == 0
    out = capsys.readouterr().out
    for name in ["spectral-subtraction", "wiener", "mmse-stsa", "mmse-lsa"]:
        assert name in out
    assert run("list", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"name", "kind", "description"} <= set(doc["methods"][0])
    for m in doc["methods"]:  # every registered method, whatever its kind, is in the plain listing too
        assert f"  {m['name']} " in out, m["name"]
    assert "array methods" in out and "  mvdr " in out


@pytest.mark.slow
def test_python_dash_m(tmp_path):
    r = subprocess.run([sys.executable, "-m", "hush", "list"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "wiener" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "hush", "enhance", str(tmp_path / "x.wav"), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and r.stderr.count("\n") == 2 and "Traceback" not in r.stderr
