#!/usr/bin/env bash
# The bundled `default` model, from a fresh checkout plus ../shared/data to the trained file, in numbered stages.
#   bash recipes/default/run.sh                 # every stage; a stopped run continues where it stopped
#   bash recipes/default/run.sh 1 1             # only stage 1 (first and last stage to run)
# Run it from the repository root. Stages skip the work their output already holds, so re-running is safe.
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
run=runs/default
# One compute thread beside the data-loading worker: on two cores, two spinning compute threads plus the worker made
# a step five times slower.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if in_range 0; then
  echo "stage 0: manifest of the shared speech, noise and dev data"
  manifest
fi

if in_range 1; then
  echo "stage 1: train from scratch (checkpoints every 250 steps; the RIR banks are simulated once, about 7 minutes)"
  train recipes/default/conf/train.yaml
fi

if in_range 2; then
  echo "stage 2: the ASR validation set (validation speakers with transcripts, validation noise, 0/5/10 dB)"
  asr_valid_set default
fi

if in_range 3; then
  echo "stage 3: select among the validated models on PESQ-WB + ESTOI - WER (runs/default/selected.pt)"
  select_model default
fi

if in_range 4; then
  echo "stage 4: the ASR-safe preset: suppression limit and mix that lower the recognizer's WER most, never above"
  echo "         the unprocessed input at any SNR of the ASR validation set (runs/default/asr_preset.csv)"
  "$python" recipes/common/tune_asr_preset.py "$run/selected.pt" data/asr-valid-default --out "$run/asr_preset.csv"
fi

if in_range 5; then
  echo "stage 5: ship: src/hush/pretrained/default.pt (fp16) with its ASR preset, measured on dev, its variants and the"
  echo "         ASR dev set beside the peers, and its card src/hush/pretrained/default.md"
  ship_model default
fi
