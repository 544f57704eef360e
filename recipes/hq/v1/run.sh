#!/usr/bin/env bash
# The shipped `hq` model, from a fresh checkout plus ../shared/data to src/hush/pretrained/hq.pt, in numbered stages.
#   bash recipes/hq/v1/run.sh            # every stage; run it again to continue after a stop
#   bash recipes/hq/v1/run.sh 5 7        # only stages 5 to 7 (first and last stage to run)
# Run it from the repository root. Each training stage warm-starts from the previous stage's best checkpoint
# (train.init_from in conf/NN-*.yaml); a finished stage is skipped, a stopped one resumes (hush train --resume).
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
conf=recipes/hq/v1/conf
# One compute thread per run: the stages were trained two runs to the 2 cores, one torch thread each.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

if in_range 0; then
  echo "stage 0: manifests: the shared data, and its v1 part (the five speech corpora these models were trained on)"
  v1_manifest
fi
if in_range 1; then
  echo "stage 1: bidirectional erbdf from scratch"
  train $conf/01-scratch.yaml
fi
if in_range 2; then
  echo "stage 2: a second warm-up + cosine schedule"
  train $conf/02-rewarm.yaml
fi
if in_range 3; then
  echo "stage 3: asymmetric, heavier compressed loss; selection on PESQ-WB + DNSMOS OVRL"
  train $conf/03-asym.yaml
fi
if in_range 4; then
  echo "stage 4: frozen validation mixtures; speech drawn per duration (stopped after step 1000, as the original)"
  valid_set $conf/01-scratch.yaml runs/hq/valid64
  train $conf/04-dur.yaml --stop-at 1000
fi
if in_range 5; then
  echo "stage 5: DNSMOS-filtered speech, noise augmentation, residual noise 6x (stopped after step 1500)"
  dnsmos_filtered
  train $conf/05-aug.yaml --stop-at 1500
fi
if in_range 6; then
  echo "stage 6: MMSE-LSA-cleaned targets"
  clean_targets
  train $conf/06-tgt.yaml
fi
if in_range 7; then
  echo "stage 7: frequency-convolution encoder, ESTOI loss, residual noise 3x"
  train $conf/07-conv.yaml
fi
if in_range 8; then
  echo "stage 8: trained on with a fresh optimizer"
  train $conf/08-conv2.yaml
fi
if in_range 9; then
  echo "stage 9: DNSMOS critic term, weight 0.01 (stopped after step 250)"
  train $conf/09-dnsmos.yaml --stop-at 250
fi
if in_range 10; then
  echo "stage 10: DNSMOS critic weight 0.05"
  train $conf/10-dnsmos2.yaml
fi
if in_range 11; then
  echo "stage 11: DNSMOS critic weight 0.1"
  train $conf/11-dnsmos3.yaml
fi
if in_range 12; then
  echo "stage 12: ship: fp16 weights to src/hush/pretrained/hq.pt, the model card and the logs"
  "$python" recipes/common/ship.py hq recipes/hq/v1
fi
