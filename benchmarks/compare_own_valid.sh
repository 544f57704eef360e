#!/usr/bin/env bash
# Candidates for the bundled models and the peers on our OWN validation mixtures (benchmarks/own_valid.py: the
# held-back speakers and noise recordings of a recipe's config), never ../shared/data/dev. This is the table the
# shipped models are chosen on; dev (compare_dev.sh) only reports.
#   VERSION=1 (default): the v1 models' validation (recipes/default/v1/conf/02-rewarm.yaml, 200 mixtures); writes the
#     "own-valid" section of BENCHMARKS.md and benchmarks/results/compare_own_valid.json
#   VERSION=2: the v2 recipes' validation (recipes/default/conf/train.yaml: the run's own 96 mixtures, 30 %
#     reverberant, with the capture channel); writes "own-valid-v2" and benchmarks/results/compare_own_valid_v2.json
# Run stage 0 of the recipe first for its manifest.
#   bash benchmarks/compare_own_valid.sh runs/cand/default-prev.pt,runs/cand/hq-prev.pt   (extra systems, optional)
#   VERSION=2 bash benchmarks/compare_own_valid.sh runs/default/selected.pt,runs/tiny/selected.pt
# The previous bundled models, for the table in BENCHMARKS.md:
#   mkdir -p runs/cand; for m in default hq; do git show f167bc1:src/hush/pretrained/$m.pt > runs/cand/$m-prev.pt; done
# Re-score only some systems, keeping the others' stored scores from the last full run:
#   SYSTEMS=default,hq REUSE=benchmarks/results/compare_own_valid.json bash benchmarks/compare_own_valid.sh CAND.pt
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${VERSION:-1}
HUSH=${HUSH:-.venv/bin/hush}
case $VERSION in
  1) N=${N:-200}; VALID=${VALID:-runs/own-valid}; CONFIG=recipes/default/v1/conf/02-rewarm.yaml
     SECTION=own-valid; JSON=benchmarks/results/compare_own_valid.json; METRICS=; TITLE=; PREFIX=
     SYSTEMS=${SYSTEMS:-default,hq,mmse-lsa,noisereduce,rnnoise,nsnet2,gtcrn,deepfilternet3}
     WHAT="the 10 held-back training speakers and 5 % held-back noise files, SNR −5…20 dB";;
  2) N=${N:-96}; VALID=${VALID:-runs/own-valid-v2}; CONFIG=recipes/default/conf/train.yaml
     SECTION=own-valid-v2; JSON=benchmarks/results/compare_own_valid_v2.json; METRICS=pesq_wb,estoi,si_sdr
     TITLE=", v2 recipes"; PREFIX="VERSION=2 "
     SYSTEMS=${SYSTEMS:-default,hq,rnnoise,nsnet2,gtcrn,deepfilternet3}
     WHAT="the 22 validation speakers (recipes/common/valid_speakers.txt) and 8 % of the noise recordings, SNR
−5…25 dB, 30 % reverberant in held-out rooms (target: direct path + 50 ms), with the capture channel (telephone band,
codecs, clipping, low levels, digital silence); the first $N are the v2 runs' own validation set";;
  *) echo "VERSION must be 1 or 2" >&2; exit 2;;
esac
ASKED=$SYSTEMS
[ -n "${1:-}" ] && SYSTEMS="$SYSTEMS,$1"
[ -d "$VALID/noisy" ] || .venv/bin/python benchmarks/own_valid.py "$CONFIG" "$VALID" --n "$N"
REUSE=${REUSE:-}
md=$(mktemp)
"$HUSH" compare --clean "$VALID/clean" --noisy "$VALID/noisy" --systems "$SYSTEMS" --threads 1 -q \
  ${METRICS:+--metrics "$METRICS"} ${REUSE:+--reuse "$REUSE"} --json "$JSON" --markdown "$md"
{
  echo "## Bundled-model candidates and peers on our own validation set (model selection$TITLE)"
  echo
  echo "Command: \`$PREFIX${REUSE:+SYSTEMS=$ASKED REUSE=$REUSE }bash benchmarks/compare_own_valid.sh ${1:-}\` ($(date -u +%Y-%m-%d), $(nproc) cores, 1 thread)."
  echo "$N mixtures of 3 s from \`python benchmarks/own_valid.py $CONFIG $VALID --n $N\`: $WHAT; never ../shared/data/dev."
  echo "The bundled models are chosen on this table and the runs' validation logs; dev only reports."
  echo
  sed 's/^### /#### /' "$md"
} | .venv/bin/python benchmarks/bench_md.py "$SECTION"
rm -f "$md"
echo "BENCHMARKS.md updated"
