#!/usr/bin/env bash
# Model zoo at equal small budget: every DNS-era system beside the erbdf baseline, one training stage each, then the
# comparison on ../shared/data/dev.
#   bash recipes/zoo/run.sh          # every stage; a stopped run continues where it stopped
#   bash recipes/zoo/run.sh 3 3      # only stage 3 (first and last stage to run)
# Run it from the repository root. Each system's config is recipes/zoo/<name>/conf/train.yaml (runs/zoo/<name>).
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
conf=recipes/zoo

if in_range 0; then
  echo "stage 0: manifest of the shared speech, noise and dev data"
  manifest
fi
if in_range 1; then
  echo "stage 1: erbdf, the baseline (causal)"
  train $conf/erbdf/conf/train.yaml
fi
if in_range 2; then
  echo "stage 2: dpdfnet, erbdf with the dual-path trunk (causal)"
  train $conf/dpdfnet/conf/train.yaml
fi
if in_range 3; then
  echo "stage 3: fullsubnet, small (causal, cumulative norm, 2 lookahead frames)"
  train $conf/fullsubnet/conf/train.yaml
fi
if in_range 4; then
  echo "stage 4: fast-fullsubnet, small (mel sub-band model at half the frame rate)"
  train $conf/fast-fullsubnet/conf/train.yaml
fi
if in_range 5; then
  echo "stage 5: mp-senet, small (non-causal), its paper's losses and the metric discriminator"
  train $conf/mp-senet/conf/train.yaml
fi
if in_range 6; then
  echo "stage 6: flowse, flow matching from the noisy to the clean spectrogram (non-causal, 5 Euler steps)"
  train $conf/flowse/conf/train.yaml
fi
if in_range 7; then
  echo "stage 7: flowse StoRM-style, refining the bundled default model's output"
  train $conf/flowse/conf/storm.yaml
fi
if in_range 8; then
  echo "stage 8: the comparison on ../shared/data/dev (BENCHMARKS.md zoo-dev)"
  bash benchmarks/zoo_dev.sh
fi
