#!/usr/bin/env bash
# DNS Challenge recipe (README.md), in numbered stages, from the repository root:
#   DNS=/path/to/DNS-Challenge bash recipes/dns/run.sh          # every stage; run it again to continue after a stop
#   DNS=/path/to/DNS-Challenge NPROC=4 bash recipes/dns/run.sh 1 1   # only training, on 4 processes (torchrun)
# Every stage skips work whose output exists; a stopped training run resumes (hush train --resume).
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
dns=${DNS:?set DNS to the DNS Challenge folder (Interspeech 2020 layout)}
nproc=${NPROC:-1}
run=runs/dns-erbdf
test_set=$dns/datasets/test_set/synthetic/no_reverb

if in_range 0; then
  echo "stage 0: manifest of the DNS Challenge clean speech and noise"
  [ -s data/dns.jsonl ] || "$hush" data prepare dns "$dns" -o data/dns.jsonl
fi
if in_range 1; then
  echo "stage 1: train recipes/dns/erbdf.yaml ($nproc process(es))"
  if [ "$nproc" -gt 1 ]; then
    resume=""
    [ -f "$run/checkpoint.pt" ] && resume=--resume
    [ -f "$run/summary.json" ] ||
      "$(dirname "$hush")/torchrun" --standalone --nproc_per_node "$nproc" -m hush train recipes/dns/erbdf.yaml $resume -q
  else
    train recipes/dns/erbdf.yaml
  fi
fi
if in_range 2; then
  echo "stage 2: enhance and score the synthetic no-reverb test set"
  "$hush" enhance "$test_set/noisy" -o "$run/test-no-reverb" -m "$run/best.pt"
  "$hush" evaluate --clean "$test_set/clean" --noisy "$test_set/noisy" --enhanced "$run/test-no-reverb" \
    --json "$run/test-no-reverb.json"
fi
