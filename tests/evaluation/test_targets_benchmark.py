"""benchmarks/targets.py on synthetic comparisons: beat, tie and not-below verdicts from paired bootstraps, same-run
RTF ratios, and targets whose systems or variants were not measured are never reported as passed."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
N = 40


@pytest.fixture(scope="module")
def targets():
    spec = importlib.util.spec_from_file_location("targets", ROOT / "benchmarks" / "targets.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["targets"] = mod  # its dataclass resolves annotations through its module
    try:
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.modules.pop("targets", None)


def comparison(offsets: dict[str, float], metrics: list[str], rtf: dict[str, float] | None = None) -> dict:
    """A `hush compare --json` document: system s scores base + offsets[s] (+ small per-file noise) on each metric."""
    rng = np.random.default_rng(0)
    base = rng.uniform(1.0, 3.0, N)
    systems = {}
    for s, off in offsets.items():
        per_file = [{m: float(b + off + 0.01 * rng.standard_normal()) for m in metrics} for b in base]
        systems[s] = {
            "mean": {m: float(np.mean([f[m] for f in per_file])) for m in metrics},
            "per_file": per_file,
            "rtf": (rtf or {}).get(s),
        }
    return {"systems": systems, "files": [f"{i}.wav" for i in range(N)]}


def test_verdicts_follow_the_intervals(targets):
    doc = comparison({"a": 0.3, "b": 0.0, "c": 0.3}, ["pesq_wb"])
    beat = targets.diff(doc, "a", "b", "pesq_wb")
    assert targets.verdict(beat, "beat") == "pass"
    assert targets.verdict(beat, "beat", min_mean=0.5) == "FAIL"  # a beat by too little
    same = targets.diff(doc, "a", "c", "pesq_wb")
    assert targets.verdict(same, "beat") == "FAIL" and targets.verdict(same, "tie") == "pass"
    worse = targets.diff(doc, "b", "a", "pesq_wb")
    assert targets.verdict(worse, "tie") == "FAIL" and targets.verdict(worse, "not-below") == "FAIL"
    assert targets.verdict(targets.diff(doc, "a", "nobody", "pesq_wb"), "beat") == "not measured"
    assert targets.overall(["pass", "not measured"]) == "not measured"
    assert targets.overall(["pass", "FAIL", "not measured"]) == "FAIL"


def test_section_reports_each_target_and_what_was_not_measured(targets, tmp_path, monkeypatch):
    metrics = ["pesq_wb", "estoi", "si_sdr", "dnsmos_ovrl", "dnsmos_p808"]
    offsets = {"noisy": 0.0, "tiny": 0.5, "rnnoise": 0.2, "nsnet2": 0.6}
    rtf = {"tiny": 0.01, "nsnet2": 0.02}
    (tmp_path / "dev.json").write_text(json.dumps(comparison(offsets, metrics, rtf)))
    written = {}
    monkeypatch.setattr(targets, "update_section", lambda name, text: written.setdefault(name, text))
    text = targets.main(
        ["--dev", str(tmp_path / "dev.json"), "--reverb", str(tmp_path / "no.json"), "--tel", str(tmp_path / "no.json")]
    )
    assert written["bundled-targets"] == text
    summary = dict(
        line.strip("|").rsplit("|", 1) for line in text.split("Summary:")[1].splitlines() if line.startswith("| `")
    )
    summary = {k.strip(): v.strip() for k, v in summary.items()}
    # tiny beats RNNoise but not NSNet2 (which is better): the target fails
    assert summary["`tiny` beats rnnoise, nsnet2 on PESQ-WB, ESTOI, SI-SDR (dev)"] == "FAIL"
    assert re.search(r"\| `tiny` − rnnoise \| \+0\.30\d \[.*\| pass \|", text)
    # default is not in the run: not measured, never passed
    assert summary["`default` beats deepfilternet3 on PESQ-WB, SI-SDR (dev)"] == "not measured"
    assert "| `tiny` | nsnet2 | 0.0100 / 0.0200 = 0.500 | 1 | pass |" in text
    assert "Target: no bundled model below the unprocessed input on any dev variant: **not measured**" in text
    assert "| telephone-band dev | — | not measured | not measured |" in text
