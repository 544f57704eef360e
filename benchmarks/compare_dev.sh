#!/usr/bin/env bash
# All systems on ../shared/data/dev with `hush compare`, one thread, DNSMOS P.808 next to P.835; writes the
# "compare-dev" section of BENCHMARKS.md and benchmarks/results/compare_dev.json. Then the same systems on the
# reverberant and telephone-band dev variants (benchmarks/compare_variants.sh; VARIANTS= skips them), and the
# bundled models' targets over all three (benchmarks/targets.py, "bundled-targets").
#   bash benchmarks/compare_dev.sh            (needs: make compare-deps)
#   SYSTEMS=wiener,rnnoise VARIANTS= bash benchmarks/compare_dev.sh
# Re-score only some systems and keep the others' stored per-file scores and RTF from the last full run:
#   SYSTEMS=default,hq REUSE=benchmarks/results/compare_dev.json bash benchmarks/compare_dev.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${DEV:-../shared/data/dev}
SYSTEMS=${SYSTEMS:-default,hq,tiny,spectral-subtraction,wiener,mmse-stsa,mmse-lsa,noisereduce,rnnoise,nsnet2,gtcrn,deepfilternet3}
HUSH=${HUSH:-.venv/bin/hush}
REUSE=${REUSE:-}
VARIANTS=${VARIANTS-reverb,tel}
METRICS=pesq_wb,pesq_nb,stoi,estoi,si_sdr,dnsmos_sig,dnsmos_bak,dnsmos_ovrl,dnsmos_p808
md=$(mktemp)
"$HUSH" compare --clean "$DEV/clean" --noisy "$DEV/noisy" --systems "$SYSTEMS" --threads 1 -q --metrics "$METRICS" \
  ${REUSE:+--reuse "$REUSE"} --json benchmarks/results/compare_dev.json --markdown "$md"
{
  echo "## All systems on ../shared/data/dev (hush compare)"
  echo
  echo "Command: \`${REUSE:+SYSTEMS=$SYSTEMS REUSE=$REUSE }bash benchmarks/compare_dev.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, 1 thread;"
  echo "$(uname -m), $(python3 -c 'import platform; print(platform.processor() or "cpu")'))."
  echo "RTF = processing time / audio duration on one thread; it includes each system's per-file set-up."
  echo "DNSMOS columns are P.835 SIG/BAK/OVRL and P.808 (a separate predictor that no hush training run used)."
  echo "Per-SNR tables follow the overall one."
  echo
  sed 's/^### /#### /' "$md"
} | .venv/bin/python benchmarks/bench_md.py compare-dev
rm -f "$md"
if [ -n "$VARIANTS" ]; then  # the variants' systems: those asked for, less the ones without a role there
  vsys=$(echo "$SYSTEMS" | tr , '\n' | grep -vxE 'spectral-subtraction|wiener|mmse-stsa' | paste -sd, -)
  VARIANTS=$VARIANTS SYSTEMS=${vsys},wpe REUSE=$REUSE HUSH=$HUSH bash benchmarks/compare_variants.sh
fi
.venv/bin/python benchmarks/targets.py > /dev/null
echo "BENCHMARKS.md updated"
