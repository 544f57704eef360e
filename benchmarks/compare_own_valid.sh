#!/usr/bin/env bash
# Candidates for the bundled models and the peers on our OWN validation mixtures: held-back training speakers and
# noise files of recipes/default/v1/conf/02-rewarm.yaml (benchmarks/own_valid.py; run stage 0 of
# recipes/default/v1/run.sh first for its manifest), never ../shared/data/dev. This is the table
# the shipped models are chosen on; dev (compare_dev.sh) only reports. Writes the "own-valid" section of
# BENCHMARKS.md and benchmarks/results/compare_own_valid.json.
#   bash benchmarks/compare_own_valid.sh runs/cand/default-prev.pt,runs/cand/hq-prev.pt   (extra systems, optional)
# The previous bundled models, for the table in BENCHMARKS.md:
#   mkdir -p runs/cand; for m in default hq; do git show f167bc1:src/hush/pretrained/$m.pt > runs/cand/$m-prev.pt; done
# Re-score only some systems, keeping the others' stored scores from the last full run:
#   SYSTEMS=default,hq REUSE=benchmarks/results/compare_own_valid.json bash benchmarks/compare_own_valid.sh CAND.pt
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200}
VALID=${VALID:-runs/own-valid}
HUSH=${HUSH:-.venv/bin/hush}
SYSTEMS=${SYSTEMS:-default,hq,mmse-lsa,noisereduce,rnnoise,nsnet2,gtcrn,deepfilternet3}
ASKED=$SYSTEMS
[ -n "${1:-}" ] && SYSTEMS="$SYSTEMS,$1"
[ -d "$VALID/noisy" ] || .venv/bin/python benchmarks/own_valid.py recipes/default/v1/conf/02-rewarm.yaml "$VALID" --n "$N"
REUSE=${REUSE:-}
md=$(mktemp)
"$HUSH" compare --clean "$VALID/clean" --noisy "$VALID/noisy" --systems "$SYSTEMS" --threads 1 -q \
  ${REUSE:+--reuse "$REUSE"} --json benchmarks/results/compare_own_valid.json --markdown "$md"
{
  echo "## Bundled-model candidates and peers on our own validation set (model selection)"
  echo
  echo "Command: \`${REUSE:+SYSTEMS=$ASKED REUSE=$REUSE }bash benchmarks/compare_own_valid.sh ${1:-}\` ($(date -u +%Y-%m-%d), $(nproc) cores, 1 thread)."
  echo "$N mixtures of 3 s from \`python benchmarks/own_valid.py recipes/default/v1/conf/02-rewarm.yaml $VALID --n $N\`: the 10"
  echo "held-back training speakers and 5 % held-back noise files, SNR −5…20 dB, never ../shared/data/dev."
  echo "The bundled models are chosen on this table and the runs' validation logs; dev only reports."
  echo
  sed 's/^### /#### /' "$md"
} | .venv/bin/python benchmarks/bench_md.py own-valid
rm -f "$md"
echo "BENCHMARKS.md updated"
