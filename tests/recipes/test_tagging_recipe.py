"""recipes/tagging: every row of the two tables is the baseline plus its own tagging knowledge, with the same
budget, data and seed, and run.sh trains every config."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hush.models import build_model
from hush.training import load_config

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "recipes" / "tagging" / "conf"
ROWS = sorted(p.stem for p in CONF.glob("*.yaml"))


def _comparable(cfg) -> dict:
    d = dataclasses.asdict(cfg)
    d["model"]["options"] = {
        k: v for k, v in d["model"]["options"].items() if k not in ("fusion", "tagger_window", "tagger_step")
    }
    d["train"].pop("out_dir")
    for key in ("name", "mtl"):
        d.pop(key)
    return d


def test_the_tables_rows_exist():
    assert set(ROWS) >= {"baseline", "ne1", "at1", "at10", "at-gradnorm", "early", "middle", "late", "all"}


@pytest.mark.parametrize("row", [r for r in ROWS if r != "baseline"])
def test_row_differs_from_the_baseline_only_in_its_tagging_knowledge(row):
    base, cfg = load_config(CONF / "baseline.yaml"), load_config(CONF / f"{row}.yaml")
    assert _comparable(cfg) == _comparable(base)
    assert cfg.train.out_dir == f"runs/tagging/{row}"
    assert (cfg.mtl is not None) != ("fusion" in cfg.model.options)  # exactly one kind of knowledge per row
    assert f"$conf/{row}.yaml" in (ROOT / "recipes" / "tagging" / "run.sh").read_text()


def test_small_model_has_a_quarter_of_the_parameters():
    small = build_model("tcn-denseunet", **load_config(CONF / "baseline.yaml").model.options)
    ratio = small.num_parameters() / build_model("tcn-denseunet").num_parameters()
    assert 0.2 < ratio < 0.3
