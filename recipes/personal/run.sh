#!/usr/bin/env bash
# The bundled starting points of personalization (`hush personalize --init gru64|gru128|gru256|meta`), from a fresh
# checkout plus ../shared/data to the shipped files, in numbered stages.
#   bash recipes/personal/run.sh            # every stage; a stopped run continues where it stopped
#   bash recipes/personal/run.sh 1 1        # only stage 1 (first and last stage to run)
# Run it from the repository root. Each model checkpoints at every validation (<model>.pt.ckpt) and resumes.
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
work=runs/personal/starts
se_steps=${SE_STEPS:-6000}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if in_range 0; then
  echo "stage 0: manifest of the shared speech, noise and dev data"
  manifest
fi

if in_range 1; then
  echo "stage 1: the generalists: 2-layer GRU masks of 64, 128 and 256 units (STFT 1024/256), $se_steps steps each"
  "$python" benchmarks/personal_experiment.py --stage se --work "$work" --se-steps "$se_steps" --se-speech 4000
fi

if in_range 2; then
  echo "stage 2: the meta-learned start: Reptile over 40 generalist speakers from the 64-unit generalist"
  "$python" benchmarks/personal_meta.py --work "$work" --size 64 --outer 300 --inner 5 --tasks 40 --train-only
fi

if in_range 3; then
  echo "stage 3: ship: fp16 files and model cards in src/hush/pretrained"
  "$python" recipes/personal/ship.py "$work" --se-steps "$se_steps"
fi
