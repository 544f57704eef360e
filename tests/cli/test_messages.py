"""Every user mistake or environment problem the CLI can meet ends in one clear line and a non-zero status."""

import subprocess
import sys
from pathlib import Path

import pytest

from hush.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_stream_with_stdout_closed_is_one_line():
    cmd = [sys.executable, "-m", "hush", "stream", "-m", "wiener"]
    # close descriptor 1 in the child before Python starts, as `hush stream >&-` does
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *cmd],
        input=b"\0" * 640,
        capture_output=False,
        stderr=subprocess.PIPE,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    err = proc.stderr.decode().strip().splitlines()
    assert proc.returncode == 1
    assert err == ["hush: error: standard output is closed; hush stream pipes raw PCM through stdin and stdout"]


def test_evaluate_with_an_unknown_metric_fails_once_up_front(tmp_path, capsys):
    import numpy as np
    import soundfile as sf

    for d in ("c", "e"):
        for n in "abc":
            (tmp_path / d).mkdir(exist_ok=True)
            sf.write(tmp_path / d / f"{n}.wav", np.random.default_rng(0).standard_normal(8000) * 0.1, 16000)
    rc = main(["evaluate", "--clean", str(tmp_path / "c"), "--enhanced", str(tmp_path / "e"), "--metrics", "foo"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(err) == 1 and err[0].startswith("hush: error: unknown metric(s) foo; available: pesq_wb")


@pytest.mark.slow
def test_train_with_missing_data_names_the_path(tmp_path, capsys):
    cfg = tmp_path / "t.yaml"
    cfg.write_text(
        f"model:\n  arch: erbdf\ndata:\n  speech: [{tmp_path}/nope/speech.jsonl]\n  noise: [{tmp_path}/nope/n.jsonl]\n"
        f"train:\n  out_dir: {tmp_path}/run\n  max_steps: 1\n"
    )
    assert main(["train", str(cfg), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"hush: error: {tmp_path}/nope/speech.jsonl: cannot read manifest (no such file or folder)"]
