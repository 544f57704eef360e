#!/usr/bin/env bash
# Adversarial training: a SEGAN-style GAN for wave-u-net (with its regression-only twin), and MetricGAN+, the
# multi-metric single generator and MetricGAN-OKD fine-tuning one regression-trained GRU mask network.
#   bash recipes/gan/run.sh          # every stage; a stopped run continues where it stopped
#   bash recipes/gan/run.sh 4 6      # only stages 4 to 6 (first and last stage to run)
# Run it from the repository root; then benchmarks/gan_dev.py writes the tables and the spectrogram figure.
set -euo pipefail
stage=${1:-0}
stop_stage=${2:-100}
. recipes/common/stages.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
conf=recipes/gan/conf

if in_range 0; then
  echo "stage 0: manifest of the shared speech, noise and dev data"
  manifest
fi

if in_range 1; then
  echo "stage 1: wave-u-net, regression losses only"
  train $conf/wave-u-net-regression.yaml
fi

if in_range 2; then
  echo "stage 2: wave-u-net, the same losses plus waveform and multi-resolution STFT discriminators"
  train $conf/wave-u-net-gan.yaml
fi

if in_range 3; then
  echo "stage 3: the GRU mask network's regression-trained start"
  train $conf/gru-regression.yaml
fi

if in_range 4; then
  echo "stage 4: MetricGAN+ (PESQ-WB) fine-tuning"
  train $conf/gru-metricgan-plus.yaml
fi

if in_range 5; then
  echo "stage 5: multi-metric single generator (PESQ-WB, ESTOI, DNSMOS OVRL) fine-tuning"
  train $conf/gru-multi-metric.yaml
fi

if in_range 6; then
  echo "stage 6: MetricGAN-OKD (PESQ-WB, ESTOI, DNSMOS OVRL) fine-tuning"
  train $conf/gru-okd.yaml
fi
