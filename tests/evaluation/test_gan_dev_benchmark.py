"""benchmarks/gan_dev.py on synthetic inputs: the run list, the tables with their paired-bootstrap verdicts and the
spectrogram figure."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gan_dev():
    spec = importlib.util.spec_from_file_location("gan_dev", ROOT / "benchmarks" / "gan_dev.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def finished(runs: Path, folder: str, files=("best.pt",), summary=None) -> None:
    (runs / folder).mkdir(parents=True, exist_ok=True)
    for name in files:
        (runs / folder / name).write_bytes(b"")
    (runs / folder / "summary.json").write_text(json.dumps(summary or {"steps": 1}))


def test_systems_lists_finished_runs_and_the_okd_choice(gan_dev, tmp_path):
    finished(tmp_path, "gru-regression")
    okd = {"best_generator": "best-estoi.pt"}
    finished(tmp_path, "gru-okd", ("best.pt", "best-estoi.pt", "best-dnsmos_ovrl.pt"), okd)
    (tmp_path / "gru-metricgan-plus").mkdir()
    (tmp_path / "gru-metricgan-plus" / "best.pt").write_bytes(b"")  # still training: no summary yet
    labels = gan_dev.systems(tmp_path)
    assert set(labels) == {"GRU regression", "OKD: PESQ-WB generator", "OKD: ESTOI generator", "OKD: OVRL generator"}
    assert labels["OKD: ESTOI generator"].endswith("gru-okd/best-estoi.pt")
    assert gan_dev.best_by_validation(tmp_path) == "OKD: ESTOI generator"


def synthetic_doc(shifts: dict[str, dict[str, float]], n: int = 60) -> dict:
    """A `hush compare` JSON whose systems are the regression start plus per-metric shifts with small noise."""
    rng = np.random.default_rng(0)
    base = {m: rng.normal(2.0, 0.5, n) for m in ("pesq_wb", "estoi", "si_sdr", "dnsmos_ovrl", "dnsmos_p808")}
    doc = {"systems": {}}
    for spec, shift in shifts.items():
        rows = [{m: float(base[m][i] + shift.get(m, 0.0) + rng.normal(0, 0.02)) for m in base} for i in range(n)]
        doc["systems"][spec] = {"mean": {m: float(np.mean([r[m] for r in rows])) for m in base}, "per_file": rows}
    return doc


def test_tables_give_intervals_against_the_start_and_the_okd_verdict(gan_dev):
    up = {"pesq_wb": 0.3, "estoi": 0.05, "dnsmos_ovrl": 0.1}
    trade = {"pesq_wb": 0.4, "estoi": -0.05, "dnsmos_ovrl": 0.1}
    doc = synthetic_doc({"reg.pt": {}, "okd.pt": up, "multi.pt": trade, "plus.pt": {"pesq_wb": 0.5}})
    sys_map = {"GRU regression": "reg.pt", "MetricGAN+ (PESQ-WB)": "plus.pt", "multi-metric single G": "multi.pt",
               "OKD: PESQ-WB generator": "okd.pt"}  # fmt: skip
    text = gan_dev.tables(doc, sys_map, None, "python benchmarks/gan_dev.py")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert rows["OKD: PESQ-WB generator"].endswith("| yes |") and rows["multi-metric single G"].endswith("| no |")
    mean, low, high = (float(v.strip("[],")) for v in rows["OKD: PESQ-WB generator"].split(" | ")[2].split())
    assert low < 0.3 < high and mean == pytest.approx(0.3, abs=0.01)  # ΔPESQ-WB with its interval
    assert rows["multi-metric single G"].split(" | ")[3].startswith("-0.05")  # ΔESTOI: the trade-off
    assert "OKD's claim" in text and "reproduces here" in text and "does not" not in text
    doc_no = synthetic_doc({"reg.pt": {}, "okd.pt": trade, "multi.pt": trade, "plus.pt": {}})
    assert "does not reproduce" in gan_dev.tables(doc_no, sys_map, None, "cmd")


def test_spectrogram_figure_is_a_png_of_every_signal(gan_dev, tmp_path):
    sr = 16000
    t = np.arange(sr) / sr
    tone = 0.1 * np.sin(2 * np.pi * 440 * t)
    noisy = tone + 0.05 * np.random.default_rng(0).standard_normal(sr)
    spec = gan_dev.log_spectrogram(tone)
    assert spec.shape[1] == 257 and abs(int(spec.mean(axis=0).argmax()) - round(440 / (sr / 512))) <= 1
    assert spec.max() - spec.min() <= 80.0 + 1e-9
    path = gan_dev.spectrogram_figure({"noisy": noisy, "enhanced": tone}, sr, tmp_path / "f.png", title="x")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
