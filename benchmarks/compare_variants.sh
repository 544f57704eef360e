#!/usr/bin/env bash
# Every bundled model, wpe, mmse-lsa and the peers on the reverberant and the telephone-band dev variants
# (benchmarks/make_dev_variants.py builds them in data/), one thread; writes the "compare-dev-reverb" and
# "compare-dev-tel" sections of BENCHMARKS.md and benchmarks/results/compare_dev_{reverb,tel}.json.
#   bash benchmarks/compare_variants.sh                 (needs: make compare-deps)
#   VARIANTS=tel SYSTEMS=default,hq REUSE=1 bash benchmarks/compare_variants.sh    (re-score some, keep the rest)
# Reverberant dev is scored against its early-reflection target (direct path + 50 ms); telephone-band dev at 8 kHz,
# with PESQ-NB. ../shared/data/dev itself is benchmarks/compare_dev.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
VARIANTS=${VARIANTS:-reverb,tel}
SYSTEMS=${SYSTEMS:-default,hq,tiny,wpe,mmse-lsa,noisereduce,rnnoise,nsnet2,gtcrn,deepfilternet3}
HUSH=${HUSH:-.venv/bin/hush}
REUSE=${REUSE:-}
for v in ${VARIANTS//,/ }; do
  dir=data/dev-$v
  [ -f "$dir/meta.csv" ] || .venv/bin/python benchmarks/make_dev_variants.py --only "$v"
  case $v in
    reverb) metrics=pesq_wb,estoi,si_sdr,dnsmos_ovrl,dnsmos_p808
            title="Reverberant dev (held-out rooms, RT60 0.2-1.3 s; target: direct path + 50 ms)";;
    tel)    metrics=pesq_nb,estoi,si_sdr
            title="Telephone-band dev (../shared/data/dev resampled to 8 kHz; PESQ-NB at 8 kHz)";;
    *)      echo "unknown variant $v" >&2; exit 2;;
  esac
  json=benchmarks/results/compare_dev_$v.json
  md=$(mktemp)
  "$HUSH" compare --clean "$dir/clean" --noisy "$dir/noisy" --systems "$SYSTEMS" --threads 1 -q --metrics "$metrics" \
    $( [ -n "$REUSE" ] && [ -f "$json" ] && echo --reuse "$json") --json "$json.part" --markdown "$md"
  mv "$json.part" "$json"
  {
    echo "## $title"
    echo
    echo "Command: \`${REUSE:+SYSTEMS=$SYSTEMS REUSE=1 }VARIANTS=$v bash benchmarks/compare_variants.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, 1 thread)."
    echo "Built by \`benchmarks/make_dev_variants.py\`: the 120 dev utterances and the noise of their dev pairs at the same SNR."
    echo
    sed 's/^### /#### /' "$md"
  } | .venv/bin/python benchmarks/bench_md.py "compare-dev-$v"
  rm -f "$md"
done
.venv/bin/python benchmarks/targets.py > /dev/null
echo "BENCHMARKS.md updated"
