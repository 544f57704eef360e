"""Writing outputs safely: long names, file modes, scratch data that cannot be stranded, dead runs' leftovers,
disk errors, and the one-line messages for unusable inputs and outputs."""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

import hush
from hush.atomic import HOST, current_umask, remove_stale
from hush.audio import io as audio_io
from hush.cli import main
from hush.errors import AudioError
from tests.helpers.signals import speech_like

METHOD = "wiener"
ROOT = Path(__file__).resolve().parents[2]


def _wav(path: Path, seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, speech_like(seconds=seconds), 16000, subtype="PCM_16")
    return path


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*"))


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.mark.parametrize("length", [237, 255])
def test_longest_file_names_work(tmp_path, length):
    src = _wav(tmp_path / "in" / ("x" * (length - 4) + ".wav"))
    res = hush.enhance_file(src, tmp_path / "out" / src.name, method=METHOD)
    assert res.dst.exists() and len(res.dst.name) == length
    assert _hidden(tmp_path / "out") == []


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
def test_outputs_get_the_umask_mode(tmp_path, mask):
    src = _wav(tmp_path / "in.wav")
    old = os.umask(mask)
    try:
        assert current_umask() == mask
        hush.enhance_file(src, tmp_path / "out" / "a.wav", method=METHOD)
        audio_io.write(tmp_path / "out" / "b.flac", speech_like(seconds=0.2), 16000)
    finally:
        os.umask(old)
    for name in ("a.wav", "b.flac"):
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == 0o666 & ~mask


def test_scratch_data_never_appears_in_the_output_folder(tmp_path, monkeypatch):
    src = _wav(tmp_path / "in.wav", 3.0)
    seen = []
    real = audio_io.atomic_path

    def spy(dst, overwrite=False):  # the output folder's listing while the final file is written
        seen.append(sorted(p.name for p in Path(dst).parent.iterdir()))
        return real(dst, overwrite)

    monkeypatch.setattr("hush.inference.files.atomic_path", spy)
    hush.enhance_file(src, tmp_path / "out" / "a.wav", method=METHOD)
    assert seen == [[]]  # the scratch file exists only as an open, unlinked descriptor


def test_dead_runs_leftovers_are_removed_and_live_ones_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead, live = _dead_pid(), os.getppid()
    stale = [out / f".hush-part-{HOST}-{dead}-abcdefgh", out / f".hush-scratch-{HOST}-{dead}-a1b2c3d4"]
    keep = [
        out / f".hush-part-{HOST}-{live}-abcdefgh",  # a live process
        out / f".hush-part-0badc0de-{dead}-abcdefgh",  # another machine's (a shared folder): its PIDs mean nothing here
        out / f".hush-part-{HOST}-notapid-abcdefgh",
        out / ".user.wav",
    ]
    for p in stale + keep:
        p.write_bytes(b"x" * 10)
    rc = main(["enhance", str(_wav(tmp_path / "in.wav")), "-o", str(out), "-m", METHOD, "-q"])
    assert rc == 0
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in keep)
    assert remove_stale(out) == []


@pytest.mark.slow
def test_sigterm_is_reported_and_leaves_nothing_behind(tmp_path):
    src = tmp_path / "in"
    for i in range(12):  # far more work than the test waits for
        _wav(src / f"{i:02d}.wav", 20.0)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hush", "enhance", str(src), "-o", str(out), "-m", "mmse-lsa"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.time() + 60
    while not (out.exists() and any(out.iterdir())) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "hush: terminated" in err
    assert _hidden(out) == []
    for f in out.iterdir():  # whatever was finished is complete
        assert sf.info(str(f)).frames == 20 * 16000


def test_errors_are_printed_as_each_file_fails(tmp_path, capsys, monkeypatch):
    src = tmp_path / "in"
    _wav(src / "a.wav")
    (src / "b.wav").write_bytes(b"not audio at all")
    _wav(src / "c.wav")
    order = []
    import hush.inference.batch as batch

    real = batch._run_job

    def spy(job, overwrite):
        order.append(("start", job.src.name, capsys.readouterr().err))
        return real(job, overwrite)

    monkeypatch.setattr(batch, "_run_job", spy)
    assert main(["enhance", str(src), "-o", str(tmp_path / "out"), "-m", METHOD, "-q"]) == 1
    # the error line for b.wav was out before c.wav started
    assert order[2][1] == "c.wav" and "b.wav: not a recognised audio file" in order[2][2]
    assert "b.wav" not in capsys.readouterr().err  # and not repeated at the end


# ------------------------------------------------------------------------------------------------ messages
def test_unreadable_input_says_permission_denied(tmp_path, capsys, monkeypatch):
    src = _wav(tmp_path / "in.wav")
    if os.geteuid() == 0:  # root reads anything: make the open fail as it would for a user
        real_open = open

        def deny(path, *a, **k):
            if Path(path) == src:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, *a, **k)

        monkeypatch.setattr(audio_io, "open", deny, raising=False)
    else:
        src.chmod(0)
    assert main(["enhance", str(src), "-o", str(tmp_path / "out"), "-m", METHOD, "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"hush: error: {src}: permission denied"]


def test_disk_full_is_named_with_the_folder(tmp_path, monkeypatch):
    src = _wav(tmp_path / "in.wav")
    out = tmp_path / "out"

    class FullDisk:
        def __init__(self, f):
            self.f = f

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.f, name)

    import contextlib

    import hush.inference.files as files

    real = files.scratch_file

    @contextlib.contextmanager
    def full(directory):
        with real(directory) as f:
            yield FullDisk(f)

    monkeypatch.setattr(files, "scratch_file", full)
    with pytest.raises(AudioError) as e:
        hush.enhance_file(src, out / "a.wav", method=METHOD)
    assert str(e.value) == f"{out / 'a.wav'}: cannot write (no space left on device in {out.resolve()})"
    assert not (out / "a.wav").exists() and _hidden(out) == []


def test_libsndfile_system_error_on_a_full_disk_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(audio_io, "_free_bytes", lambda folder: 0)
    msg = audio_io.write_problem(RuntimeError("Error : System error."), tmp_path / "x.wav")
    assert msg == f"no space left on device in {tmp_path.resolve()}"


def test_output_folder_that_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    dst = tmp_path / "afile" / "out.wav"
    with pytest.raises(AudioError) as e:
        hush.enhance_file(_wav(tmp_path / "in.wav"), dst, method=METHOD)
    assert str(e.value) == f"{dst}: cannot write (a file is in the way of its folder)"


def test_output_that_is_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    rc = main(["enhance", str(_wav(tmp_path / "in.wav")), "-o", str(tmp_path / "taken"), "-m", METHOD, "-q"])
    assert rc == 1
    err = capsys.readouterr().err.strip().splitlines()
    want = (
        f"hush: error: {tmp_path / 'taken'}: exists and is not a folder (-o names the output folder or an audio file)"
    )
    assert err == [want]


def test_symlink_loop_is_named(tmp_path, capsys):
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    assert main(["enhance", str(loop), "-o", str(tmp_path / "out"), "-m", METHOD, "-q"]) == 1
    err = capsys.readouterr().err
    assert f"{loop}: too many levels of symbolic links (a symlink loop)" in err
    with pytest.raises(AudioError, match="symlink loop"):
        audio_io.probe(loop)
