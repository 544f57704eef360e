"""`hush tag` and `hush.tag` with the shipped weights: generated signals get sensible labels, bad input one error
line naming the file."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch

import hush
from hush.cli import main
from hush.errors import AudioError, MethodError
from hush.tagging import N_CLASSES, class_list, load_tagger
from hush.tagging.features import Resampler


def sine(sr=16000, seconds=3.0, f=1000.0):
    t = np.arange(int(sr * seconds)) / sr
    return (0.1 * np.sin(2 * np.pi * f * t)).astype(np.float32)


def test_class_list():
    classes = class_list()
    assert len(classes) == N_CLASSES and classes[0].name == "Speech" and classes[500].name == "Silence"


TONE = {"Sine wave", "Beep, bleep"}  # a 10 s tone is "Sine wave" first, a 3 s one "Beep, bleep"


def test_tag_names_a_sine_and_white_noise():
    assert hush.tag(sine(44100, 10.0), 44100).tags[0].name == "Sine wave"
    res = hush.tag(sine(), 16000)
    assert {t.name for t in res.tags[:2]} == TONE
    assert len(res.tags) == 5 and res.probabilities.shape == (N_CLASSES,)
    assert [t.probability for t in res.tags] == sorted((t.probability for t in res.tags), reverse=True)
    noise = np.random.default_rng(0).normal(0, 0.05, 48000).astype(np.float32)
    names = [t.name for t in hush.tag(noise, 16000).tags]
    assert {"White noise", "Static", "Noise"} & set(names)


def test_stereo_int16_and_timeline():
    x = (np.stack([sine(), sine()], axis=1) * 32767).astype(np.int16)  # soundfile's (T, C)
    res = hush.tag(x, 16000, top=3, timeline=True)
    assert len(res.timeline) == 3 and all(len(row) == 3 for row in res.timeline)
    assert res.tags[0].name in TONE
    assert all(row[0].name in TONE for row in res.timeline)


def test_long_input_is_tagged_in_windows():
    x = np.concatenate([sine(seconds=12.0), np.zeros(16000 * 12, np.float32)])
    res = hush.tag(x, 16000)
    assert {"Sine wave", "Silence"} <= {t.name for t in res.tags}


@pytest.mark.parametrize(
    ("audio", "sr", "match"),
    [
        (np.zeros(0, np.float32), 16000, "no samples"),
        (np.full(100, np.nan, np.float32), 16000, "NaN"),
        (np.zeros(1000, np.float32), 1000, "sample rate"),
        (np.zeros((2, 2, 2), np.float32), 16000, "1-D or 2-D"),
    ],
)
def test_bad_arrays_are_one_line_errors(audio, sr, match):
    with pytest.raises(AudioError, match=match) as err:
        hush.tag(audio, sr)
    assert "\n" not in str(err.value)


def test_cli_text_json_and_bad_files(tmp_path, capsys):
    good = tmp_path / "tone.wav"
    sf.write(good, sine(), 16000)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"not audio at all")
    rc = main(["tag", str(good), str(bad), str(tmp_path / "missing.flac"), "--top", "2"])
    out, err = capsys.readouterr()
    assert rc == 1
    assert out.splitlines()[0] == str(good) and out.splitlines()[1].split("  ")[-1].strip() in TONE
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "broken.wav" in lines[0] and "missing.flac" in lines[1]
    assert main(["tag", str(good), "--json", "--timeline"]) == 0
    doc = json.loads(capsys.readouterr().out)
    entry = doc["files"][0]
    assert entry["file"] == str(good) and entry["seconds"] == 3.0 and doc["errors"] == []
    assert len(entry["tags"]) == 5 and len(entry["timeline"]) == 3
    assert entry["timeline"][1]["second"] == 1 and entry["tags"][0]["name"] in TONE


def test_weights_that_do_not_fit_are_refused(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"features.0.0.weight": torch.zeros(3)}, path)
    with pytest.raises(MethodError, match="w.pt: weights do not fit"):
        load_tagger(path)
    (tmp_path / "x.pt").write_bytes(b"junk")
    with pytest.raises(MethodError, match="x.pt: not a tagger weights file"):
        load_tagger(tmp_path / "x.pt")
    assert main(["tag", str(tmp_path / "a.wav"), "--tagger", str(tmp_path / "nope.pt")]) == 1


def test_torch_resampler_keeps_a_tone_in_band():
    rs = Resampler(16000, 32000)
    x = torch.from_numpy(sine(seconds=1.0, f=3000.0))[None]
    y = rs(x)
    assert y.shape[-1] == 32000
    t = np.arange(32000) / 32000
    ref = 0.1 * np.sin(2 * np.pi * 3000 * t)
    assert np.abs(y[0, 200:-200].numpy() - ref[200:-200]).max() < 2e-3  # 16 zero crossings: edges aside, exact
