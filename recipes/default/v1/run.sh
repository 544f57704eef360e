#!/usr/bin/env bash
# The shipped `default` model (v1), from a fresh checkout plus ../shared/data to src/hush/pretrained/default.pt, in
# numbered stages. (recipes/default/run.sh is the from-scratch recipe of the next version.)
#   bash recipes/default/v1/run.sh            # every stage; run it again to continue after a stop
#   bash recipes/default/v1/run.sh 6 8        # only stages 6 to 8 (first and last stage to run)
# Run it from the repository root. Each training stage warm-starts from the previous stage's best checkpoint
# (train.init_from in conf/NN-*.yaml); a finished stage is skipped, a stopped one resumes (hush train --resume).
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
conf=recipes/default/v1/conf
# One compute thread per run: the stages were trained two runs to the 2 cores, one torch thread each.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if in_range 0; then
  echo "stage 0: manifests: the shared data, and its v1 part (the five speech corpora these models were trained on)"
  v1_manifest
fi
if in_range 1; then
  echo "stage 1: causal erbdf from scratch, 3000 steps"
  train $conf/01-scratch.yaml
fi
if in_range 2; then
  echo "stage 2: a fresh warm-up + cosine schedule (stopped after step 4500, as the original)"
  train $conf/02-rewarm.yaml --stop-at 4500
fi
if in_range 3; then
  echo "stage 3: one lookahead frame (30 ms algorithmic latency)"
  train $conf/03-la.yaml
fi
if in_range 4; then
  echo "stage 4: asymmetric, heavier compressed loss; selection on PESQ-WB + DNSMOS OVRL"
  train $conf/04-asym.yaml
fi
if in_range 5; then
  echo "stage 5: frozen validation mixtures; speech drawn per duration"
  valid_set $conf/02-rewarm.yaml runs/default-v1/valid64
  train $conf/05-dur.yaml
fi
if in_range 6; then
  echo "stage 6: DNSMOS-filtered speech, noise augmentation"
  dnsmos_filtered
  train $conf/06-aug.yaml
fi
if in_range 7; then
  echo "stage 7: residual noise 6x"
  train $conf/07-aug6.yaml
fi
if in_range 8; then
  echo "stage 8: MMSE-LSA-cleaned targets"
  clean_targets
  train $conf/08-tgt.yaml
fi
if in_range 9; then
  echo "stage 9: residual noise 3x"
  train $conf/09-tgt3.yaml
fi
if in_range 10; then
  echo "stage 10: frequency-convolution encoder and ESTOI loss (stopped after step 1500)"
  train $conf/10-conv.yaml --stop-at 1500
fi
if in_range 11; then
  echo "stage 11: trained on with a fresh optimizer"
  train $conf/11-conv2.yaml
fi
if in_range 12; then
  echo "stage 12: DNSMOS critic term, weight 0.01 (stopped after step 250)"
  train $conf/12-dnsmos.yaml --stop-at 250
fi
if in_range 13; then
  echo "stage 13: DNSMOS critic weight 0.05"
  train $conf/13-dnsmos2.yaml
fi
if in_range 14; then
  echo "stage 14: DNSMOS critic weight 0.1"
  train $conf/14-dnsmos3.yaml
fi
if in_range 15; then
  echo "stage 15: ship: fp16 weights to src/hush/pretrained/default.pt, the model card and the logs"
  "$python" recipes/common/ship.py default recipes/default/v1
fi
