"""Choose a run's model among its validated snapshots with the recognizer's WER beside PESQ-WB and ESTOI.

    python recipes/common/select_checkpoint.py runs/default --asr-valid data/asr-valid-default [--top 5]

The run must keep its validated models (``train.keep_validated: true``: ``RUN/validated/stepNNNNNN.pt``) and its
``valid.csv``. The ``--top`` snapshots by ``pesq_wb + estoi`` on the run's own validation set are scored for WER on
the ASR validation set (``recipes/common/make_asr_valid.py``: validation speakers, validation noise, nothing from dev
or the ASR dev set), and the one with the highest ``pesq_wb + estoi - wer`` is copied to ``RUN/selected.pt``. The
table goes to ``RUN/selection.csv``; each snapshot's WER is kept in ``RUN/selection.jsonl`` as it is measured, so a
stopped selection resumes where it stopped. A quality-predictor gain that costs recognition is thus not selected for
free.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

import soundfile as sf

import hush
from hush.metrics.asr import asr_scores, pooled_rate, read_transcripts, transcript_for
from hush.threads import set_threads


def wer_of(model: Path, asr_valid: Path) -> float:
    texts = read_transcripts(asr_valid / "transcripts.txt")
    enh = hush.load_method(str(model))
    rows = []
    for f in sorted((asr_valid / "noisy").glob("*.wav")):
        x, sr = sf.read(f, dtype="float32")
        rows.append(asr_scores(hush.enhance(x, sr, method=enh), sr, transcript_for(f.name, texts)))
    return pooled_rate(rows, "wer")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--asr-valid", type=Path, required=True)
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args(argv)
    set_threads(1)
    with open(args.run / "valid.csv", newline="") as fh:
        valid = {int(r["step"]): r for r in csv.DictReader(fh)}
    snaps = {int(p.stem.removeprefix("step")): p for p in (args.run / "validated").glob("step*.pt")}
    scored = [(float(valid[s]["pesq_wb"]) + float(valid[s]["estoi"]), s) for s in snaps if s in valid]
    if not scored:
        raise SystemExit(f"{args.run}: no validated snapshots with a valid.csv row (train.keep_validated: true?)")
    # each snapshot's WER is kept as it is measured (the recognizer is slow), so a stopped selection resumes
    cache_path = args.run / "selection.jsonl"
    files = sorted(f.name for f in (args.asr_valid / "noisy").glob("*.wav"))
    cache = {}
    if cache_path.exists():
        for line in cache_path.read_text().splitlines():
            rec = json.loads(line)
            if rec["files"] == files and rec["asr_valid"] == str(args.asr_valid):
                cache[rec["step"]] = rec["wer"]
    table = []
    for quality, step in sorted(scored, reverse=True)[: args.top]:
        if step not in cache:
            cache[step] = wer_of(snaps[step], args.asr_valid)
            rec = {"step": step, "wer": cache[step], "asr_valid": str(args.asr_valid), "files": files}
            with open(cache_path, "a") as fh:
                fh.write(json.dumps(rec) + "\n")
        wer = cache[step]
        table.append({"step": step, "pesq_wb+estoi": round(quality, 4), "wer": round(wer, 4), "score": quality - wer})
        print(f"step {step}: pesq_wb+estoi {quality:.4f}, WER {wer:.4f}", flush=True)
    best = max(table, key=lambda r: r["score"])
    shutil.copy(snaps[best["step"]], args.run / "selected.pt")
    with open(args.run / "selection.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(table[0]))
        w.writeheader()
        w.writerows(table)
    print(f"selected step {best['step']} -> {args.run / 'selected.pt'}")


if __name__ == "__main__":
    main()
