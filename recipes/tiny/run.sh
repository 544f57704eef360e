#!/usr/bin/env bash
# The bundled edge model `tiny`, from a fresh checkout plus ../shared/data to the trained file, in numbered stages.
#   bash recipes/tiny/run.sh                 # every stage; a stopped run continues where it stopped
#   bash recipes/tiny/run.sh 1 1             # only stage 1 (first and last stage to run)
# Run it from the repository root. Stages skip the work their output already holds, so re-running is safe.
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
run=runs/tiny
# One compute thread beside the data-loading worker: on two cores, two spinning compute threads plus the worker made
# a step five times slower.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if in_range 0; then
  echo "stage 0: manifest of the shared speech, noise and dev data"
  manifest
fi

if in_range 1; then
  echo "stage 1: train from scratch (checkpoints every 250 steps; the RIR banks are simulated once, about 7 minutes)"
  train recipes/tiny/conf/train.yaml
fi
