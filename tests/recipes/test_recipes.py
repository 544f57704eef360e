"""The recipes: every run.sh parses, the shipped models' stage chains are consistent, and the model cards are written
from one template by recipes/common/ship.py."""

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
import yaml

from hush.errors import MethodError
from hush.models import build_model, load, save
from hush.training import load_config

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "recipes"
TEMPLATE = RECIPES / "common" / "model_card_template.md"
CHAINS = {"hq": RECIPES / "hq" / "v1", "default": RECIPES / "default" / "v1"}


def _ship():
    spec = importlib.util.spec_from_file_location("ship", RECIPES / "common" / "ship.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _headings(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, re.M)


@pytest.mark.parametrize("script", sorted(RECIPES.glob("**/run.sh")) + [RECIPES / "common" / "stages.sh"], ids=str)
def test_scripts_parse(script):
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chain_warm_starts_from_the_previous_stage(name):
    confs = sorted((CHAINS[name] / "conf").glob("[0-9][0-9]-*.yaml"))
    assert [int(c.name[:2]) for c in confs] == list(range(1, len(confs) + 1))
    runs = [load_config(c).train for c in confs]
    assert runs[0].init_from is None
    for prev, cur in zip(runs[:-1], runs[1:], strict=True):
        assert cur.init_from == f"{prev.out_dir}/best.pt"
    assert len({r.out_dir for r in runs}) == len(runs)
    run_sh = (CHAINS[name] / "run.sh").read_text()
    for c in confs:  # every stage config is trained by run.sh
        assert f"$conf/{c.name}" in run_sh


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_bundled_card_follows_the_template(name):
    card = (ROOT / "src" / "hush" / "pretrained" / f"{name}.md").read_text()
    assert _headings(card) == _headings(TEMPLATE.read_text())
    assert f"bash {CHAINS[name].relative_to(ROOT)}/run.sh" in card
    assert "recipes/shared" not in card and "git show" not in card
    info = yaml.safe_load((CHAINS[name] / "card.yaml").read_text())
    assert info["changelog"] and all(len(line.splitlines()) == 1 for line in info["changelog"])


def test_ship_writes_weights_card_and_logs_and_rewrites_the_card_alone(tmp_path):
    ship = _ship()
    recipe, out = tmp_path / "recipe", tmp_path / "pretrained"
    (recipe / "conf").mkdir(parents=True)
    out.mkdir()
    model = build_model("gru", hidden=16, layers=1, n_fft=128, hop=64)
    for n, steps in ((1, 40), (2, 20)):
        run = tmp_path / "runs" / f"0{n}-x"
        run.mkdir(parents=True)
        conf = {"model": {"arch": "gru"}, "data": {"kind": "synthetic"}, "train": {"out_dir": str(run)}}
        (recipe / "conf" / f"0{n}-x.yaml").write_text(yaml.safe_dump(conf))
        meta = {"config": {"train": {"select_metric": "pesq_wb"}}, "step": steps, "wall_seconds": 36.0 * n}
        save(model, run / "best.pt", meta=meta)
        (run / "summary.json").write_text(json.dumps({"steps": steps, "wall_seconds": 360.0 * n}))
        for part in ("train", "valid"):
            (run / f"{part}.csv").write_text("step,loss\n1,0.5\n")
    (recipe / "card.yaml").write_text(
        yaml.safe_dump(
            {
                "version": "v1",
                "summary": "A tiny model.",
                "intended_use": "Tests.",
                "limits": ["None worth naming."],
                "command": "bash recipes/tiny/run.sh",
                "changelog": ["v1: first."],
            }
        )
    )
    args = ["tiny", str(recipe), "--out", str(out), "--compare", str(tmp_path / "none.json")]
    assert ship.main(args) == 0
    card = (out / "tiny.md").read_text()
    assert _headings(card) == _headings(TEMPLATE.read_text())
    assert "| 1 | `01-x.yaml` | 40 | 0.10 h (6 min) |" in card and "| 2 | `02-x.yaml` | 20 | 0.20 h (12 min) |" in card
    assert "Total: 0.30 h (18 min)" in card and "- v1: first." in card
    assert (out / "tiny.pt").exists() and (recipe / "logs" / "stage02-valid.csv").exists()
    weights = (out / "tiny.pt").read_bytes()
    shutil.rmtree(tmp_path / "runs")  # run folders gone: the stages' steps and wall times come from the card
    assert ship.main([*args, "--card-only"]) == 0
    assert (out / "tiny.md").read_text() == card
    assert (out / "tiny.pt").read_bytes() == weights
    before = load(out / "tiny.pt").state_dict()
    # presets named in card.yaml go into the shipped file (weights unchanged) and onto the card, beside the WER
    info = yaml.safe_load((recipe / "card.yaml").read_text())
    info["presets"] = {"asr": {"atten_lim_db": 12.0, "mix": 0.7}}
    (recipe / "card.yaml").write_text(yaml.safe_dump(info))
    per_file = [{"wer": 0.5, "wer_errors": 5.0, "wer_words": 10.0}, {"wer": 0.2, "wer_errors": 2.0, "wer_words": 10.0}]
    asr = {"systems": {s: {"mean": {"wer": w}, "per_file": per_file} for s, w in (("noisy", 0.35), ("tiny", 0.35))}}
    (tmp_path / "asr.json").write_text(json.dumps(asr))
    assert ship.main([*args, "--card-only", "--asr", str(tmp_path / "asr.json")]) == 0
    shipped = load(out / "tiny.pt")
    assert shipped.meta["inference"]["presets"] == {"asr": {"atten_lim_db": 12.0, "mix": 0.7}}
    assert all(torch.equal(a, b) for a, b in zip(shipped.state_dict().values(), before.values(), strict=True))
    card = (out / "tiny.md").read_text()
    assert "- preset `asr` (`-m tiny:preset=asr`): suppression limit 12 dB, mix 0.7" in card
    assert "| tiny | 0.350 | +0.000 [" in card
    info["presets"] = {"asr": {"atten_lim_db": -1}}
    (recipe / "card.yaml").write_text(yaml.safe_dump(info))
    with pytest.raises(MethodError, match="atten_lim_db must be a positive"):
        ship.main([*args, "--card-only"])


def test_ship_of_a_selected_checkpoint_puts_the_selection_preset_and_data_on_the_card(tmp_path):
    ship = _ship()
    recipe, out, run = tmp_path / "recipe", tmp_path / "pretrained", tmp_path / "runs" / "one"
    (recipe / "conf").mkdir(parents=True)
    out.mkdir()
    run.mkdir(parents=True)
    conf = {"model": {"arch": "gru"}, "data": {"kind": "synthetic"}, "train": {"out_dir": str(run)}}
    (recipe / "conf" / "train.yaml").write_text(yaml.safe_dump(conf))
    model = build_model("gru", hidden=16, layers=1, n_fft=128, hop=64)
    save(model, run / "selected.pt", meta={"step": 2000, "wall_seconds": 7200.0})
    save(model, run / "best.pt", meta={"step": 3000, "wall_seconds": 9000.0})
    (run / "summary.json").write_text(json.dumps({"steps": 3000, "wall_seconds": 9000.0}))
    (run / "selection.csv").write_text("step,pesq_wb+estoi,wer,score\n3000,2.5,0.9,1.6\n2000,2.45,0.8,1.65\n")
    table = run / "asr_preset.csv"  # gone with the run folder below: the recipe keeps a copy
    rows = [
        ('"{""atten_lim_db"": 6.0, ""mix"": 1.0}"', 0.70, "True"),
        ('"{""atten_lim_db"": null, ""mix"": 0.7}"', 0.65, "True"),
        ('"{""atten_lim_db"": null, ""mix"": 1.0}"', 0.60, "False"),  # lowest WER, but above the input at one SNR
    ]
    table.write_text("setting,wer,admissible\n" + "".join(f"{s},{w},{a}\n" for s, w, a in rows))
    info = {
        "version": "v2",
        "summary": "A model.",
        "intended_use": "Tests.",
        "limits": ["None."],
        "command": "bash recipes/x/run.sh",
        "changelog": ["v2: from scratch."],
        "training_data": "@recipes/common/training_data.md",
        "handles_band_limited": True,
    }
    (recipe / "card.yaml").write_text(yaml.safe_dump(info))
    args = ["x", str(recipe), "--out", str(out), "--compare", str(tmp_path / "none.json")]
    assert ship.main([*args, "--checkpoint", "selected.pt", "--asr-preset", str(table)]) == 0
    shipped = load(out / "x.pt")
    assert shipped.meta["step"] == 2000
    assert shipped.meta["inference"]["presets"] == {"asr": {"mix": 0.7}}
    assert shipped.meta["handles_band_limited"] is True  # no band-limited warning for this model
    card = (out / "x.md").read_text()
    assert "Trained from scratch in one run" in card and "PESQ-WB + ESTOI − WER" in card
    assert "| 2000 (shipped) | 2.4500 | 0.8000 | 1.6500 |" in card and "| 3000 | 2.5000 |" in card
    assert "| 1 | `train.yaml` | 3000 | 2.50 h (150 min) |" in card
    assert "Mini LibriSpeech" in card and "speechocean762 (210 training speakers)" not in card
    assert (recipe / "logs" / "selection.csv").exists()
    # the card alone, run folders gone: the selection table stays (kept in the recipe's logs)
    shutil.rmtree(tmp_path / "runs")
    assert ship.main([*args, "--card-only"]) == 0
    assert (out / "x.md").read_text() == card
    assert load(out / "x.pt").meta["inference"]["presets"] == {"asr": {"mix": 0.7}}
    # shipping the best checkpoint instead drops the stale selection
    run.mkdir(parents=True)
    save(model, run / "best.pt", meta={"step": 3000, "wall_seconds": 9000.0})
    assert ship.main(args) == 0
    assert not (recipe / "logs" / "selection.csv").exists() and "(shipped)" not in (out / "x.md").read_text()


def test_select_checkpoint_weighs_wer_and_resumes_from_its_cache(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("select_checkpoint", RECIPES / "common" / "select_checkpoint.py")
    sel = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sel)
    run, asr = tmp_path / "run", tmp_path / "asr"
    (run / "validated").mkdir(parents=True)
    (asr / "noisy").mkdir(parents=True)
    (asr / "noisy" / "a.wav").write_bytes(b"")
    rows = ["step,loss,pesq_wb,estoi,si_sdr,best"]
    quality = {1000: (1.50, 0.60), 2000: (1.80, 0.70), 3000: (1.78, 0.70), 4000: (1.70, 0.66)}
    for step, (pesq, estoi) in quality.items():
        (run / "validated" / f"step{step:06d}.pt").write_bytes(str(step).encode())
        rows.append(f"{step},0.1,{pesq},{estoi},10.0,0")
    (run / "valid.csv").write_text("\n".join(rows) + "\n")
    wers = {2000: 0.80, 3000: 0.70, 4000: 0.60}  # 3000: 2.48 - 0.70 = 1.78 beats 2000's 1.70 and 4000's 1.76
    calls = []

    def fake_wer(model, asr_valid):
        step = int(model.stem.removeprefix("step"))
        calls.append(step)
        return wers[step]

    monkeypatch.setattr(sel, "wer_of", fake_wer)
    sel.main([str(run), "--asr-valid", str(asr), "--top", "3"])
    assert sorted(calls) == [2000, 3000, 4000]  # the three best by PESQ-WB + ESTOI; 1000 never scored
    assert (run / "selected.pt").read_bytes() == b"3000"
    assert "3000,2.48,0.7," in (run / "selection.csv").read_text()
    calls.clear()
    sel.main([str(run), "--asr-valid", str(asr), "--top", "3"])  # every WER cached: the recognizer is not run
    assert calls == [] and (run / "selected.pt").read_bytes() == b"3000"
