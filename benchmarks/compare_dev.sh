#!/usr/bin/env bash
# All systems on ../shared/data/dev with `hush compare`, one thread; writes the "compare-dev" section of
# BENCHMARKS.md and benchmarks/results/compare_dev.json.
#   bash benchmarks/compare_dev.sh            (needs: make compare-deps)
#   SYSTEMS=wiener,rnnoise bash benchmarks/compare_dev.sh
# Re-score only some systems and keep the others' stored per-file scores and RTF from the last full run:
#   SYSTEMS=default,hq REUSE=benchmarks/results/compare_dev.json bash benchmarks/compare_dev.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${DEV:-../shared/data/dev}
SYSTEMS=${SYSTEMS:-default,hq,spectral-subtraction,wiener,mmse-stsa,mmse-lsa,noisereduce,rnnoise,nsnet2,gtcrn,deepfilternet3}
HUSH=${HUSH:-.venv/bin/hush}
REUSE=${REUSE:-}
md=$(mktemp)
"$HUSH" compare --clean "$DEV/clean" --noisy "$DEV/noisy" --systems "$SYSTEMS" --threads 1 -q \
  ${REUSE:+--reuse "$REUSE"} --json benchmarks/results/compare_dev.json --markdown "$md"
{
  echo "## All systems on ../shared/data/dev (hush compare)"
  echo
  echo "Command: \`${REUSE:+SYSTEMS=$SYSTEMS REUSE=$REUSE }bash benchmarks/compare_dev.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, 1 thread;"
  echo "$(uname -m), $(python3 -c 'import platform; print(platform.processor() or "cpu")'))."
  echo "RTF = processing time / audio duration on one thread; it includes each system's per-file set-up."
  echo "DNSMOS columns are P.835 SIG/BAK/OVRL. Per-SNR tables follow the overall one."
  echo
  sed 's/^### /#### /' "$md"
} | .venv/bin/python benchmarks/bench_md.py compare-dev
rm -f "$md"
.venv/bin/python benchmarks/targets.py benchmarks/results/compare_dev.json > /dev/null
echo "BENCHMARKS.md updated"
