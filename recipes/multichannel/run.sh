#!/usr/bin/env bash
# Multi-channel enhancement: the `mcmask` mask estimator, a `default` post-filter fine-tuned on MVDR outputs, and the
# multi-channel dev benchmark, in numbered stages.
#   bash recipes/multichannel/run.sh             # every stage; a stopped run continues where it stopped
#   bash recipes/multichannel/run.sh 2 2         # only stage 2 (first and last stage to run)
# Run it from the repository root. Stages skip the work their output already holds, so re-running is safe.
#   MASK_MINUTES   training time of the mask estimator (default 4; CPU)
#   MAX_STEPS      override the post-filter's train.max_steps (e.g. 20 for a smoke run)
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if in_range 0; then
  echo "stage 0: manifest of the shared speech, noise and dev data"
  manifest
fi

if in_range 1; then
  echo "stage 1: train the multi-channel mask estimator mcmask on simulated 2/4/6-microphone arrays"
  [ -s src/hush/pretrained/mcmask.pt ] && echo "  src/hush/pretrained/mcmask.pt: done" || \
    "$python" recipes/multichannel/train_mask.py "$shared" -o src/hush/pretrained/mcmask.pt --minutes "${MASK_MINUTES:-4}"
fi

if in_range 2; then
  echo "stage 2: fine-tune default as the post-filter of MVDR (data.kind: array, items through mvdr:mask=spp)"
  if [ -n "${MAX_STEPS:-}" ]; then
    conf=$(mktemp --suffix=.yaml)
    sed "s/^  max_steps: .*/  max_steps: $MAX_STEPS/; s/^  valid_every: .*/  valid_every: $MAX_STEPS/" \
      recipes/multichannel/conf/postfilter.yaml > "$conf"
    train "$conf"
    rm -f "$conf"
  else
    train recipes/multichannel/conf/postfilter.yaml
  fi
fi

if in_range 3; then
  echo "stage 3: the multi-channel dev benchmark (BENCHMARKS.md, section multichannel-dev)"
  "$python" benchmarks/multichannel_dev.py "$shared" --n "${N_DEV:-20}"
fi
