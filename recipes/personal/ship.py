"""Ship the personalization starts ``gru64/128/256.pt`` (fp16) with their model cards.

The meta-learned start of stage 2 is not shipped: from these generalists it reached the SE start's result in no
fewer steps (BENCHMARKS.md "personalization-meta").

    python recipes/personal/ship.py runs/personal/starts --se-steps 6000
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hush.models.model_file import load, save
from hush.pretrained import HERE

CARD = """# Model card: `{name}` (v1)

## Summary

{summary} Meant as the starting point of `hush personalize --init {name}`, the paper-size models of Sivaraman,
Kim & Kim (Interspeech 2021); it is also an ordinary enhancement model (`hush enhance -m {name}`).

## Intended use and limits

Starting point of personalization on a user's own noisy recordings (docs/personalization.md). Limits:

- A small, briefly trained generalist, far below `default`: on 10 files of the dev set, SI-SDR 8.5 dB noisy,
  8.8 with `gru64`, 8.7 with `gru256`, 12.4 with `default`; on the demo clip PESQ-WB rises (1.31 to 1.73) while
  SI-SDR falls (5.2 to 4.1 dB with `gru64`). Its gains are at low SNR (+5 dB SI-SDR on the personalization test
  mixtures at −5…5 dB, BENCHMARKS.md "personalization-meta"). Use `--init default` for the best personalized
  model and these for small ones (fewer parameters, cheaper per frame).
- Causal, but with STFT frames of 64 ms (1024 samples at 16 kHz, hop 16 ms): it streams with about twice
  `default`'s latency.
- 16 kHz; other rates are resampled. Trained without reverberation, codecs or band limitation.

## Architecture and cost

A 2-layer unidirectional GRU of {hidden} units on log-power spectra of sqrt-Hann STFT frames (1024, hop 256),
a linear layer and a sigmoid: a real gain per bin, applied to the noisy spectrum. {params:,} parameters, fp16
file of {mb:.2f} MB.

## Training data and licences

{data} Speech: the shared set's generalist training speakers (the five personalization users and a seeded 10 % of
the speakers are excluded); noise: the Debian game sounds (less a held-out 20 %), the Debian wesnoth music and the
Speech Commands background recordings, at −5…5 dB, 1 s segments, the Hann-framed segmental MSE of the paper. No
UrbanSound8K noise was used. Licences: those of the shared set's README (CC BY, public domain, BSD-style, ODC-By,
Apache-2.0, GPL and CC-BY-SA for Debian data).

## How to reproduce

```sh
bash recipes/personal/run.sh
```

{reproduce}

## Training record

{record}
"""


def _record(info: dict) -> str:
    keys = ("steps", "best_step", "valid_start", "valid_best", "wall_s", "cpu_s")
    return "\n".join(f"- {k}: {info[k]:.4g}" if isinstance(info[k], float) else f"- {k}: {info[k]}" for k in keys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("--se-steps", type=int, required=True)
    ap.add_argument("--dest", type=Path, default=HERE)
    args = ap.parse_args()
    models = args.work / "models"
    for h in (64, 128, 256):
        src = models / f"se-gru{h}.pt"
        info = json.loads(src.with_suffix(".json").read_text())
        _ship(src, args.dest, f"gru{h}", h, dict(
            name=f"gru{h}", hidden=h,
            summary=f"A speech-enhancement generalist of {h} GRU units trained from scratch.",
            data=f"{info['steps']} steps of 16 one-second mixtures (best validation at step {info['best_step']}).",
            reproduce=f"Stage 1 trains it ({args.se_steps} steps; `SE_STEPS` changes that).",
            record=_record(info),
        ))  # fmt: skip


def _ship(src: Path, dest: Path, name: str, hidden: int, fields: dict) -> None:
    model = load(src)
    out = dest / f"{name}.pt"
    save(model, out, metrics=model.metrics, meta={"personalization_start": True, "trained_from": src.name}, half=True)
    params = sum(p.numel() for p in model.parameters())
    (dest / f"{name}.md").write_text(CARD.format(**fields, params=params, mb=out.stat().st_size / 1e6))
    print(f"shipped {out} ({out.stat().st_size / 1e6:.2f} MB, {params:,} parameters)")


if __name__ == "__main__":
    main()
