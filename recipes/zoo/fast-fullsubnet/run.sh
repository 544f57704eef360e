#!/usr/bin/env bash
# Model zoo, fast-fullsubnet: a small Fast FullSubNet (mel sub-band model at half the frame rate).
#   bash recipes/zoo/fast-fullsubnet/run.sh          # every stage; a stopped run continues where it stopped
#   bash recipes/zoo/fast-fullsubnet/run.sh 1 1      # only stage 1 (first and last stage to run)
# Run it from the repository root; then benchmarks/zoo_dev.sh scores it on ../shared/data/dev beside the others.
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
  echo "stage 1: train (checkpoints every 250 steps)"
  train recipes/zoo/fast-fullsubnet/conf/train.yaml
fi
