"""The bundled starting points of personalization (``gru64``, ``gru128``, ``gru256``): small files with cards,
trained generalists that enhance real speech, and usable as ``hush personalize --init``."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import hush
from hush.metrics import pesq_wb, si_sdr
from hush.models.model_file import load
from hush.pretrained import bundled_path
from hush.training.personalize import PersonalizeConfig, initial_model, personalize_arrays

STARTS = [n for n in ("gru64", "gru128", "gru256") if bundled_path(n) is not None]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
pytestmark = pytest.mark.skipif(not STARTS, reason="personalization starts not shipped")


@pytest.fixture(scope="module")
def demo():
    clean, sr = sf.read(EXAMPLES / "clean" / "demo.flac", dtype="float32")
    noisy, _ = sf.read(EXAMPLES / "noisy" / "demo.flac", dtype="float32")
    return clean, noisy, sr


@pytest.mark.parametrize("name", STARTS)
def test_small_files_with_cards_that_enhance_real_speech(name, demo):
    path = bundled_path(name)
    assert path.stat().st_size <= 3_000_000 and path.with_suffix(".md").exists()
    model, _, trained = initial_model(name)
    assert trained and model.arch == "gru" and model.config["n_fft"] == 1024 and model.config["hop"] == 256
    clean, noisy, sr = demo
    y = hush.enhance(noisy, sr, method=name)
    # weak generalists: measured PESQ-WB 1.31 -> 1.73 on this clip, SI-SDR 5.2 -> 4.1..4.5 dB (the cards say so)
    assert pesq_wb(clean, y, sr) > pesq_wb(clean, noisy, sr) + 0.3
    assert si_sdr(clean, y) > si_sdr(clean, noisy) - 2.0


def test_sizes_grow():
    if STARTS != ["gru64", "gru128", "gru256"]:
        pytest.skip("not every size shipped")
    sizes = [load(bundled_path(n)).num_parameters() for n in STARTS]
    assert sizes == sorted(sizes) and sizes[0] < sizes[2] / 4
    assert [load(bundled_path(n)).config["hidden"] for n in STARTS] == [64, 128, 256]


def test_personalize_from_a_bundled_start(demo, tmp_path):
    _, noisy, sr = demo
    assert sr == 16000
    reps = int(np.ceil(25 * sr / len(noisy)))
    recordings = [np.tile(noisy, reps)[: 25 * sr] * g for g in (1.0, 0.5, 2.0)]  # 75 s of one voice in game noise
    cfg = PersonalizeConfig(init=STARTS[0], max_steps=3, valid_every=3, valid_items=4, batch_size=2)
    res = personalize_arrays(recordings, tmp_path / "me.pt", cfg)
    me = load(res.path)
    assert me.arch == "gru" and me.meta["personalized"]["init"] == STARTS[0]
    assert me.meta["personalized"]["target"] == "enhanced"  # a trained start teaches toward its own output
