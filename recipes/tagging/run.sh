#!/usr/bin/env bash
# Tagging-aware enhancement on the shared data (README.md), in numbered stages, from the repository root:
#   bash recipes/tagging/run.sh 0 6        # Table 1 (multi-task learning): data, baseline, NE/AT rows, its table
#   bash recipes/tagging/run.sh 7 12       # Table 2 (fusion): data, fusion rows, its table (needs stage 2)
#   bash recipes/tagging/run.sh            # everything; run it again to continue after a stop
# Every stage skips work whose output exists; a stopped training run resumes (hush train --resume).
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
conf=recipes/tagging/conf

if in_range 0; then
  echo "stage 0: manifest of the shared data"
  manifest
fi
if in_range 1; then
  echo "stage 1: the reverberant dev variant (data/dev-reverb, benchmarks/make_dev_variants.py)"
  [ -s data/dev-reverb/meta.csv ] || "$python" benchmarks/make_dev_variants.py --only reverb --out data --shared "$shared"
fi
if in_range 2; then
  echo "stage 2: the baseline (both tables)"
  train $conf/baseline.yaml
fi
if in_range 3; then
  echo "stage 3: Table 1, noise estimation, alpha 1"
  train $conf/ne1.yaml
fi
if in_range 4; then
  echo "stage 4: Table 1, audio tagging, alpha 1 and alpha 10"
  train $conf/at1.yaml
  train $conf/at10.yaml
fi
if in_range 5; then
  echo "stage 5: Table 1, audio tagging balanced by GradNorm"
  train $conf/at-gradnorm.yaml
fi
if in_range 6; then
  echo "stage 6: Table 1 on dev and dev-reverb; writes BENCHMARKS.md \"tagging-mtl\""
  "$python" benchmarks/tagging_tables.py mtl
fi
if in_range 7; then
  echo "stage 7: the data and the baseline of Table 2 (stages 0-2)"
  manifest
  [ -s data/dev-reverb/meta.csv ] || "$python" benchmarks/make_dev_variants.py --only reverb --out data --shared "$shared"
  train $conf/baseline.yaml
fi
if in_range 8; then
  echo "stage 8: Table 2, fusion at the encoder input"
  train $conf/early.yaml
fi
if in_range 9; then
  echo "stage 9: Table 2, fusion at the TCN input"
  train $conf/middle.yaml
fi
if in_range 10; then
  echo "stage 10: Table 2, fusion at the decoder input"
  train $conf/late.yaml
fi
if in_range 11; then
  echo "stage 11: Table 2, fusion at all positions: clip embedding, and the causal running embedding"
  train $conf/all.yaml
  train $conf/all-causal.yaml
fi
if in_range 12; then
  echo "stage 12: Table 2 on dev and dev-reverb; writes BENCHMARKS.md \"tagging-fusion\""
  "$python" benchmarks/tagging_tables.py fusion
fi
