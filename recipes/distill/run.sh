#!/usr/bin/env bash
# Distillation ablation on the shared data (README.md), in numbered stages, from the repository root:
#   bash recipes/distill/run.sh           # every stage; run it again to continue after a stop
#   bash recipes/distill/run.sh 2 6       # only the students
# Every stage skips work whose output exists; a stopped training run resumes (hush train --resume).
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if in_range 0; then
  echo "stage 0: manifests of the shared data and of its first-version part (data/shared-v1.jsonl)"
  v1_manifest
fi
if in_range 1; then
  echo "stage 1: the teachers: stage 1 of recipes/hq/v1 (non-causal) and of recipes/default/v1 (causal, same width)"
  bash recipes/hq/v1/run.sh 1 1
  bash recipes/default/v1/run.sh 1 1
fi
if in_range 2; then
  echo "stage 2: output + feature distillation from hq (fills the teacher cache runs/distill-cache)"
  train recipes/distill/both.yaml
fi
if in_range 3; then
  echo "stage 3: output distillation from hq (reads the cache)"
  train recipes/distill/output.yaml
fi
if in_range 4; then
  echo "stage 4: feature distillation from hq (reads the cache)"
  train recipes/distill/features.yaml
fi
if in_range 5; then
  echo "stage 5: no distillation (the baseline student)"
  train recipes/distill/none.yaml
fi
if in_range 6; then
  echo "stage 6: output + feature distillation from the causal teacher"
  train recipes/distill/both-causal.yaml
fi
if in_range 7; then
  echo "stage 7: the bundled-size model distilled from hq, from stage 2 of recipes/default/v1"
  bash recipes/default/v1/run.sh 2 2
  train recipes/distill/default-distill.yaml
fi
if in_range 8; then
  echo "stage 8: one hush compare over the students on ../shared/data/dev; writes BENCHMARKS.md \"distillation\""
  "$python" benchmarks/distill_ablation.py
fi
