"""WER and CER through a speech recognizer: text handling, pooling, and the evaluate/compare columns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hush.cli import main
from hush.errors import HushError
from hush.metrics.asr import error_counts, normalize, pooled_rate, read_transcripts, transcript_for

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
LIBRI = SHARED / "speech" / "librispeech"
UTTERANCES = ("19-198-0000", "19-198-0008")  # two short utterances of a held-out speaker


def test_normalize_and_transcripts(tmp_path):
    assert normalize("  Hello, world!  It's  FINE. ") == "HELLO WORLD IT'S FINE"
    p = tmp_path / "t.txt"
    p.write_text("# comment\n\nutt-1 the cat, sat\nb_2 ON THE MAT\n")
    t = read_transcripts(p)
    assert t == {"utt-1": "THE CAT SAT", "b_2": "ON THE MAT"}
    assert transcript_for("utt-1", t) == "THE CAT SAT"
    assert transcript_for("sub/0005dB_utt-1.wav", t) == "THE CAT SAT"  # the end after the last '_'
    assert transcript_for("x/b_2.flac", t) == "ON THE MAT"  # the stem first, even with a '_' in it
    assert transcript_for("other", t) is None
    p.write_text("lonely-id\n")
    with pytest.raises(HushError, match="expected '<id> <words>'"):
        read_transcripts(p)


def test_error_counts_and_pooling():
    c = error_counts("the cat sat on the mat", "the cat sit on mat")  # one substitution, one deletion
    assert c["wer_errors"] == 2 and c["wer_words"] == 6 and c["wer"] == pytest.approx(2 / 6)
    assert error_counts("a b", "")["wer"] == 1.0  # nothing recognised: every word deleted
    assert error_counts("a b", "a b c d")["wer"] == 1.0  # insertions count too
    rows = [error_counts("a b c d", "a b c d"), error_counts("e f", "x")]  # 0/4 and 2/2
    assert pooled_rate(rows, "wer") == pytest.approx(2 / 6)  # pooled, not the mean of 0 and 1
    assert np.isnan(pooled_rate([{}], "wer"))


def test_evaluate_asr_on_silence_counts_every_word_wrong(tmp_path, capsys):
    """An output with no speech in it has a WER of 1, whatever the signal metrics say."""
    pytest.importorskip("pocketsphinx")
    for d in ("clean", "enh"):
        (tmp_path / d).mkdir()
    rng = np.random.default_rng(0)
    sf.write(tmp_path / "clean" / "u1.wav", 0.1 * rng.standard_normal(16000), 16000)
    sf.write(tmp_path / "enh" / "u1.wav", np.zeros(16000), 16000)
    (tmp_path / "t.txt").write_text("u1 hello there world\n")
    out = tmp_path / "s.json"
    args = ["evaluate", "--clean", str(tmp_path / "clean"), "--enhanced", str(tmp_path / "enh")]
    assert main([*args, "--metrics", "si_sdr", "--asr", str(tmp_path / "t.txt"), "--json", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    assert doc["mean"]["wer"] == 1.0 and doc["mean"]["cer"] > 0.8  # at most a stray short word comes out
    assert doc["files"][0]["wer_words"] == 3
    assert "wer" in capsys.readouterr().out
    assert main([*args, "--metrics", "wer", "-q"]) == 1  # WER without transcripts: one up-front error
    assert "needs transcripts" in capsys.readouterr().err
    assert main([*args, "--metrics", "pesq_wb,foo", "-q"]) == 1
    assert capsys.readouterr().err.count("unknown metric") == 1


@pytest.fixture(scope="module")
def librispeech_pair(tmp_path_factory):
    """Two real utterances and their transcripts: clean, and mixed with loud white noise."""
    pytest.importorskip("pocketsphinx")
    if not LIBRI.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    root = tmp_path_factory.mktemp("asr")
    texts = read_transcripts(SHARED / "lists" / "librispeech_text.txt")
    rng = np.random.default_rng(1)
    lines = []
    for u in UTTERANCES:
        x, sr = sf.read(LIBRI / u.split("-")[0] / f"{u}.ogg", dtype="float32")
        x = 0.1 * x / np.sqrt(np.mean(x**2))
        noise = rng.standard_normal(len(x)).astype(np.float32) * np.sqrt(np.mean(x**2)) * 10 ** (5 / 20)  # -5 dB
        for d, y in (("clean", x), ("noisy", x + noise)):
            (root / d).mkdir(exist_ok=True)
            sf.write(root / d / f"m_{u}.wav", y, sr)
        lines.append(f"{u} {texts[u]}")
    (root / "t.txt").write_text("\n".join(lines) + "\n")
    return root


def test_recognizer_reads_real_speech_and_noise_hurts(librispeech_pair):
    root = librispeech_pair
    out = root / "s.json"
    args = ["--clean", str(root / "clean"), "--asr", str(root / "t.txt"), "--metrics", "si_sdr", "-q"]
    assert main(["evaluate", *args, "--enhanced", str(root / "clean"), "--json", str(out)]) == 0
    clean_wer = json.loads(out.read_text())["mean"]["wer"]
    assert clean_wer < 0.6  # an old recognizer (about 0.34 on held-out LibriSpeech), but it reads clean speech
    assert main(["evaluate", *args, "--enhanced", str(root / "noisy"), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["mean"]["wer"] > clean_wer + 0.2


def test_compare_reports_pooled_wer_with_intervals(librispeech_pair, tmp_path):
    root = librispeech_pair
    out = tmp_path / "c.json"
    assert (
        main(
            [
                "compare",
                "--clean",
                str(root / "clean"),
                "--noisy",
                str(root / "noisy"),
                "--systems",
                "wiener",
                "--metrics",
                "si_sdr",
                "--asr",
                str(root / "t.txt"),
                "--json",
                str(out),
                "-j",
                "1",
                "-q",
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text())
    for name in ("noisy", "wiener"):
        files = doc["systems"][name]["per_file"]
        pooled = sum(f["wer_errors"] for f in files) / sum(f["wer_words"] for f in files)
        assert doc["systems"][name]["mean"]["wer"] == pytest.approx(pooled)
    diff = doc["baseline_differences"]["wiener"]["wer"]
    expected = doc["systems"]["wiener"]["mean"]["wer"] - doc["systems"]["noisy"]["mean"]["wer"]
    assert diff["mean"] == pytest.approx(expected) and diff["low"] <= diff["mean"] <= diff["high"]
