"""The cluster runner's parts that need no Ray: lazy input listing, file lists, the run manifest, the local
``enhance_many`` and the command line's option checks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.cli.main import main
from hush.cluster import RunManifest, iter_inputs
from hush.errors import HushError
from hush.inference.batch import expand_inputs
from tests.helpers.signals import mix_at_snr, speech_like


def _touch(path: Path, seconds: float = 0.1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(int(16000 * seconds), np.float32), 16000)
    return path


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "in"
    for name in ["b.wav", "a.flac", "a/z.wav", "a/b/c.wav", "a.b/x.wav", "ab/y.ogg", ".hidden/h.wav", "A/k.wav"]:
        _touch(root / name)
    (root / ".dot.wav").write_bytes(b"")
    (root / "notes.txt").write_text("not audio")
    (root / "a" / "readme.md").write_text("not audio")
    return root


@pytest.mark.parametrize("recursive", [False, True])
def test_folder_listing_equals_the_local_listing_in_order(tree, recursive):
    local, errors = expand_inputs([str(tree)], recursive)
    assert not errors
    assert list(iter_inputs([str(tree)], recursive)) == local
    assert len(local) == (2 if not recursive else 8)


def test_files_globs_and_missing_inputs(tree, tmp_path):
    single = tree / "b.wav"
    entries = list(iter_inputs([str(single), str(tree / "a" / "*.wav"), str(tmp_path / "nope.wav"), str(tree / "*.x")]))
    assert entries[0] == (single, Path("b.wav"))
    assert entries[1] == (tree / "a" / "z.wav", Path("z.wav"))
    assert entries[2] == f"{tmp_path / 'nope.wav'}: no such file or folder"
    assert entries[3] == f"{tree / '*.x'}: no file matches this pattern"
    assert list(iter_inputs([str(tmp_path / "empty")])) == [f"{tmp_path / 'empty'}: no such file or folder"]


def test_output_folder_inside_the_input_is_not_listed(tree):
    _touch(tree / "out" / "b.wav")
    names = [rel for _, rel in iter_inputs([str(tree)], True, exclude=tree / "out")]
    assert Path("out/b.wav") not in names and Path("a/z.wav") in names


def test_jsonl_file_list(tree, tmp_path):
    lst = tree / "list.jsonl"
    absolute = tmp_path / "elsewhere" / "abs.wav"
    _touch(absolute)
    lines = [
        {"path": "a/z.wav"},
        {"path": str(absolute)},
        {"path": "../in/b.wav"},
        {"path": "b.wav", "output": "renamed/b2.wav"},
        {"path": "b.wav", "output": "../escape.wav"},
        {"noisy_path": "b.wav"},
    ]
    lst.write_text("\n".join(json.dumps(x) for x in lines) + "\n\nnot json\n[1, 2]\n")
    got = list(iter_inputs([str(lst)]))
    assert got[0] == (tree / "a/z.wav", Path("a/z.wav"))
    assert got[1] == (absolute, Path("abs.wav"))
    assert got[2] == (tree / "../in/b.wav", Path("b.wav"))
    assert got[3] == (tree / "b.wav", Path("renamed/b2.wav"))
    assert got[4].startswith(f"{lst}:5: output name ../escape.wav is outside the output folder")
    assert got[5] == f'{lst}:6: no "path" in this record'
    assert got[6].startswith(f"{lst}:8: not JSON")
    assert got[7] == f'{lst}:9: not a JSON object with a "path"'
    assert len(got) == 8


def test_csv_file_list(tree):
    lst = tree / "list.csv"
    lst.write_text("path,output,speaker\na/z.wav,,s1\nb.wav,o/b.wav,s2\n")
    assert list(iter_inputs([str(lst)])) == [(tree / "a/z.wav", Path("a/z.wav")), (tree / "b.wav", Path("o/b.wav"))]
    bad = tree / "bad.csv"
    bad.write_text("file\na.wav\n")
    assert list(iter_inputs([str(bad)])) == [f"{bad}: a CSV file list needs a header row with a 'path' column"]


PARAMS = {"method": "wiener", "options": {}, "suffix": ""}


def test_manifest_records_states_and_collisions(tmp_path):
    a, b, c = (_touch(tmp_path / "in" / n) for n in ("a.wav", "b.wav", "c.wav"))
    out = tmp_path / "out"
    with RunManifest.open(tmp_path / "run.sqlite", PARAMS) as m:
        assert m.add(a, out / "a.wav") is None
        assert m.add(a, out / "a.wav") is None  # listed twice: planned once
        assert (
            m.add(b, out / "a.wav") == f"{b}: output name {out / 'a.wav'} is also the output of {a}; rename one of them"
        )
        assert m.add(c, a) is None
        assert m.outputs_on_inputs() == [
            (str(c), f"{c}: output would overwrite an input file; use another -o folder or a --suffix")
        ]
        assert m.counts() == {"pending": 1, "done": 0, "failed": 2}
        (row,) = list(m.pending())
        assert (row.src, row.dst, row.attempts, row.dispatched) == (str(a), str(out / "a.wav"), 0, None)
        m.dispatched(row, 100.0)
        m.dispatched(row, 200.0)
        assert (row.attempts, row.dispatched) == (2, 100.0)  # the first dispatch time is kept
        m.done(row, 1.5, "host:1")
        assert [r[0] for r in m.failures()] == [str(b), str(c)]
    db = sqlite3.connect(tmp_path / "run.sqlite")
    assert db.execute(
        "SELECT status, audio_seconds, attempts, dispatched, worker FROM files WHERE src=?", (str(a),)
    ).fetchone() == (
        "done",
        1.5,
        2,
        100.0,
        "host:1",
    )


def test_manifest_resume_rules(tmp_path):
    path = tmp_path / "run.sqlite"
    a = _touch(tmp_path / "a.wav")
    with RunManifest.open(path, PARAMS) as m:
        m.add(a, tmp_path / "out" / "a.wav")
        (row,) = m.pending()
        m.failed(row, "a.wav: broken")
    with pytest.raises(HushError, match="manifest of an earlier run; add --resume"):
        RunManifest.open(path, PARAMS)
    with pytest.raises(HushError, match=r"the earlier run had method='wiener'"):
        RunManifest.open(path, {**PARAMS, "method": "default"}, resume=True)
    with RunManifest.open(path, PARAMS, resume=True) as m:
        assert m.counts() == {"pending": 1, "done": 0, "failed": 0}  # failed files are tried again
        with pytest.raises(HushError, match="in use by another run"):
            RunManifest.open(path, PARAMS, resume=True)
    with RunManifest.open(path, PARAMS, fresh=True) as m:
        assert m.counts() == {"pending": 0, "done": 0, "failed": 0}
    path.write_bytes(b"garbage" * 100)
    with pytest.raises(HushError, match="not a hush run manifest"):
        RunManifest.open(path, PARAMS, resume=True)


def test_enhance_many_here_returns_a_summary(tmp_path):
    (tmp_path / "in").mkdir()
    for i in range(3):
        x = mix_at_snr(speech_like(seconds=0.5 + 0.25 * i, seed=i), np.random.default_rng(i).standard_normal(16000), 5)
        sf.write(tmp_path / "in" / f"{i}.wav", x, 16000)
    (tmp_path / "in" / "bad.wav").write_bytes(b"RIFF not really")
    s = hush.enhance_many(tmp_path / "in", tmp_path / "out", method="wiener")
    assert s.files == 3 and s.audio_seconds == pytest.approx(0.5 + 0.75 + 1.0)
    ((path, reason),) = [(f.path, f.reason) for f in s.failures]
    assert path == str(tmp_path / "in" / "bad.wav")
    assert reason.startswith(f"{tmp_path / 'in' / 'bad.wav'}: not a recognised audio file")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.wav", "1.wav", "2.wav"]
    assert not s.ok and s.speed > 0
    with pytest.raises(HushError, match="resume and manifest apply to cluster runs"):
        hush.enhance_many(tmp_path / "in", tmp_path / "out2", method="wiener", resume=True)


def test_cluster_options_need_cluster(tmp_path, capsys):
    _touch(tmp_path / "a.wav")
    assert main(["enhance", str(tmp_path / "a.wav"), "-o", str(tmp_path / "o"), "-m", "wiener", "--resume"]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == "hush: error: --resume applies with --cluster"


def test_a_retry_takes_an_output_written_since_the_first_dispatch(tmp_path):
    """The worker side of a retry, in this process: an output written after the first attempt was sent is that
    attempt's (its worker died before it could reply); an older one is refused as for any run."""
    import time

    from hush.cluster.workers import EnhanceWorker

    src = tmp_path / "a.wav"
    sf.write(src, speech_like(seconds=0.5), 16000)
    worker = EnhanceWorker("wiener", 1, {}, "torch", False)
    t0 = time.time()
    first = worker.enhance(str(src), str(tmp_path / "out" / "a.wav"))
    assert first.result.ok and first.audio_seconds == pytest.approx(0.5)
    stamp = (tmp_path / "out" / "a.wav").stat().st_mtime_ns
    again = worker.enhance(str(src), str(tmp_path / "out" / "a.wav"), accept_since=t0 - 1)
    assert again.result.ok and again.audio_seconds == pytest.approx(0.5)
    assert (tmp_path / "out" / "a.wav").stat().st_mtime_ns == stamp  # taken, not written again
    later = worker.enhance(str(src), str(tmp_path / "out" / "a.wav"), accept_since=time.time() + 60)
    assert not later.result.ok and later.result.error.endswith("output exists (use --overwrite to replace it)")
