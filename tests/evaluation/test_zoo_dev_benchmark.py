"""benchmarks/zoo_dev.py: the hallucination measure (output energy where the reference is silent) and the run list."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def zoo_dev():
    spec = importlib.util.spec_from_file_location("zoo_dev", ROOT / "benchmarks" / "zoo_dev.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bursts(sr=16000):
    """Speech-like bursts with silent gaps: 0.3 s of tone on, 0.3 s off, three times."""
    t = np.arange(int(1.8 * sr)) / sr
    on = (t % 0.6) < 0.3
    return 0.1 * np.sin(2 * np.pi * 220 * t) * on, on


def test_silent_energy_sees_invented_sound_in_the_gaps(zoo_dev):
    clean, on = bursts()
    rng = np.random.default_rng(0)
    assert zoo_dev.silent_energy_db(clean, clean, 16000) < -100  # a perfect output is silent there
    faint = clean + 1e-3 * rng.standard_normal(len(clean))
    babble = clean + 0.05 * np.sin(2 * np.pi * 300 * np.arange(len(clean)) / 16000) * ~on  # phoneme-like energy
    assert zoo_dev.silent_energy_db(clean, faint, 16000) == pytest.approx(-37.0, abs=1.5)  # 1e-3² / (0.1² / 2)
    assert zoo_dev.silent_energy_db(clean, babble, 16000) == pytest.approx(-6.0, abs=1.0)
    assert np.isnan(zoo_dev.silent_energy_db(np.ones(16000), np.ones(16000), 16000))  # no silent frame


def test_systems_lists_finished_runs_and_flow_steps(zoo_dev, tmp_path):
    for name in ("erbdf", "flowse"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "best.pt").write_bytes(b"")
    (tmp_path / "mp-senet").mkdir()  # unfinished: no best.pt
    labels = zoo_dev.systems(tmp_path)
    assert labels["erbdf"] == str(tmp_path / "erbdf" / "best.pt")
    assert [k for k in labels if k.startswith("flowse")] == [f"flowse ({n} steps)" for n in zoo_dev.FLOW_STEPS]
    assert labels["flowse (5 steps)"].endswith("best.pt:steps=5") and "mp-senet" not in labels
