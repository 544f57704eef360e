#!/usr/bin/env bash
# An independent check of the bundled models' DNSMOS gains on ../shared/data/dev: DNSMOS P.808 (a separate network,
# trained on P.808 ACR ratings), which no hush training run has seen. `default` and `hq` were fine-tuned against the
# DNSMOS P.835 network (the `dnsmos` loss), so their P.835 SIG/BAK/OVRL are partly the training objective; this
# table shows whether the gain carries over to a quality predictor they were not trained on. Writes the "p808-dev"
# section of BENCHMARKS.md and benchmarks/results/p808_dev.json.
#   bash benchmarks/p808_dev.sh                                        (needs: make compare-deps)
#   SYSTEMS=default,hq,runs/cand/X.pt bash benchmarks/p808_dev.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${DEV:-../shared/data/dev}
ASKED=${SYSTEMS:-}
SYSTEMS=${SYSTEMS:-default,hq,rnnoise,nsnet2,gtcrn,deepfilternet3}
HUSH=${HUSH:-.venv/bin/hush}
md=$(mktemp)
"$HUSH" compare --clean "$DEV/clean" --noisy "$DEV/noisy" --systems "$SYSTEMS" --threads 1 -q \
  --metrics dnsmos_p808 --json benchmarks/results/p808_dev.json --markdown "$md"
{
  echo "## Independent check: DNSMOS P.808 on ../shared/data/dev"
  echo
  echo "Command: \`${ASKED:+SYSTEMS=$ASKED }bash benchmarks/p808_dev.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, 1 thread)."
  echo "The bundled models were fine-tuned with the DNSMOS P.835 network as a loss term (hush.losses.quality), so"
  echo "their P.835 SIG/BAK/OVRL in the tables above are partly their own training objective. DNSMOS P.808 is a"
  echo "different network (trained on P.808 ACR ratings) that no hush training run used: a gain that shows here too"
  echo "is not an artefact of optimising against P.835. Per-SNR tables follow the overall one."
  echo
  sed 's/^### /#### /' "$md"
} | .venv/bin/python benchmarks/bench_md.py p808-dev
rm -f "$md"
echo "BENCHMARKS.md updated"
