"""Cleaned training targets (``hush data clean-targets``, ``Record.target_path``) on generated audio."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hush.cli.main import main
from hush.data.curation.targets import clean_targets, target_file
from hush.data.manifest import Record, read_manifest, write_manifest
from hush.data.mixing.mixtures import MixConfig, MixingDataset
from hush.errors import HushError
from tests.helpers.corpus import make_record
from tests.helpers.signals import SR, harmonic, pink

FLOOR_DB = -50.0  # dBFS RMS of the recording's own background


def _voiced_with_pauses(seed: int) -> np.ndarray:
    """0.6 s silence, 1.5 s voiced, 0.6 s silence, 1.2 s voiced, 0.6 s silence: a read utterance."""
    z = np.zeros(int(0.6 * SR), np.float32)
    return np.concatenate([z, harmonic(1.5, 130, seed), z, harmonic(1.2, 140, seed + 1), z])


def _write_recordings(root: Path) -> tuple[list[Record], dict[str, np.ndarray]]:
    """Two speakers' "clean" recordings, each with a stationary white floor at FLOOR_DB under the speech."""
    recs, dry = [], {}
    rng = np.random.default_rng(11)
    for i, spk in enumerate(("s1", "s2")):
        x = _voiced_with_pauses(20 + i)
        floor = rng.standard_normal(len(x)) * 10 ** (FLOOR_DB / 20)
        p = root / "speech" / spk / f"u{i}.wav"
        p.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(p), (x + floor).astype(np.float32), SR, subtype="FLOAT")
        recs.append(make_record(p, "speech", speaker=spk))
        dry[str(p)] = x
    n = root / "noise" / "pink" / "n.wav"
    n.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(n), pink(3 * SR, 5), SR)
    recs.append(make_record(n, "noise", category="pink"))
    return recs, dry


def _pause_db(x: np.ndarray) -> float:
    """RMS in dBFS of the first 0.5 s (a pause of :func:`_voiced_with_pauses`)."""
    return 10 * np.log10(np.mean(np.asarray(x[: SR // 2], np.float64) ** 2) + 1e-30)


@pytest.fixture
def cleaned(tmp_path):
    recs, dry = _write_recordings(tmp_path / "corpus")
    out = clean_targets(recs, tmp_path / "targets", tmp_path / "corpus")
    return tmp_path, recs, out, dry


def test_cleaned_target_removes_the_recording_floor_and_keeps_the_speech(cleaned):
    _, recs, out, dry = cleaned
    speech = [r for r in out if r.kind == "speech"]
    assert all(r.target_path for r in speech) and all(r.target_path is None for r in out if r.kind == "noise")
    for r in speech:
        x, _ = sf.read(r.path, dtype="float32")
        t, sr = sf.read(r.target_path, dtype="float32")
        assert sr == SR and t.shape == x.shape
        assert _pause_db(x) == pytest.approx(FLOOR_DB, abs=0.5)
        assert _pause_db(t) < FLOOR_DB - 10  # the floor is at least 10 dB lower in the pauses
        s = dry[r.path].astype(np.float64)
        voiced = np.abs(s) > 0
        # The speech itself is kept: little change where it is, and no level change.
        err = np.sum((t[voiced] - s[voiced]) ** 2)
        assert 10 * np.log10(np.sum(s**2) / err) > 15
        assert 10 * np.log10(np.sum(t[voiced] ** 2) / np.sum(s**2)) == pytest.approx(0.0, abs=0.5)


def test_target_paths_survive_a_manifest_roundtrip_and_a_rerun_reuses_the_files(cleaned):
    tmp, recs, out, _ = cleaned
    write_manifest(out, tmp / "m" / "t.jsonl")
    back = read_manifest(tmp / "m" / "t.jsonl")
    assert [r.target_path for r in back] == [r.target_path for r in out]
    assert all(not os.path.isabs(line.split('"target_path": ')[1].split('"')[1]) for line in
               (tmp / "m" / "t.jsonl").read_text().splitlines() if '"target_path": "' in line)
    first = out[0].target_path
    stamp = os.stat(first).st_mtime_ns
    again = clean_targets(recs, tmp / "targets", tmp / "corpus")
    assert [r.target_path for r in again] == [r.target_path for r in out]
    assert os.stat(first).st_mtime_ns == stamp
    assert target_file(recs[0].path, tmp / "corpus", tmp / "targets") == Path(first)


def test_mixing_trains_towards_the_cleaned_target_from_the_recording(cleaned):
    _, _, out, _ = cleaned
    speech = [r for r in out if r.kind == "speech"]
    noise = [r for r in out if r.kind == "noise"]
    seconds = sf.info(speech[0].path).duration  # one whole file per item: offset 0
    cfg = MixConfig(segment_seconds=seconds, epoch_size=4, seed=1, n_noises=(1, 1))
    plain = MixingDataset([replace(r, target_path=None) for r in speech], noise, cfg)
    clean = MixingDataset(speech, noise, cfg)
    for i in range(len(clean)):
        a, b = plain[i], clean[i]
        assert a["speech_files"] == b["speech_files"] and a["noise_files"] == b["noise_files"]
        np.testing.assert_allclose(b["noisy"], b["clean"] + b["noise"], atol=1e-6)
        rec = next(r for r in speech if r.path == b["speech_files"])
        src, _ = sf.read(rec.path, dtype="float32")
        tgt, _ = sf.read(rec.target_path, dtype="float32")
        ga, gb = 10 ** (float(a["gain_db"]) / 20), 10 ** (float(b["gain_db"]) / 20)
        np.testing.assert_allclose(a["clean"].numpy() / ga, src, atol=1e-5)  # before: the recording
        np.testing.assert_allclose(b["clean"].numpy() / gb, tgt, atol=1e-5)  # now: its cleaned copy
        # The input is still the recording plus the same noise draw (rescaled to the SNR of the target).
        added = b["noisy"].numpy() / gb - src
        ref = a["noise"].numpy() / ga
        assert np.corrcoef(added, ref)[0, 1] > 0.999
        # So the residual the model must remove now holds the recording's floor.
        np.testing.assert_allclose(b["noise"].numpy() / gb - added, src - tgt, atol=1e-5)
        assert abs(10 * np.log10(np.sum(tgt.astype(np.float64) ** 2) / np.sum(added.astype(np.float64) ** 2))
                   - float(b["snr_db"])) < 0.01


def test_a_target_of_another_length_is_named(cleaned):
    tmp, _, out, _ = cleaned
    speech = [r for r in out if r.kind == "speech"]
    bad = tmp / "short.wav"
    sf.write(str(bad), np.zeros(SR, np.float32), SR)
    broken = [replace(speech[0], target_path=str(bad))]
    ds = MixingDataset(broken, [r for r in out if r.kind == "noise"], MixConfig(segment_seconds=1.0, epoch_size=2))
    with pytest.raises(HushError, match="short.wav: target has 16000 samples"):
        ds[0]


def test_cli_clean_targets_writes_the_manifest_and_names_a_bad_file(tmp_path, capsys):
    recs, _ = _write_recordings(tmp_path / "corpus")
    write_manifest(recs, tmp_path / "m.jsonl")
    rc = main(["data", "clean-targets", str(tmp_path / "m.jsonl"), "-o", str(tmp_path / "t.jsonl"),
               "--dir", str(tmp_path / "tg"), "-q"])
    assert rc == 0
    back = read_manifest(tmp_path / "t.jsonl")
    assert sum(bool(r.target_path) for r in back) == 2
    assert all(Path(r.target_path).is_file() for r in back if r.target_path)
    # A corrupt recording: one line naming it, non-zero exit.
    (tmp_path / "corpus" / "speech" / "s1" / "u0.wav").write_bytes(b"not audio")
    rc = main(["data", "clean-targets", str(tmp_path / "m.jsonl"), "-o", str(tmp_path / "t2.jsonl"),
               "--dir", str(tmp_path / "tg2"), "-q"])
    assert rc != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert any("u0.wav" in line for line in err)
    assert not (tmp_path / "t2.jsonl").exists()
