#!/usr/bin/env bash
# VoiceBank-DEMAND recipe (README.md), in numbered stages, from the repository root:
#   VBD=/path/to/VoiceBank-DEMAND bash recipes/voicebank-demand/run.sh        # every stage; run again to continue
#   VBD=/path/to/VoiceBank-DEMAND bash recipes/voicebank-demand/run.sh 2 2    # only the test-set scoring
# Every stage skips work whose output exists; a stopped training run resumes (hush train --resume).
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
vbd=${VBD:?set VBD to the VoiceBank-DEMAND folder (official layout)}
run=runs/vbd-gru

if in_range 0; then
  echo "stage 0: manifest of the 28-speaker training pairs"
  [ -s data/vbd.jsonl ] || "$hush" data prepare voicebank-demand "$vbd" -o data/vbd.jsonl --option speakers=28
fi
if in_range 1; then
  echo "stage 1: train recipes/voicebank-demand/gru.yaml"
  train recipes/voicebank-demand/gru.yaml
fi
if in_range 2; then
  echo "stage 2: enhance and score the official 824-utterance test set"
  "$hush" enhance "$vbd/noisy_testset_wav" -o "$run/test" -m "$run/best.pt"
  "$hush" evaluate --clean "$vbd/clean_testset_wav" --noisy "$vbd/noisy_testset_wav" --enhanced "$run/test" \
    --json "$run/test.json"
fi
