"""DNSMOS scoring of manifest records (resumable) and filtering on the scores (``hush data score / filter``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from hush.cli.main import main
from hush.data.curation.quality_scores import filter_records, parse_thresholds, score_records
from hush.data.manifest import Record, read_manifest, write_manifest
from hush.errors import HushError
from tests.helpers.signals import speech_like

SR = 16000


def _records(tmp_path, n_speech=3):
    recs = []
    for i in range(n_speech):
        p = tmp_path / f"s{i}.wav"
        sf.write(p, speech_like(seconds=1.0, seed=i), SR)
        recs.append(Record(id=f"s{i}", path=str(p), kind="speech", corpus="t", duration=1.0, sample_rate=SR))
    p = tmp_path / "n.wav"
    sf.write(p, 0.05 * np.random.default_rng(0).standard_normal(SR), SR)
    recs.append(Record(id="n", path=str(p), kind="noise", corpus="t", duration=1.0, sample_rate=SR))
    return recs


def test_scores_go_to_extra_and_the_cache_resumes(tmp_path):
    recs = _records(tmp_path)
    calls = []

    def scorer(path):
        calls.append(path)
        return {"dnsmos_sig": float(len(calls)), "dnsmos_bak": 3.0, "dnsmos_ovrl": 2.5}

    cache = tmp_path / "cache.jsonl"
    scored = score_records(recs, cache, scorer=scorer)
    assert len(calls) == 3  # speech only
    assert [r.extra["dnsmos_sig"] for r in scored[:3]] == [1.0, 2.0, 3.0]
    assert "dnsmos_sig" not in scored[3].extra
    # an interrupted run: the last cache line is cut short, so only that file is scored again
    lines = cache.read_text().splitlines()
    assert not any(json.loads(line)["path"].startswith("/") for line in lines)  # no machine-specific folder
    cache.write_text("\n".join(lines[:2] + [lines[2][:10]]) + "\n")
    calls.clear()
    again = score_records(recs, cache, scorer=scorer)
    assert calls == [recs[2].path]
    assert [r.extra["dnsmos_sig"] for r in again[:2]] == [1.0, 2.0]


def _length_scorer(path):
    """Picklable stand-in for DNSMOS: scores that depend on the file's content."""
    x, _ = sf.read(path)
    return {"dnsmos_sig": float(np.std(x)), "dnsmos_bak": float(len(x)), "dnsmos_ovrl": 1.0}


@pytest.mark.slow
def test_parallel_scoring_gives_the_serial_scores(tmp_path):
    recs = _records(tmp_path, n_speech=5)
    serial = score_records(recs, tmp_path / "a.jsonl", scorer=_length_scorer)
    parallel = score_records(recs, tmp_path / "b.jsonl", scorer=_length_scorer, jobs=2)
    assert [r.extra for r in parallel] == [r.extra for r in serial]
    assert len((tmp_path / "b.jsonl").read_text().splitlines()) == 5


def test_parallel_scoring_names_an_unreadable_file(tmp_path):
    recs = _records(tmp_path, n_speech=2)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    recs.append(Record(id="bad", path=str(bad), kind="speech", corpus="t", duration=1.0, sample_rate=SR))
    with pytest.raises(HushError, match="bad.wav"):
        score_records(recs, tmp_path / "c.jsonl", scorer=_length_scorer, jobs=2)


def test_unreadable_file_names_it(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    rec = Record(id="bad", path=str(bad), kind="speech", corpus="t", duration=1.0, sample_rate=SR)
    with pytest.raises(HushError, match="bad.wav"):
        score_records([rec], tmp_path / "c.jsonl")


def test_filter_keeps_other_kinds_and_needs_scores(tmp_path):
    recs = _records(tmp_path)
    scored = [
        r if r.kind != "speech" else Record(**{**r.__dict__, "extra": {"dnsmos_sig": 3.0 + 0.2 * i, "dnsmos_bak": 4.0}})
        for i, r in enumerate(recs)
    ]
    kept = filter_records(scored, {"dnsmos_sig": 3.1})
    assert [r.id for r in kept] == ["s1", "s2", "n"]
    assert [r.id for r in filter_records(scored, {"dnsmos_sig": 3.1, "dnsmos_bak": 4.5})] == ["n"]
    with pytest.raises(HushError, match="no dnsmos_ovrl score"):
        filter_records(scored, {"dnsmos_ovrl": 2.0})
    assert parse_thresholds(["dnsmos_sig=3.2"]) == {"dnsmos_sig": 3.2}
    with pytest.raises(HushError, match="SCORE=VALUE"):
        parse_thresholds(["dnsmos_sig>3"])


def test_cli_score_then_filter_drops_the_noisy_recording(tmp_path):
    """Real DNSMOS: a noisy recording gets a lower BAK than the same speech clean, and the filter drops it."""
    clean = speech_like(seconds=3.0, seed=4)
    noisy = clean + 0.3 * np.std(clean) * np.random.default_rng(1).standard_normal(len(clean))
    recs = []
    for name, x in (("clean", clean), ("noisy", noisy)):
        p = tmp_path / f"{name}.wav"
        sf.write(p, x.astype(np.float32), SR)
        recs.append(Record(id=name, path=str(p), kind="speech", corpus="t", duration=3.0, sample_rate=SR))
    write_manifest(recs, tmp_path / "m.jsonl")
    assert (
        main(["data", "score", str(tmp_path / "m.jsonl"), "-o", str(tmp_path / "scored.jsonl"), "-q", "--windows", "1"])
        == 0
    )
    scored = {r.id: r.extra for r in read_manifest(tmp_path / "scored.jsonl")}
    assert scored["noisy"]["dnsmos_bak"] < scored["clean"]["dnsmos_bak"] - 0.5
    assert len((tmp_path / "scored.jsonl.cache").read_text().splitlines()) == 2
    mid = (scored["noisy"]["dnsmos_bak"] + scored["clean"]["dnsmos_bak"]) / 2
    assert (
        main(
            [
                "data",
                "filter",
                str(tmp_path / "scored.jsonl"),
                "-o",
                str(tmp_path / "kept.jsonl"),
                "--min",
                f"dnsmos_bak={mid}",
            ]
        )
        == 0
    )
    assert [r.id for r in read_manifest(tmp_path / "kept.jsonl")] == ["clean"]
    assert json.loads((tmp_path / "kept.jsonl").read_text())["extra"]["dnsmos_bak"] == scored["clean"]["dnsmos_bak"]
    assert main(["data", "score", str(tmp_path / "m.jsonl"), "-o", str(tmp_path / "y.jsonl"), "--jobs", "0"]) != 0
    # a filter without scores is a one-line error and a non-zero exit
    assert (
        main(["data", "filter", str(tmp_path / "m.jsonl"), "-o", str(tmp_path / "x.jsonl"), "--min", "dnsmos_bak=1"])
        != 0
    )
