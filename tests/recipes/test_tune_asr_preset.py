"""The ASR-preset tuner's bookkeeping: WER pooled per SNR, the admissibility rule and the choice."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tuner():
    spec = importlib.util.spec_from_file_location("tune", ROOT / "recipes" / "common" / "tune_asr_preset.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _scores(errors, words):
    return [{"wer_errors": float(e), "wer_words": float(n)} for e, n in zip(errors, words, strict=True)]


def test_wer_is_pooled_per_snr(tuner):
    row = tuner._row("x", _scores([1, 3, 2, 0], [10, 10, 5, 15]), ["0", "0", "10", "10"])
    assert row["wer"] == pytest.approx(6 / 40)
    assert row["wer_0dB"] == pytest.approx(4 / 20) and row["wer_10dB"] == pytest.approx(2 / 20)


def test_a_setting_must_not_raise_wer_at_any_snr(tuner):
    snrs = ["0", "0", "5", "5"]
    words = [10, 10, 10, 10]
    table = [
        tuner._row("unprocessed", _scores([5, 5, 4, 4], words), snrs),
        tuner._row(json.dumps({"atten_lim_db": 9.0, "mix": 1.0}), _scores([6, 6, 0, 0], words), snrs),  # 0 dB worse
        tuner._row(json.dumps({"atten_lim_db": None, "mix": 0.5}), _scores([5, 4, 3, 3], words), snrs),
        tuner._row(json.dumps({"atten_lim_db": 12.0, "mix": 0.7}), _scores([5, 5, 4, 3], words), snrs),
    ]
    assert tuner.mark_admissible(table, 0.0) == ["wer_0dB", "wer_5dB"]
    assert [r["admissible"] for r in table[1:]] == [False, True, True]
    best = tuner.choose(table)  # the lowest pooled WER among the admissible, not the lowest overall
    assert best is table[2] and tuner._label(best["setting"]) == "no limit, mix 0.5"
    tuner.mark_admissible(table, 0.06)  # a margin: at least 0.06 fewer errors per word at every SNR
    assert [r["admissible"] for r in table[1:]] == [False, False, False] and tuner.choose(table) is None
