"""Enhancement and evaluation on a small local Ray instance (2 CPUs, loopback, no dashboard), shut down at the end.

The outputs must be byte-identical to the local path's, a killed actor must cost no file and redo no finished one,
``resume`` must write only what is missing, and a bad file must be reported once without stopping the rest.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.cli.main import main
from hush.cluster import MANIFEST_NAME, score_pairs_on_cluster
from hush.evaluation import pair_folders, score_pairs
from hush.inference import enhance_jobs, expand_inputs, plan_jobs
from tests.helpers.signals import mix_at_snr, speech_like

ray = pytest.importorskip("ray", reason="hush[cluster] (ray) is not installed")

pytestmark = pytest.mark.slow
N_FILES = 50
AUDIO = (".wav", ".flac")


@pytest.fixture(scope="module")
def ray_instance():
    """One local Ray instance for the module; its workers import this checkout's hush."""
    src = str(Path(hush.__file__).resolve().parents[1])
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([src, *([saved] if saved else [])])
    try:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=100_000_000,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
        yield
    finally:
        ray.shutdown()
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """50 short noisy files in two sub-folders, 16-bit WAV and FLAC, and their local ``hush enhance`` outputs."""
    root = tmp_path_factory.mktemp("corpus")
    rng = np.random.default_rng(0)
    for i in range(N_FILES):
        x = mix_at_snr(speech_like(seconds=0.4, seed=i), rng.standard_normal(6400), 5.0)
        path = root / "noisy" / f"spk{i % 2}" / f"utt{i:02d}.{'flac' if i % 5 == 0 else 'wav'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, x, 16000, subtype="PCM_16")
    pairs, errors = expand_inputs([str(root / "noisy")], recursive=True)
    jobs, more = plan_jobs(pairs, root / "local", "")
    assert not errors and not more
    assert all(r.ok for r in enhance_jobs(jobs, "default", progress=False))
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.*")) if p.suffix in AUDIO}


def _mtimes(folder: Path) -> dict[str, int]:
    return {k: (folder / k).stat().st_mtime_ns for k in _files(folder)}


def _states(out: Path) -> dict[str, int]:
    db = sqlite3.connect(out / MANIFEST_NAME)
    try:
        return dict(db.execute("SELECT status, COUNT(*) FROM files GROUP BY status"))
    finally:
        db.close()


def _max_attempts(out: Path) -> int:
    db = sqlite3.connect(out / MANIFEST_NAME)
    try:
        return db.execute("SELECT MAX(attempts) FROM files").fetchone()[0]
    finally:
        db.close()


def _enhance_workers(loaded: bool = False) -> list[int]:
    """PIDs of the enhancement actors (Ray titles its worker processes ``ray::<class>[.<method>]``); ``loaded``:
    only those past their constructor, which hold files."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            title = (proc / "cmdline").read_bytes().split(b"\0")[0] if proc.name.isdigit() else b""
        except OSError:
            continue
        if title.startswith(b"ray::EnhanceWorker") and not (loaded and title.endswith(b"__init__")):
            pids.append(int(proc.name))
    return pids


def test_outputs_equal_the_local_path(ray_instance, corpus, tmp_path):
    out = tmp_path / "out"
    s = hush.enhance_many(corpus / "noisy", out, method="default", cluster="auto", recursive=True, actors=2)
    assert (s.files, len(s.failures), s.pending, s.skipped) == (N_FILES, 0, 0, 0)
    assert s.audio_seconds == pytest.approx(N_FILES * 0.4)
    assert _files(out) == _files(corpus / "local")
    assert _states(out) == {"done": N_FILES}


def test_a_killed_actor_costs_no_file_and_redoes_none(ray_instance, corpus, tmp_path):
    out = tmp_path / "out"
    earlier = set(_enhance_workers())  # actors of earlier runs may still be exiting
    finished: dict[str, int] = {}
    killed: list[int] = []

    def report(r) -> None:
        if not killed and len(finished) < 8 and len(_files(out)) >= 8:
            finished.update(_mtimes(out))  # every output complete so far (writes are atomic), with its time stamp
            killed.append(sorted(set(_enhance_workers(loaded=True)) - earlier)[0])
            os.kill(killed[0], signal.SIGKILL)

    s = hush.enhance_many(  # three files a task: the dead actor may have written some of its files unreported
        corpus / "noisy", out, method="default", cluster="auto", recursive=True, actors=2, files_per_task=3,
        report=report,
    )  # fmt: skip
    assert killed and killed[0] not in _enhance_workers()
    assert (s.files, len(s.failures), s.pending) == (N_FILES, 0, 0)
    assert _files(out) == _files(corpus / "local")  # every file, exactly once, as the local path writes it
    assert _states(out) == {"done": N_FILES}
    assert _max_attempts(out) >= 2  # the dead actor held files: they were sent again
    after = _mtimes(out)
    assert all(after[k] == t for k, t in finished.items())  # none finished before the kill was written again


def test_resume_writes_only_the_missing_files(ray_instance, corpus, tmp_path):
    out = tmp_path / "out"
    count = [0]

    def interrupt(r) -> None:
        count[0] += 1
        if count[0] == 15:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hush.enhance_many(corpus / "noisy", out, method="default", cluster="auto", recursive=True, actors=2,
                          report=interrupt)  # fmt: skip
    states = _states(out)
    assert states["done"] >= 15 and states["pending"] == N_FILES - states["done"]
    before = _mtimes(out)
    assert N_FILES > len(before) >= states["done"]

    assert main(["enhance", str(corpus / "noisy"), "-r", "-o", str(out), "--cluster", "auto", "-q"]) == 1
    s = hush.enhance_many(corpus / "noisy", out, method="default", cluster="auto", recursive=True, resume=True)
    assert (s.skipped, s.files, len(s.failures), s.pending) == (states["done"], states["pending"], 0, 0)
    assert _files(out) == _files(corpus / "local")
    after = _mtimes(out)
    assert all(after[k] == t for k, t in before.items())  # what was there was not written again
    assert _states(out) == {"done": N_FILES}


def test_a_bad_file_is_reported_once_and_the_rest_goes_on(ray_instance, corpus, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("utt00.flac", "utt02.wav", "utt04.wav"):
        (src / name).write_bytes((corpus / "noisy" / "spk0" / name).read_bytes())
    (src / "broken.wav").write_bytes(b"not audio at all")
    out = tmp_path / "out"
    rc = main(["enhance", str(src), "-o", str(out), "--cluster", "auto", "--actors", "2"])
    err = capsys.readouterr().err
    assert rc == 1
    errors = [ln for ln in err.splitlines() if ln.startswith("hush: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"hush: error: {src / 'broken.wav'}: not a recognised audio file")
    assert "enhanced 3 file(s), 1.2 s of audio, with default" in err and "; 1 failed;" in err
    assert sorted(_files(out)) == ["utt00.flac", "utt02.wav", "utt04.wav"]
    assert (out / "utt02.wav").read_bytes() == (corpus / "local" / "spk0" / "utt02.wav").read_bytes()
    assert _states(out) == {"done": 3, "failed": 1}


def test_evaluate_equals_the_local_path_in_order(ray_instance, corpus, tmp_path, capsys):
    clean = tmp_path / "clean"
    for i in range(8):
        path = clean / f"spk{i % 2}" / f"utt{i:02d}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, speech_like(seconds=0.4, seed=i), 16000, subtype="PCM_16")
    enhanced = corpus / "local"  # only 8 of its files have references: the rest are reported as orphans
    args = ["evaluate", "--clean", str(clean), "--enhanced", str(enhanced), "--metrics", "si_sdr,estoi,pesq_wb"]
    assert main([*args, "--json", str(tmp_path / "local.json")]) == 1  # orphans are problems on both paths
    assert main([*args, "--json", str(tmp_path / "ray.json"), "--cluster", "auto", "--actors", "2"]) == 1
    local, on_ray = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("local", "ray"))
    assert on_ray == local
    assert [f["file"] for f in local["files"]] == [
        f"spk{i % 2}/utt{i:02d}" for i in sorted(range(8), key=lambda i: (i % 2, i))
    ]
    assert local["n_files"] == 8 and np.isfinite(local["mean"]["pesq_wb"])

    pairs, _ = pair_folders(clean, enhanced)
    scored = score_pairs_on_cluster(pairs, ["si_sdr"], cluster="auto", actors=1)
    assert [s.name for s in scored] == [p.name for p in pairs]
    assert [s.metrics for s in scored] == [s.metrics for s in score_pairs(pairs, ["si_sdr"], progress=False)]


def test_a_worker_that_cannot_start_is_one_error_line(ray_instance, corpus, tmp_path):
    from hush.cluster import enhance_on_cluster
    from hush.errors import HushError

    with pytest.raises(HushError, match=r"^a worker could not start: .*no-such-method"):
        enhance_on_cluster([str(corpus / "noisy" / "spk0")], tmp_path / "out", "no-such-method", actors=1)
    assert _states(tmp_path / "out") == {"pending": N_FILES // 2}  # nothing was lost: a later run can resume
