# Shared by the recipes' run.sh (sourced, from the repository root): stage selection, a resumable training stage and
# the data steps several recipes use. Every step skips work whose output already exists, so re-running is safe.
#   stage / stop_stage   first and last stage to run (run.sh's arguments)
#   SHARED               the shared data folder (default ../shared/data)
#   HUSH, PYTHON         the hush command and the Python of its environment (default .venv/bin/...)
stage=${stage:-0}
stop_stage=${stop_stage:-100}
shared=${SHARED:-../shared/data}
hush=${HUSH:-.venv/bin/hush}
python=${PYTHON:-.venv/bin/python}

# in_range N: is stage N between stage and stop_stage?
in_range() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }

# train CONFIG [hush train options]: a finished run (summary.json in its out_dir) is skipped, a stopped one is
# resumed from its checkpoint (same data order, as if it had not stopped), anything else starts.
train() {
  local conf=$1 out
  shift
  out=$(sed -n 's/^  out_dir: *//p' "$conf")
  if [ -f "$out/summary.json" ]; then
    echo "  $out: done"
  elif [ -f "$out/checkpoint.pt" ]; then
    "$hush" train "$conf" --resume -q "$@"
  else
    "$hush" train "$conf" -q "$@"
  fi
}

# manifest: one record per speech, noise and dev file of the shared data
manifest() {
  [ -s data/shared.jsonl ] || "$hush" data prepare shared "$shared" -o data/shared.jsonl
}

# v1_manifest: the manifest of the shipped (v1) models' training data, data/shared-v1.jsonl: the speech of the five
# corpora of the shared data's first version (4516 files), all of its noise and dev records
v1_manifest() {
  manifest
  [ -s data/shared-v1.jsonl ] || "$python" recipes/common/select_sources.py data/shared.jsonl -o data/shared-v1.jsonl \
    --speech speechocean762,asterisk,tuxpaint,ktuberling,klettres
}

# dnsmos_filtered: DNSMOS P.835 scores of every v1 training speech file, and the files rated SIG >= 3.2 and
# BAK >= 3.5 (data/shared-v1-clean.jsonl). The score cache is seeded with the scores the shipped models were filtered
# with (recipes/common/speech_dnsmos.csv), so the filter keeps exactly the same 2083 files; without the seed, scoring
# takes about 15 minutes on 2 cores and files near the thresholds may flip.
dnsmos_filtered() {
  v1_manifest
  if [ ! -s data/shared-v1-scored.jsonl ]; then
    [ -e data/shared-v1-scored.jsonl.cache ] ||
      "$python" recipes/common/seed_scores.py data/shared-v1-scored.jsonl.cache --root "$shared"
    "$hush" data score data/shared-v1.jsonl -o data/shared-v1-scored.jsonl --windows 1 -j 2
  fi
  [ -s data/shared-v1-clean.jsonl ] || "$hush" data filter data/shared-v1-scored.jsonl -o data/shared-v1-clean.jsonl \
    --min dnsmos_sig=3.2 --min dnsmos_bak=3.5
}

# clean_targets: an MMSE-LSA-cleaned copy of each filtered speech file as its training target
# (data/shared-v1-clean-t.jsonl, files under data/targets-mmse-lsa)
clean_targets() {
  dnsmos_filtered
  [ -s data/shared-v1-clean-t.jsonl ] || "$hush" data clean-targets data/shared-v1-clean.jsonl \
    -o data/shared-v1-clean-t.jsonl --dir data/targets-mmse-lsa --root "$shared" -j 2
}

# valid_set CONFIG DIR: the config's first 64 validation mixtures, frozen, for later stages' data.valid_dir
valid_set() {
  [ -s "$2/meta.csv" ] && return
  rm -rf "$2"  # meta.csv is written last: a folder without it is an interrupted write
  "$python" benchmarks/own_valid.py "$1" "$2" --n 64 --fixed-set
}

# asr_valid_set NAME: the ASR validation set of recipes/NAME (validation speakers with transcripts, validation noise,
# 0/5/10 dB) in data/asr-valid-NAME
asr_valid_set() {
  [ -f "data/asr-valid-$1/transcripts.txt" ] ||
    "$python" recipes/common/make_asr_valid.py "recipes/$1/conf/train.yaml" "data/asr-valid-$1"
}

# select_model NAME: runs/NAME/selected.pt, the best of the five top-validated snapshots on PESQ-WB + ESTOI - WER
select_model() {
  "$python" recipes/common/select_checkpoint.py "runs/$1" --asr-valid "data/asr-valid-$1" --top 5
}

# ship_model NAME: runs/NAME/selected.pt (stage 3) as src/hush/pretrained/NAME.pt in fp16 with the ASR preset of
# runs/NAME/asr_preset.csv (stage 4, where the recipe has one), then measured where users look (dev with P.808, its reverberant and
# telephone-band variants, the ASR dev set, silence robustness; other systems' stored scores are reused when the
# results hold them), then the card from those measurements. A full `bash benchmarks/compare_dev.sh` re-measures
# every system in one run.
ship_model() {
  local name=$1 systems=$1 reuse=
  local preset=runs/$name/asr_preset.csv  # stage 4's table, where the recipe tunes one
  "$python" recipes/common/ship.py "$name" "recipes/$name" --checkpoint selected.pt \
    $([ -f "$preset" ] && echo --asr-preset "$preset")
  [ -f benchmarks/results/compare_dev.json ] && reuse=benchmarks/results/compare_dev.json
  SYSTEMS=$name REUSE=$reuse bash benchmarks/compare_dev.sh
  "$python" -c "from hush.methods import resolve; resolve('$name:preset=asr')" 2>/dev/null &&
    systems=$name,$name:preset=asr
  reuse=
  [ -f benchmarks/results/asr_dev.json ] && reuse=benchmarks/results/asr_dev.json
  SYSTEMS=$systems REUSE=$reuse bash benchmarks/asr_dev.sh
  "$python" benchmarks/silence_parity.py --models default,hq,tiny
  "$python" recipes/common/ship.py "$name" "recipes/$name" --card-only
}
