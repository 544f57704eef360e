"""A silent or constant enhanced file where the reference has speech is a failure, never a missing score."""

import json

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.cli import main
from hush.metrics.degenerate import WORST, degenerate_output
from hush.metrics.sdr import DB_LIMIT
from tests.helpers.signals import speech_like

METRICS = "si_sdr,snr,seg_snr,stoi"


@pytest.fixture
def folders(tmp_path):
    """Three utterances; the enhanced a.wav is perfect, b.wav all zeros, c.wav a constant offset."""
    for i, name in enumerate("abc"):
        s = speech_like(seconds=1.5, seed=i)
        (tmp_path / "clean").mkdir(exist_ok=True)
        (tmp_path / "enh").mkdir(exist_ok=True)
        sf.write(tmp_path / "clean" / f"{name}.wav", s, 16000, subtype="FLOAT")
        out = {"a": s, "b": np.zeros_like(s), "c": np.full_like(s, 0.1)}[name]
        sf.write(tmp_path / "enh" / f"{name}.wav", out, 16000, subtype="FLOAT")
    return tmp_path


def test_detector():
    s = speech_like(seconds=0.5)
    assert degenerate_output(s, np.zeros_like(s)) == "silent"
    assert degenerate_output(s, np.full_like(s, -0.3)) == "constant"
    assert degenerate_output(s, 0.01 * s) is None
    assert degenerate_output(np.zeros_like(s), np.zeros_like(s)) is None  # nothing to miss


def test_silent_outputs_count_with_the_worst_value_and_warn_once(folders, capsys):
    js = folders / "s.json"
    argv = ["evaluate", "--clean", str(folders / "clean"), "--enhanced", str(folders / "enh"), "-q"]
    assert main([*argv, "--metrics", METRICS, "--json", str(js)]) == 0
    out, err = capsys.readouterr()
    warnings = [ln for ln in err.splitlines() if "warning" in ln]
    assert len(warnings) == 1 and "2 of 3 enhanced file(s) are silent or constant" in warnings[0]
    doc = json.loads(js.read_text())
    assert doc["failed_outputs"] == {"b": "silent", "c": "constant"}
    # the perfect file scores DB_LIMIT, the two failures -DB_LIMIT: the mean is no longer 100
    assert doc["mean"]["si_sdr"] == pytest.approx((DB_LIMIT - 2 * DB_LIMIT) / 3)
    assert doc["mean"]["stoi"] == pytest.approx((1.0 + 2 * WORST["stoi"]) / 3, abs=1e-3)
    assert "n_silent" in out
    assert main([*argv, "--metrics", METRICS, "--strict"]) == 1


def test_api_scores_a_silent_output_worst():
    s = speech_like(seconds=1.0)
    scores = hush.evaluate(s, np.zeros_like(s), 16000, metrics=["si_sdr", "stoi"])
    assert scores == {"si_sdr": -DB_LIMIT, "stoi": 0.0}
