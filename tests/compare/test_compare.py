import json

import numpy as np
import pytest
import soundfile as sf

from hush.cli import main
from hush.compare import differences, load_conditions, paired_bootstrap, run_compare
from hush.methods import Enhancer
from tests.helpers.signals import mix_at_snr, speech_like

METRICS = ["si_sdr", "estoi", "pesq_wb"]


class Passthrough(Enhancer):
    name, causal = "passthrough", True

    def enhance(self, x, sr):
        return x.copy()


@pytest.fixture
def dataset(tmp_path):
    rng = np.random.RandomState(0)
    rows = ["file,snr_db"]
    for i, snr in enumerate([-5, -5, 0, 0, 5, 5]):
        s = speech_like(seconds=1.5, seed=i)
        for kind, x in [("clean", s), ("noisy", mix_at_snr(s, rng.randn(len(s)), snr))]:
            (tmp_path / kind).mkdir(exist_ok=True)
            sf.write(tmp_path / kind / f"u{i}.wav", x, 16000, subtype="FLOAT")
        rows.append(f"u{i}.wav,{snr}")
    (tmp_path / "meta.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_passthrough_scores_exactly_like_noisy(dataset):
    pairs, runs = run_compare(dataset / "clean", dataset / "noisy", [Passthrough()], metrics=METRICS, progress=False)
    noisy, passthrough = runs
    assert noisy.name == "noisy" and passthrough.name == "passthrough"
    for a, b in zip(noisy.scores, passthrough.scores, strict=True):
        assert a["si_sdr"] == b["si_sdr"] and a["pesq_wb"] == b["pesq_wb"]
        # pystoi's ESTOI itself varies in the 16th digit from call to call (multi-threaded BLAS sums)
        assert abs(a["estoi"] - b["estoi"]) < 1e-12
    diff = differences(runs, METRICS, "noisy")["passthrough"]
    for m in METRICS:
        assert abs(diff[m].mean) < 1e-12 and abs(diff[m].low) < 1e-12 and abs(diff[m].high) < 1e-12


def test_bootstrap_of_a_system_against_itself_covers_zero():
    rng = np.random.default_rng(0)
    a = rng.normal(size=50)
    iv = paired_bootstrap(a, a + rng.normal(scale=1e-3, size=50) - 0.0)
    assert iv.low <= 0 <= iv.high
    shifted = paired_bootstrap(a + 1.0, a)
    assert shifted.excludes_zero and abs(shifted.mean - 1.0) < 1e-9
    noisy_same = paired_bootstrap(a + rng.normal(size=50), a + rng.normal(size=50))
    assert noisy_same.low < 0 < noisy_same.high


def test_bootstrap_drops_nan_pairs():
    iv = paired_bootstrap([1.0, np.nan, 3.0], [0.0, 1.0, np.nan])
    assert iv.n == 1 and iv.mean == 1.0


def test_conditions_from_meta_and_regex(dataset):
    pairs, _ = run_compare(dataset / "clean", dataset / "noisy", [], metrics=["si_sdr"], progress=False)
    assert load_conditions(pairs, dataset / "meta.csv") == ["-5", "-5", "0", "0", "5", "5"]
    assert load_conditions(pairs, None, group=r"u(\d)") == [str(i) for i in range(6)]


def test_compare_cli_tables_and_json(dataset, capsys):
    js = dataset / "c.json"
    rc = main(
        [
            "compare",
            "--clean",
            str(dataset / "clean"),
            "--noisy",
            str(dataset / "noisy"),
            "--systems",
            "wiener,mmse-lsa",
            "--metrics",
            "si_sdr,estoi",
            "--json",
            str(js),
            "-q",
            "--out",
            str(dataset / "enh"),
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "| noisy |" in out and "| wiener |" in out and "### snr_db = -5" in out
    doc = json.loads(js.read_text())
    assert set(doc["systems"]) == {"noisy", "wiener", "mmse-lsa"}
    assert doc["systems"]["wiener"]["rtf"] > 0
    d = doc["baseline_differences"]["wiener"]["si_sdr"]
    assert d["low"] > 0  # Wiener filtering clearly helps at -5..5 dB white noise
    assert sorted(p.name for p in (dataset / "enh" / "wiener").iterdir())[:2] == ["u0.wav", "u1.wav"]


def test_compare_unknown_baseline(dataset, capsys):
    rc = main(
        [
            "compare",
            "--clean",
            str(dataset / "clean"),
            "--noisy",
            str(dataset / "noisy"),
            "--systems",
            "wiener",
            "--baseline",
            "rnnoise",
            "-q",
        ]
    )
    assert rc == 1 and "--baseline" in capsys.readouterr().err


def test_compare_reuses_stored_systems(dataset, capsys):
    base = [
        "compare",
        "--clean",
        str(dataset / "clean"),
        "--noisy",
        str(dataset / "noisy"),
        "--metrics",
        "si_sdr,estoi",
        "-q",
    ]
    full, part = dataset / "full.json", dataset / "part.json"
    assert main([*base, "--systems", "wiener,mmse-lsa", "--json", str(full)]) == 0
    # re-score only wiener; mmse-lsa comes from the earlier run with identical scores, RTF and intervals
    assert main([*base, "--systems", "wiener", "--reuse", str(full), "--json", str(part)]) == 0
    assert "Reused from" in capsys.readouterr().out
    a, b = json.loads(full.read_text()), json.loads(part.read_text())
    assert list(b["systems"]) == ["noisy", "wiener", "mmse-lsa"]
    assert b["systems"]["mmse-lsa"] == a["systems"]["mmse-lsa"]
    assert b["baseline_differences"]["mmse-lsa"] == a["baseline_differences"]["mmse-lsa"]
    # a deterministic method re-scored: equal up to float summation order (threaded reductions differ in the last bits)
    for new, old in zip(b["systems"]["wiener"]["per_file"], a["systems"]["wiener"]["per_file"], strict=True):
        assert new == pytest.approx(old, rel=1e-9, abs=1e-12)
    # a comparison on other files cannot be reused
    doc = json.loads(full.read_text())
    doc["files"] = doc["files"][::-1]
    full.write_text(json.dumps(doc))
    assert main([*base, "--systems", "wiener", "--reuse", str(full)]) == 1
    assert "other files" in capsys.readouterr().err


def test_systems_list_keeps_each_method_spec_whole():
    from hush.cli.compare_cmd import split_systems

    assert split_systems("default:atten_lim_db=9,mix=0.7,rnnoise, hq:preset=asr,wiener") == [
        "default:atten_lim_db=9,mix=0.7",
        "rnnoise",
        "hq:preset=asr",
        "wiener",
    ]
    assert split_systems("mmse-lsa,,nsnet2") == ["mmse-lsa", "nsnet2"]
