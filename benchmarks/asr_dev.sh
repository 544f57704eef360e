#!/usr/bin/env bash
# Word error rate of an off-the-shelf recognizer (PocketSphinx, its bundled US-English model) after each system, on
# the ASR dev set: held-out LibriSpeech speakers in held-out noise at 0, 5 and 10 dB (benchmarks/make_dev_variants.py
# builds it in data/dev-asr). One thread; writes the "asr-dev" section of BENCHMARKS.md and
# benchmarks/results/asr_dev.json.
#   bash benchmarks/asr_dev.sh                     (needs: make compare-deps, hush[asr])
#   SYSTEMS=default,hq REUSE=benchmarks/results/asr_dev.json bash benchmarks/asr_dev.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${DEV:-data/dev-asr}
CALLER_SYSTEMS=${SYSTEMS:-}
SYSTEMS=${SYSTEMS:-default,hq,wiener,mmse-lsa,wpe,noisereduce,rnnoise,nsnet2,gtcrn,deepfilternet3}
HUSH=${HUSH:-.venv/bin/hush}
REUSE=${REUSE:-}
JOBS=${JOBS:-2}
[ -f "$DEV/transcripts.txt" ] || .venv/bin/python benchmarks/make_dev_variants.py --only asr
md=$(mktemp)
"$HUSH" compare --clean "$DEV/clean" --noisy "$DEV/noisy" --systems "$SYSTEMS" --threads 1 -j "$JOBS" -q \
  --metrics estoi,si_sdr --asr "$DEV/transcripts.txt" \
  ${REUSE:+--reuse "$REUSE"} --json benchmarks/results/asr_dev.json --markdown "$md"
{
  echo "## Speech recognition after enhancement: WER on held-out LibriSpeech speakers"
  echo
  echo "Command: \`${CALLER_SYSTEMS:+SYSTEMS=$CALLER_SYSTEMS }${REUSE:+REUSE=$REUSE }bash benchmarks/asr_dev.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, 1 thread for enhancement)."
  echo "60 utterances of the 3 LibriSpeech speakers no bundled model trains or validates on, in the dev set's held-out"
  echo "noise at 0, 5 and 10 dB (20 each). The recognizer is PocketSphinx 5 with the US-English model its wheel bundles:"
  echo "an older-generation recognizer, so read the WER relative to \`noisy\` and between systems, not as a"
  echo "state-of-the-art figure. WER and CER are pooled over files (all errors over all reference words); the"
  echo "intervals are 95 % paired bootstraps over files. Lower WER is better: a negative difference helps recognition."
  echo
  sed 's/^### /#### /' "$md"
} | .venv/bin/python benchmarks/bench_md.py asr-dev
rm -f "$md"
echo "BENCHMARKS.md updated"
