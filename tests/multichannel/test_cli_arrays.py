"""Arrays on the command line and in training data: simulate --array, enhance with array methods, their errors."""

import json

import numpy as np
import pytest
import soundfile as sf

from hush.cli import main
from hush.data.manifest import Record
from tests.helpers.signals import speech_like

pytest.importorskip("pyroomacoustics")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("mc")
    rng = np.random.default_rng(0)
    for i in range(2):
        (root / "speech" / "spk").mkdir(parents=True, exist_ok=True)
        sf.write(root / "speech" / "spk" / f"s{i}.wav", speech_like(seconds=1.5, seed=i), 16000)
        (root / "noise").mkdir(exist_ok=True)
        sf.write(root / "noise" / f"n{i}.wav", 0.05 * rng.standard_normal(24000), 16000)
    return root


def test_simulate_array_writes_multichannel_mixtures_and_reference_targets(folders, tmp_path):
    out = tmp_path / "sim"
    args = [
        "simulate",
        "--speech",
        folders / "speech",
        "--noise",
        folders / "noise",
        "-o",
        out,
        "--n",
        "2",
        "--seconds",
        "1.0",
        "--array",
        "linear:3:0.05",
        "-q",
    ]
    assert main([str(a) for a in args]) == 0
    noisy, sr = sf.read(out / "noisy" / "00000.flac")
    clean, _ = sf.read(out / "clean" / "00000.flac")
    assert noisy.shape == (16000, 3) and clean.shape == (16000,) and sr == 16000
    assert json.loads((out / "array.json").read_text())["positions"][2][0] == pytest.approx(0.05)
    # the mixture's reference channel holds the target plus noise: they correlate, but are not equal
    c = np.corrcoef(noisy[:, 0], clean)[0, 1]
    assert 0.1 < c < 0.999
    # the same seed simulates the same set
    again = tmp_path / "again"
    assert main([str(a) for a in args[:6]] + [str(again)] + [str(a) for a in args[7:]]) == 0
    np.testing.assert_array_equal(sf.read(again / "noisy" / "00001.flac")[0], sf.read(out / "noisy" / "00001.flac")[0])

    enh = tmp_path / "enh"
    assert main(["enhance", str(out / "noisy" / "00000.flac"), "-o", str(enh), "-m", "mvdr:mask=spp+wiener", "-q"]) == 0
    y, _ = sf.read(enh / "00000.flac")
    assert y.shape == (16000,)
    assert (
        main(
            [
                "enhance",
                str(out / "noisy" / "00000.flac"),
                "-o",
                str(tmp_path / "das"),
                "-m",
                "delay-and-sum",
                "--array",
                "linear:3:0.05",
                "-q",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "enhance",
                str(out / "noisy" / "00000.flac"),
                "-o",
                str(tmp_path / "lnk"),
                "-m",
                "wiener",
                "--link-channels",
                "-q",
            ]
        )
        == 0
    )
    assert sf.read(tmp_path / "lnk" / "00000.flac")[0].shape == (16000, 3)


def test_mono_file_to_mvdr_is_a_one_line_error(tmp_path, capsys):
    src = tmp_path / "mono.wav"
    sf.write(src, speech_like(seconds=1.0), 16000)
    assert main(["enhance", str(src), "-o", str(tmp_path / "o"), "-m", "mvdr:mask=spp", "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(src) in err[0] and "needs at least 2 channels" in err[0]


def test_missing_geometry_and_bad_spec_are_one_line_errors(tmp_path, capsys):
    src = tmp_path / "st.wav"
    sf.write(src, np.stack([speech_like(seconds=1.0)] * 2, axis=1), 16000)
    assert main(["enhance", str(src), "-o", str(tmp_path / "o"), "-m", "delay-and-sum", "-q"]) == 1
    assert "needs the array geometry" in capsys.readouterr().err
    assert main(["enhance", str(src), "-o", str(tmp_path / "o"), "-m", "delay-and-sum", "--array", "line:2", "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad array spec" in err[0]


def test_array_training_items_through_a_beamformer(folders):
    from hush.data.mixing.arrays import ArrayDataConfig, ArrayMixingDataset

    speech = [
        Record(f"s{i}", str(folders / "speech" / "spk" / f"s{i}.wav"), "speech", "t", 1.5, 16000, speaker="spk")
        for i in range(2)
    ]
    noise = [Record(f"n{i}", str(folders / "noise" / f"n{i}.wav"), "noise", "t", 1.5, 16000) for i in range(2)]
    raw = ArrayMixingDataset(
        speech, noise, ArrayDataConfig("linear:2:0.08", n_rooms=2, scene={"seconds": 1.0}), 16000, 4, seed=0
    )
    item = raw[0]
    assert tuple(item["noisy"].shape) == (2, 16000) and tuple(item["clean"].shape) == (16000,)
    np.testing.assert_array_equal(raw[0]["noisy"].numpy(), item["noisy"].numpy())  # deterministic per index
    bf = ArrayMixingDataset(
        speech,
        noise,
        ArrayDataConfig("linear:2:0.08", n_rooms=2, beamformer="mvdr:mask=spp", scene={"seconds": 1.0}),
        16000,
        4,
        seed=0,
    )
    assert tuple(bf[0]["noisy"].shape) == (16000,)
