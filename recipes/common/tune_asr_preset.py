"""Choose a model's ASR-safe setting: the suppression limit and mix that lower a recognizer's WER the most without
raising it above the unprocessed input at any SNR.

    python recipes/common/tune_asr_preset.py default data/asr-valid-default --out runs/default/asr_preset.csv

The grid (``--limits`` in dB, ``inf`` for none; ``--mixes``) is scored with PocketSphinx on an ASR validation set
(``recipes/common/make_asr_valid.py``: the recipe's validation speakers in its validation noise at 0, 5 and 10 dB,
never the ASR dev set that reports the result). WER is pooled per SNR. A setting is admissible when its WER at every
SNR is at most the unprocessed input's minus ``--margin``; the admissible one with the lowest pooled WER wins (when
none is, the model ships without an ASR preset). The
table goes to ``--out`` and the winner is printed; put it under ``presets: asr:`` in the recipe's ``card.yaml`` and
``ship.py`` stores it in the model file (``hush enhance -m default:preset=asr``). The recognizer is slow (about real
time on noisy speech), so each setting's per-file scores are kept in ``--out`` with the suffix ``.jsonl`` and a rerun
scores only the settings it has not seen.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile as sf

import hush
from hush.metrics.asr import asr_scores, pooled_rate, read_transcripts, transcript_for
from hush.threads import set_threads


def _score(args: tuple[np.ndarray, int, str]) -> dict[str, float]:
    return asr_scores(*args)


def _setting(limit: float, mix: float) -> dict[str, float]:
    return {"atten_lim_db": None if math.isinf(limit) else limit, "mix": mix}


def _row(name: str, rows: list[dict], snrs: list[str]) -> dict:
    out = {"setting": name, "wer": pooled_rate(rows, "wer")}
    for snr in sorted(set(snrs), key=float):
        out[f"wer_{snr}dB"] = pooled_rate([r for r, s in zip(rows, snrs, strict=True) if s == snr], "wer")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("method", help="bundled model name or model file")
    ap.add_argument("asr_set", type=Path, help="folder with noisy/, meta.csv (file, snr_db) and transcripts.txt")
    ap.add_argument("--limits", default="6,10,15,inf", help="suppression limits in dB (inf: none)")
    ap.add_argument("--mixes", default="1.0,0.7", help="dry/wet mixes (1: fully enhanced)")
    ap.add_argument("--margin", type=float, default=0.0, help="required WER gain over unprocessed at every SNR")
    ap.add_argument("--jobs", type=int, default=1, help="recognizer processes")
    ap.add_argument("--out", type=Path, required=True, help="CSV of every setting's WER per SNR")
    ap.add_argument("--cached-only", action="store_true", help="report only the settings scored before")
    ap.add_argument("--benchmarks", action="store_true", help='write the table to BENCHMARKS.md ("asr-preset")')
    args = ap.parse_args()
    set_threads(1)

    texts = read_transcripts(args.asr_set / "transcripts.txt")
    with open(args.asr_set / "meta.csv", newline="") as fh:
        snr_of = {r["file"]: r["snr_db"] for r in csv.DictReader(fh)}
    files = sorted((args.asr_set / "noisy").glob("*.wav"))
    noisy = [sf.read(f, dtype="float32") for f in files]
    refs = [transcript_for(f.name, texts) for f in files]
    snrs = [snr_of[f.name] for f in files]

    grid = [(float(lim), float(mix)) for lim in args.limits.split(",") for mix in args.mixes.split(",")]
    cache_path = args.out.with_suffix(".jsonl")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cache = {}
    if cache_path.exists():
        for line in cache_path.read_text().splitlines():
            rec = json.loads(line)
            if rec["method"] == args.method and rec["files"] == [f.name for f in files]:
                cache[rec["setting"]] = rec["scores"]
    table = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for name, setting in [("unprocessed", None)] + [(json.dumps(_setting(*g)), _setting(*g)) for g in grid]:
            if name not in cache and args.cached_only:
                continue
            if name not in cache:
                enh = None if setting is None else hush.load_method(args.method, **setting)
                outs = [
                    (x if enh is None else hush.enhance(x, sr, method=enh), sr, ref)
                    for (x, sr), ref in zip(noisy, refs, strict=True)
                ]
                cache[name] = list(pool.map(_score, outs))
                rec = {"method": args.method, "setting": name, "files": [f.name for f in files], "scores": cache[name]}
                with open(cache_path, "a") as fh:
                    fh.write(json.dumps(rec) + "\n")
            table.append(_row(name, cache[name], snrs))
            print(json.dumps(table[-1]), flush=True)
    base = table[0]

    per_snr = mark_admissible(table, args.margin)
    with open(args.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[1]))
        w.writeheader()
        w.writerows(table)
    best = choose(table)
    if args.benchmarks:
        write_benchmarks(args, table, per_snr, best, len(files))
    if best is None:  # not an error: the model then ships without an ASR preset
        print(f"no setting keeps WER at or below the unprocessed input at every SNR (no ASR preset); see {args.out}")
        return
    print(f"asr preset: {best['setting']} (pooled WER {best['wer']:.4f}, unprocessed {base['wer']:.4f})")


def mark_admissible(table: list[dict], margin: float) -> list[str]:
    """Mark each setting (rows after the first, the unprocessed input) admissible when its WER at every SNR is at
    most the unprocessed input's minus ``margin``; returns the per-SNR column names."""
    base = table[0]
    per_snr = [k for k in base if k.startswith("wer_")]
    for row in table[1:]:
        row["admissible"] = all(row[k] <= base[k] - margin for k in per_snr)
    base["admissible"] = ""
    return per_snr


def choose(table: list[dict]) -> dict | None:
    """The admissible setting with the lowest pooled WER, or ``None``."""
    ok = [r for r in table[1:] if r["admissible"]]
    return min(ok, key=lambda r: r["wer"]) if ok else None


def _label(setting: str) -> str:
    if setting == "unprocessed":
        return setting
    s = json.loads(setting)
    lim = "no limit" if s["atten_lim_db"] is None else f"limit {s['atten_lim_db']:g} dB"
    return f"{lim}, mix {s['mix']:g}"


def write_benchmarks(args, table: list[dict], per_snr: list[str], best: dict | None, n_files: int) -> None:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_md", Path(__file__).parents[2] / "benchmarks" / "bench_md.py")
    bench_md = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_md)
    cmd = " ".join(["python", "recipes/common/tune_asr_preset.py", *sys.argv[1:]])
    snr_cols = [k.removeprefix("wer_") for k in per_snr]
    lines = [
        f"## ASR-safe setting of `{args.method}`: WER on the ASR validation set",
        "",
        f"Command: `{cmd}`. {n_files} utterances of the recipe's validation speakers in its validation noise (never"
        " dev or the ASR dev set), PocketSphinx, WER pooled per SNR. A setting is admissible when its WER is at or"
        f" below the unprocessed input's at every SNR (margin {args.margin:g}).",
        "",
        "| setting | WER | " + " | ".join(snr_cols) + " | admissible |",
        "|---|---|" + "---|" * len(snr_cols) + "---|",
    ]
    for r in table:
        cells = " | ".join(f"{r[k]:.3f}" for k in per_snr)
        mark = "" if r["setting"] == "unprocessed" else ("yes" if r["admissible"] else "no")
        lines.append(f"| {_label(r['setting'])} | {r['wer']:.3f} | {cells} | {mark} |")
    lines += [
        "",
        f"Chosen: {_label(best['setting'])}." if best else "No setting is admissible: none is chosen.",
    ]
    bench_md.update_section("asr-preset", "\n".join(lines))


if __name__ == "__main__":
    main()
