"""Ship the last stage of a recipe as a bundled model: fp16 weights, the model card and the stages' logs.

    python recipes/common/ship.py hq recipes/hq/v1                  # the last stage of recipes/hq/v1/run.sh
    python recipes/common/ship.py hq recipes/hq/v1 --card-only      # rewrite the card of the shipped file only

RECIPE holds ``conf/NN-*.yaml`` (the training stages in order, or the one ``conf/train.yaml`` of a single-stage
recipe; each config's ``train.out_dir`` is its run folder) and ``card.yaml`` (the model-specific text of the card:
version, summary, intended use, limits, the reproduce command, notes, the changelog, and optionally
``inference_config``: inference-only options the shipped file carries, such as ``feature_floor``;
``handles_band_limited``: whether the model is fit for telephone-band input (stored in the file; without it hush
warns on such input); ``presets``: named
suppression settings stored in the file, such as the ``asr`` one of ``recipes/common/tune_asr_preset.py``). The card is
``recipes/common/model_card_template.md`` filled in with that text and with what is measured: the architecture and
cost of the shipped file, each stage's steps and wall time (from its run folder; for a run folder that is gone, from
the card being replaced), and the results on ../shared/data/dev from ``benchmarks/results/compare_dev.json`` (and
``p808_dev.json``; run ``bash benchmarks/compare_dev.sh`` first, then ship again) and the recognizer's WER on the ASR
dev set from ``benchmarks/results/asr_dev.json`` (``bash benchmarks/asr_dev.sh``). ``--card-only`` also stores
changed ``presets`` in the shipped file, its weights unchanged. ``--asr-preset TABLE`` takes the ``asr`` preset from
``recipes/common/tune_asr_preset.py``'s table instead of card.yaml (the table is kept as ``RECIPE/logs/asr_preset.csv``
and used by later ships); ``--checkpoint selected.pt`` ships the choice of
``recipes/common/select_checkpoint.py`` and puts its table on the card (kept as ``RECIPE/logs/selection.csv``). Writes
``src/hush/pretrained/<name>.pt`` (the last stage's best checkpoint in fp16), ``src/hush/pretrained/<name>.md`` and
``RECIPE/logs/stageNN-{train,valid}.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
from pathlib import Path
from string import Template

import numpy as np
import yaml

from hush.compare.bootstrap import paired_bootstrap, paired_bootstrap_ratio
from hush.methods.control import file_presets
from hush.models import load, save
from hush.models.complexity import describe
from hush.training import load_config

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("model_card_template.md")
METRICS = ("pesq_wb", "pesq_nb", "estoi", "si_sdr", "dnsmos_sig", "dnsmos_bak", "dnsmos_ovrl", "dnsmos_p808")
PEERS = ("rnnoise", "nsnet2", "gtcrn", "noisereduce", "deepfilternet3", "mmse-lsa")

# The first version's data (the v1 recipes); later recipes name theirs in card.yaml (``training_data``).
DATA = """\
The project's shared set (`../shared/data`, see its README), mixed on the fly by `hush train` (`data.kind:
manifests`, 3 s segments, SNR −5…20 dB, 1–3 noises, level −35…−15 dBFS, no reverberation). Validation (model
selection) used 10 held-back training speakers and 5 % of the noise files, never ../shared/data/dev.

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
file, filter the `corpus` field) and ship your own weights."""


def fmt_h(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h ({seconds / 60:.0f} min)"


def _frames(n: int) -> str:
    return "no lookahead frames" if not n else f"{n} lookahead frame{'s' if n > 1 else ''}"


# ------------------------------------------------------------------------------------------------ stages


def stages(recipe: Path) -> list[tuple[int, Path, Path]]:
    """``(number, config, run folder)`` of each training stage, in order: ``conf/NN-name.yaml``, or the one config
    of a single-stage recipe (``conf/train.yaml``)."""
    confs = sorted((recipe / "conf").glob("[0-9][0-9]-*.yaml"))
    numbered = bool(confs)
    if not numbered:
        confs = sorted((recipe / "conf").glob("*.yaml"))
    if not confs or (not numbered and len(confs) > 1):
        raise SystemExit(f"{recipe}/conf: no stage configs (NN-name.yaml, or a single config)")
    return [(int(c.name[:2]) if numbered else 1, c, Path(load_config(c).train.out_dir)) for c in confs]


def previous_stages(card_text: str) -> dict[int, tuple[str, float, str]]:
    """``stage -> (steps, wall seconds, wall time as written)`` from the card being replaced: its stage table, or
    the numbered list of cards written before the template (``N. `run`: S steps, H h (M min) wall time``)."""
    found = {}
    for m in re.finditer(r"^\| (\d+) \| [^|]+ \| (\S+) \| (([\d.]+) h \(\d+ min\)) \|$", card_text, re.M):
        found[int(m.group(1))] = (m.group(2), float(m.group(4)) * 3600, m.group(3))
    for m in re.finditer(r"^(\d+)\. `[^`]+`: (\S+) steps, (([\d.]+) h \(\d+ min\)) wall time$", card_text, re.M):
        found.setdefault(int(m.group(1)), (m.group(2), float(m.group(4)) * 3600, m.group(3)))
    return found


def stage_facts(n: int, run: Path, previous: dict) -> tuple[str, float, str] | None:
    """Steps and wall seconds of one stage: its summary, else its best checkpoint (a run stopped by hand, the step
    and wall time of the checkpoint the next stage started from), else the card being replaced."""
    summary = run / "summary.json"
    if summary.exists():
        s = json.loads(summary.read_text())
        wall = float(s.get("wall_seconds", 0))
        return str(s.get("steps", "?")), wall, fmt_h(wall)
    if (run / "best.pt").exists():
        meta = load(run / "best.pt").meta or {}
        wall = float(meta.get("wall_seconds", 0))
        return str(meta.get("step", "?")), wall, fmt_h(wall)
    return previous.get(n)


def selection_table(csv_path: Path) -> str:
    """``recipes/common/select_checkpoint.py``'s table: each candidate's validation quality and WER."""
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = [
        "| step | PESQ-WB + ESTOI (validation) | WER (ASR validation set) | score |",
        "|---|---|---|---|",
    ]
    best = max(rows, key=lambda r: float(r["score"]))
    for r in sorted(rows, key=lambda r: int(r["step"])):
        mark = " (shipped)" if r is best else ""
        quality, wer, score = (float(r[k]) for k in ("pesq_wb+estoi", "wer", "score"))
        out.append(f"| {r['step']}{mark} | {quality:.4f} | {wer:.4f} | {score:.4f} |")
    return "\n".join(out)


def stages_section(
    name: str, recipe: Path, previous: dict, meta: dict, note: str, selection: Path | None = None
) -> str:
    try:
        rel = recipe.relative_to(ROOT)
    except ValueError:  # a recipe outside the repository (tests)
        rel = recipe
    lines = ["| stage | config | steps | wall time |", "|---|---|---|---|"]
    total, missing = 0.0, []
    for n, conf, run in stages(recipe):
        facts = stage_facts(n, run, previous)
        if facts is None:
            missing.append(n)
            lines.append(f"| {n} | `{conf.name}` | ? | ? |")
            continue
        total += facts[1]
        lines.append(f"| {n} | `{conf.name}` | {facts[0]} | {facts[2]} |")
    logs = sorted((recipe / "logs").glob("stage*-valid.csv"))
    cfg = meta.get("config", {}).get("train", {})
    total_line = (
        f"Total: {fmt_h(total)} of training on 2 CPU cores (no GPU), two runs sharing the machine, one torch thread"
        " each" + (f"; stages {', '.join(map(str, missing))}: not recorded." if missing else ".")
    )
    chosen = (
        f"snapshot chosen among the validated ones by PESQ-WB + ESTOI − WER (table below; step"
        f" {meta.get('step', '?')})"
        if selection
        else f"best checkpoint on validation {cfg.get('select_metric', 'pesq_wb')} (step {meta.get('step', '?')})"
    )
    if len(stages(recipe)) == 1:
        how = f"Trained from scratch in one run (resumed across sessions); the shipped weights are its {chosen}"
    else:
        how = (
            "Each stage warm-starts from the previous stage's best checkpoint; the shipped weights are the last"
            f" stage's {chosen}"
        )
    lines += ["", total_line, how + ", stored in fp16."]
    if selection:
        lines += ["", selection_table(selection)]
    if note:
        lines += ["", note.strip()]
    if logs:
        lines += [
            "",
            f"Configs: `{rel}/conf/`; training and validation logs: `{rel}/logs/stageNN-{{train,valid}}.csv`"
            f" ({len(logs)} {'stage' if len(logs) == 1 else 'stages'} kept).",
        ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ card parts


def architecture(model, shipped: Path, meta: dict) -> str:
    d = describe(model)
    doc = (type(model).__doc__ or model.arch).strip().splitlines()[0].rstrip(".")
    if not model.causal:  # the family's docstring describes its causal form
        doc = doc.replace("causal ", "bidirectional ")
    lines = [
        f"- family `{model.arch}` ({doc}), options `{json.dumps(model.config)}`",
        f"- parameters: {d['parameters']:,}; compute: {d['macs_per_second'] / 1e6:.1f} MMAC per second of audio",
        f"- sample rate {model.sample_rate} Hz (other rates are resampled to it and back; channels are enhanced"
        " independently)",
        (
            f"- algorithmic latency {d['lookahead_ms']:.1f} ms (one {model.n_fft}-sample window, hop"
            f" {model.hop_size}, {_frames(getattr(model, 'lookahead_frames', 0))}); streams through `step()`"
            if model.causal
            else "- latency: offline only; a bidirectional recurrent trunk sees the whole input; long files are"
            " processed in overlapping 30 s chunks with crossfades (streaming falls back to chunks)"
        ),
        f"- file: `src/hush/pretrained/{shipped.name}`, fp16, {shipped.stat().st_size / 1e6:.2f} MB",
    ]
    lim = (meta.get("inference") or {}).get("atten_lim_db")
    if lim is not None:
        lines.append(
            f"- default suppression limit {lim:g} dB per time-frequency bin (stored in the file; chosen on the own"
            ' validation set, BENCHMARKS.md "own-valid"); `--atten-lim-db N` replaces it, `--atten-lim-db inf`'
            " removes it"
        )
    for preset, control in ((meta.get("inference") or {}).get("presets") or {}).items():
        lim, mix = control.get("atten_lim_db"), control.get("mix", 1.0)
        what = ", ".join(
            ([f"suppression limit {lim:g} dB"] if lim is not None else ["no suppression limit"])
            + ([f"mix {mix:g}"] if mix != 1.0 else [])
        )
        lines.append(f"- preset `{preset}` (`-m {shipped.stem}:preset={preset}`): {what}")
    return "\n".join(lines)


ASR_PEERS = ("rnnoise", "nsnet2", "gtcrn", "deepfilternet3", "mmse-lsa")


def asr_section(name: str, asr: Path) -> str:
    """The recognizer's pooled WER on the ASR dev set for this model (and its ``asr`` preset) against the peers."""
    if not asr.exists():
        return "WER not measured yet: run `bash benchmarks/asr_dev.sh`, then ship again."
    systems = json.loads(asr.read_text())["systems"]
    mine = [s for s in (name, f"{name}:preset=asr") if s in systems]
    if not mine:
        return f"`{name}` is not in {asr.name}: run `bash benchmarks/asr_dev.sh`, then ship again."
    others = [s for s in ("noisy", *ASR_PEERS) if s in systems]

    def counts(s: str) -> tuple[list, list]:
        pf = systems[s]["per_file"]
        return [f.get("wer_errors", np.nan) for f in pf], [f.get("wer_words", np.nan) for f in pf]

    out = [
        "Speech recognition (`bash benchmarks/asr_dev.sh`): PocketSphinx's pooled WER on 60 utterances of held-out"
        " LibriSpeech speakers in held-out noise at 0, 5 and 10 dB; an older-generation recognizer, so compare rows,"
        " not absolute figures. Differences: WER points [95 % paired-bootstrap interval]; negative means fewer errors.",
        "",
        "| system | WER | " + " | ".join(f"− {o}" for o in others) + " |",
        "|---|---|" + "---|" * len(others),
    ]
    for s in mine:
        err, words = counts(s)
        cells = [str(paired_bootstrap_ratio(err, counts(o)[0], words)) for o in others]
        out.append(f"| {s} | {systems[s]['mean']['wer']:.3f} | " + " | ".join(cells) + " |")
    out += ["", "| reference | WER |", "|---|---|"]
    out += [f"| {o} | {systems[o]['mean']['wer']:.3f} |" for o in others]
    return "\n".join(out)


def results_section(name: str, compare: Path, p808: Path) -> str:
    if not compare.exists():
        return "Not measured yet: run `bash benchmarks/compare_dev.sh`, then ship again."
    doc = json.loads(compare.read_text())
    systems = doc["systems"]
    if name not in systems:
        return f"`{name}` is not in {compare.name}: run `bash benchmarks/compare_dev.sh`, then ship again."
    cols = [m for m in METRICS if m in systems[name]["mean"]]
    peers = [p for p in PEERS if p in systems]
    out = [
        "Measured with `bash benchmarks/compare_dev.sh` (`hush compare`, one thread, one run for all systems) on"
        " ../shared/data/dev (120 files, SNR −5…20 dB, noise sources kept out of training). DNSMOS columns are P.835"
        " SIG/BAK/OVRL and P.808 (a quality predictor that no training run used). Differences: mean [95 %"
        " paired-bootstrap interval].",
        "",
        "| system | " + " | ".join(cols) + " | RTF |",
        "|---|" + "---|" * (len(cols) + 1),
    ]
    for s in ("noisy", name, *peers):
        rtf = systems[s].get("rtf")
        out.append(
            f"| {s} | "
            + " | ".join(f"{systems[s]['mean'][m]:.3f}" for m in cols)
            + f" | {'' if rtf is None else f'{rtf:.3f}'} |"
        )
    out += ["", "| difference | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for other in ("noisy", *peers):
        cells = []
        for m in cols:
            a = [f.get(m, np.nan) for f in systems[name]["per_file"]]
            b = [f.get(m, np.nan) for f in systems[other]["per_file"]]
            cells.append(str(paired_bootstrap(a, b)))
        out.append(f"| {name} − {other} | " + " | ".join(cells) + " |")
    if "dnsmos_p808" not in cols and p808.exists():  # runs before compare_dev.sh scored P.808 itself
        pd = json.loads(p808.read_text())["systems"]
        if name in pd:
            a = [f.get("dnsmos_p808", np.nan) for f in pd[name]["per_file"]]
            out += [
                "",
                "DNSMOS P.808, a quality predictor that no training run used (`bash benchmarks/p808_dev.sh`, same"
                " files):",
                "",
                f"| system | P.808 | {name} − system |",
                "|---|---|---|",
            ]
            for s in [s for s in ("noisy", *PEERS) if s in pd]:
                b = [f.get("dnsmos_p808", np.nan) for f in pd[s]["per_file"]]
                out.append(f"| {s} | {pd[s]['mean']['dnsmos_p808']:.3f} | {paired_bootstrap(a, b)} |")
            out.append(f"| {name} | {pd[name]['mean']['dnsmos_p808']:.3f} | |")
    conds = doc.get("conditions")
    if conds:
        out += ["", "Per input SNR (mean PESQ-WB / SI-SDR):", "", f"| SNR dB | noisy | {name} |", "|---|---|---|"]
        for c in sorted(set(conds), key=float):
            idx = [i for i, x in enumerate(conds) if x == c]
            row = []
            for s in ("noisy", name):
                pf = systems[s]["per_file"]
                row.append(
                    f"{np.nanmean([pf[i]['pesq_wb'] for i in idx]):.2f} / "
                    f"{np.nanmean([pf[i]['si_sdr'] for i in idx]):.1f}"
                )
            out.append(f"| {c} | " + " | ".join(row) + " |")
    return "\n".join(out)


VARIANTS = {
    "reverb": ("Reverberant dev (held-out simulated rooms; scored against the direct path plus 50 ms)", "wpe"),
    "tel": ("Telephone-band dev (dev resampled to 8 kHz; PESQ-NB at 8 kHz)", None),
}


def variants_section(name: str, compare: Path) -> str:
    """Means on the reverberant and telephone-band dev variants (``compare_dev_{reverb,tel}.json`` beside
    ``compare``) and this model's differences from the unprocessed input and each peer there."""
    out = []
    for variant, (title, extra) in VARIANTS.items():
        path = compare.with_name(f"{compare.stem}_{variant}.json")
        if not path.exists():
            continue
        systems = json.loads(path.read_text())["systems"]
        if name not in systems:
            continue
        cols = [m for m in METRICS if m in systems[name]["mean"]]
        others = [s for s in ("noisy", *PEERS, *((extra,) if extra else ())) if s in systems]
        out += [
            "",
            f"{title}, `bash benchmarks/compare_variants.sh`; {name} − system: mean [95 % paired-bootstrap interval]:",
            "",
            "| system | " + " | ".join(cols) + " | " + " | ".join(f"{name} − system: {m}" for m in cols) + " |",
            "|---|" + "---|" * (2 * len(cols)),
            f"| {name} | " + " | ".join(f"{systems[name]['mean'][m]:.3f}" for m in cols) + " |" + " |" * len(cols),
        ]
        for o in others:
            diffs = [
                str(
                    paired_bootstrap(
                        [f.get(m, np.nan) for f in systems[name]["per_file"]],
                        [f.get(m, np.nan) for f in systems[o]["per_file"]],
                    )
                )
                for m in cols
            ]
            means = " | ".join(f"{systems[o]['mean'][m]:.3f}" for m in cols)
            out.append(f"| {o} | {means} | " + " | ".join(diffs) + " |")
    return "\n".join(out)


def _bullets(items) -> str:
    return "\n".join(f"- {' '.join(str(i).split())}" for i in items)


def _para(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in str(text).strip().split("\n\n"))


def training_data(info: dict) -> str:
    """The card's data section: ``training_data`` of card.yaml (text, or ``@path`` of a file relative to the
    repository root), else the first version's data."""
    text = info.get("training_data")
    if not text:
        return DATA
    text = str(text).strip()
    return (ROOT / text[1:]).read_text().strip() if text.startswith("@") else text


def selection(recipe: Path) -> Path | None:
    """The selection table of the shipped checkpoint (``logs/selection.csv``, stored by a ship of ``selected.pt``)."""
    path = recipe / "logs" / "selection.csv"
    return path if path.exists() else None


def card(name: str, recipe: Path, model, shipped: Path, previous: dict, compare: Path, p808: Path, asr: Path) -> str:
    info = yaml.safe_load((recipe / "card.yaml").read_text())
    meta = model.meta if isinstance(getattr(model, "meta", None), dict) else {}
    results = results_section(name, compare, p808) + variants_section(name, compare) + "\n\n" + asr_section(name, asr)
    return Template(TEMPLATE.read_text()).substitute(
        name=name,
        version=info["version"],
        summary=_para(info["summary"]),
        intended_use=_para(info["intended_use"]),
        limits=_bullets(info["limits"]),
        architecture=architecture(model, shipped, meta),
        training_data=training_data(info),
        command=info["command"].strip(),
        stages=stages_section(name, recipe, previous, meta, _para(info.get("reproduce_note", "")), selection(recipe)),
        results=results,
        changelog=_bullets(info["changelog"]),
    )


def asr_preset(table: Path) -> dict | None:
    """The ``asr`` preset from ``recipes/common/tune_asr_preset.py``'s table: the admissible setting (WER at or below
    the unprocessed input's at every SNR) with the lowest pooled WER, or ``None`` when no setting is admissible."""
    with open(table, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("admissible") == "True"]
    if not rows:
        return None
    setting = json.loads(min(rows, key=lambda r: float(r["wer"]))["setting"])
    return {k: v for k, v in setting.items() if v is not None and not (k == "mix" and v == 1.0)}


def with_inference(meta: dict, atten_lim_db: float | None, presets: dict) -> dict:
    """``meta`` with the file's default limit (when given) and its named presets (validated) in ``inference``."""
    inference = dict(meta.get("inference") or {})
    if atten_lim_db is not None:
        inference["atten_lim_db"] = atten_lim_db
    inference["presets"] = {k: dict(v) for k, v in presets.items()}
    file_presets({"inference": inference})  # one-line error on a bad value, before anything is written
    if not inference["presets"]:
        del inference["presets"]
    return {**meta, "inference": inference} if inference else {k: v for k, v in meta.items() if k != "inference"}


def with_declarations(meta: dict, info: dict) -> dict:
    """``meta`` with what card.yaml declares about the inputs the model is fit for: ``handles_band_limited`` (trained
    on telephone-band input and measured not to make it worse; without it hush warns on such input)."""
    if "handles_band_limited" in info:
        return {**meta, "handles_band_limited": bool(info["handles_band_limited"])}
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", help="bundled model name (src/hush/pretrained/NAME.pt)")
    ap.add_argument("recipe", type=Path, help="recipe folder (conf/NN-*.yaml, card.yaml)")
    ap.add_argument("--checkpoint", default="best.pt", help="file of the last stage's run folder to ship")
    ap.add_argument("--card-only", action="store_true", help="rewrite the card of the shipped file; weights unchanged")
    ap.add_argument("--out", type=Path, default=ROOT / "src/hush/pretrained", help="where NAME.pt and NAME.md go")
    ap.add_argument("--compare", type=Path, default=ROOT / "benchmarks/results/compare_dev.json")
    ap.add_argument("--p808", type=Path, default=ROOT / "benchmarks/results/p808_dev.json")
    ap.add_argument("--asr", type=Path, default=ROOT / "benchmarks/results/asr_dev.json")
    ap.add_argument(
        "--atten-lim-db",
        type=float,
        default=None,
        help="default suppression limit stored in the file (chosen on own validation, never dev)",
    )
    ap.add_argument(
        "--asr-preset",
        type=Path,
        default=None,
        help="tune_asr_preset.py's table: its winner becomes the `asr` preset (kept in RECIPE/logs)",
    )
    args = ap.parse_args(argv)
    recipe = args.recipe.resolve()
    dest = args.out / f"{args.name}.pt"
    card_path = dest.with_suffix(".md")
    previous = previous_stages(card_path.read_text()) if card_path.exists() else {}
    info = yaml.safe_load((recipe / "card.yaml").read_text())
    presets = dict(info.get("presets") or {})
    kept_table = recipe / "logs" / "asr_preset.csv"
    if args.asr_preset is not None and args.asr_preset.resolve() != kept_table.resolve():
        kept_table.parent.mkdir(exist_ok=True)
        shutil.copy(args.asr_preset, kept_table)
    if kept_table.exists():  # the tuned preset replaces card.yaml's
        chosen = asr_preset(kept_table)
        if chosen is None:
            presets.pop("asr", None)
            print(f"{kept_table}: no admissible setting, no ASR preset")
        else:
            presets["asr"] = chosen
    if args.card_only:
        model = load(dest)
        meta = with_declarations(with_inference(model.meta, None, presets), info)
        if meta != model.meta:  # weights unchanged, metadata updated
            save(model, dest, metrics=model.metrics, meta=meta, half=True)
    else:
        runs = stages(recipe)
        # inference-only settings the shipped file carries (the architecture's INFERENCE_OPTIONS, same weights)
        model = load(runs[-1][2] / args.checkpoint, **(info.get("inference_config") or {}))
        meta = with_declarations(with_inference(model.meta, args.atten_lim_db, presets), info)
        save(model, dest, metrics=model.metrics, meta=meta, half=True)
        dest.chmod(0o644)  # package data: readable by everyone
        logs = recipe / "logs"
        logs.mkdir(exist_ok=True)
        chosen = runs[-1][2] / "selection.csv"
        if Path(args.checkpoint).name == "selected.pt" and chosen.exists():
            shutil.copy(chosen, logs / "selection.csv")
        else:
            (logs / "selection.csv").unlink(missing_ok=True)
        for n, _, run in runs:  # a stage whose run folder is gone keeps the log an earlier ship stored
            for part in ("train", "valid"):
                if (run / f"{part}.csv").exists():
                    shutil.copy(run / f"{part}.csv", logs / f"stage{n:02d}-{part}.csv")
    shipped = load(dest)  # the card describes what ships (fp16 weights, loaded back as fp32)
    card_path.write_text(card(args.name, recipe, shipped, dest, previous, args.compare, args.p808, args.asr))
    print(f"wrote {card_path}" + ("" if args.card_only else f" and {dest} ({dest.stat().st_size / 1e6:.2f} MB)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
