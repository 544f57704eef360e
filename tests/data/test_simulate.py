"""``hush simulate``: layout, meta.csv and SNR measured on the written files."""

from __future__ import annotations

import argparse
import csv
import os

import numpy as np
import pytest
import soundfile as sf

from hush.cli import simulate_cmd
from hush.data.mixing.simulate import scan_folder
from hush.errors import HushError
from tests.helpers.corpus import make_corpus
from tests.helpers.signals import SR


def run_simulate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="hush")
    simulate_cmd.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", *argv])
    return args.func(args)


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    make_corpus(root)
    return root / "speech", root / "noise"


def measured(root, name) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    clean, sr = sf.read(str(root / "clean" / name), dtype="float64")
    noisy, _ = sf.read(str(root / "noisy" / name), dtype="float64")
    noise, _ = sf.read(str(root / "noise" / name), dtype="float64")
    assert sr == SR
    return 10 * np.log10(np.sum(clean**2) / np.sum((noisy - clean) ** 2)), clean, noisy, noise


def test_scan_folder(dirs):
    speech, noise = dirs
    recs = scan_folder(speech, "speech")
    assert {r.speaker for r in recs} == {"spk1", "spk2", "spk3", "spk4"} and all(r.kind == "speech" for r in recs)
    assert {r.category for r in scan_folder(noise, "noise")} == {"white", "pink"}
    with pytest.raises(HushError):
        scan_folder(speech / "missing", "speech")


def test_simulate_layout_and_snr(dirs, tmp_path):
    speech, noise = dirs
    out = tmp_path / "out"
    rc = run_simulate(
        [
            "--speech",
            str(speech),
            "--noise",
            str(noise),
            "-o",
            str(out),
            "--n",
            "5",
            "--snr",
            "0",
            "15",
            "--seed",
            "4",
            "--seconds",
            "1.5",
            "-q",
        ]
    )
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == ["clean", "meta.csv", "noise", "noisy"]
    with open(out / "meta.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5
    assert {"file", "speaker", "snr_db", "gain_db", "noise_files", "rir"} <= set(rows[0])
    for row in rows:  # source files relative to the set's folder: no machine-specific path in meta.csv
        for f in (row["noise_files"] + ";" + row["speech_files"]).split(";"):
            assert not os.path.isabs(f) and (out / f).is_file()
    for row in rows:
        for kind in ("clean", "noisy", "noise"):
            info = sf.info(str(out / kind / row["file"]))
            assert info.subtype == "PCM_16" and info.samplerate == SR and info.frames == int(1.5 * SR)
        snr, clean, noisy, noise_ = measured(out, row["file"])
        assert abs(snr - float(row["snr_db"])) < 0.1
        assert abs(snr - float(row["snr_target_db"])) < 0.1  # no reverb, no clipping: the requested SNR
        assert 0 <= float(row["snr_target_db"]) <= 15
        assert np.array_equal(noisy, clean + noise_)
        assert row["speaker"] in {"spk1", "spk2", "spk3"}
        assert row["rir"] == ""

    # same seed, same files; a non-empty OUT is refused unless --overwrite
    with pytest.raises(HushError, match="not empty"):
        run_simulate(["--speech", str(speech), "--noise", str(noise), "-o", str(out), "--n", "2", "-q"])
    before = (out / "noisy" / rows[0]["file"]).read_bytes()
    assert (
        run_simulate(
            [
                "--speech",
                str(speech),
                "--noise",
                str(noise),
                "-o",
                str(out),
                "--n",
                "5",
                "--snr",
                "0",
                "15",
                "--seed",
                "4",
                "--seconds",
                "1.5",
                "-q",
                "--overwrite",
            ]
        )
        == 0
    )
    assert (out / "noisy" / rows[0]["file"]).read_bytes() == before


def test_simulate_with_rir_folder(dirs, tmp_path):
    speech, noise = dirs
    rirs = tmp_path / "rirs"
    rirs.mkdir()
    rng = np.random.default_rng(0)
    t = np.arange(3000) / SR
    h = 0.3 * rng.standard_normal(3000) * np.exp(-t / 0.04)
    h[:60] = 0
    h[60] = 1.0
    sf.write(str(rirs / "room.wav"), h.astype(np.float32), SR, subtype="FLOAT")
    out = tmp_path / "rev"
    assert (
        run_simulate(
            [
                "--speech",
                str(speech),
                "--noise",
                str(noise),
                "-o",
                str(out),
                "--n",
                "2",
                "--rir",
                str(rirs),
                "--target",
                "early",
                "--format",
                "wav",
                "--seconds",
                "1",
                "-q",
            ]
        )
        == 0
    )
    with open(out / "meta.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        assert row["rir"] == "room.wav" and row["file"].endswith(".wav")
        snr, clean, noisy, noise_ = measured(out, row["file"])
        assert abs(snr - float(row["snr_db"])) < 0.1
        assert np.array_equal(noisy, clean + noise_)
