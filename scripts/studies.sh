#!/usr/bin/env bash
# The sweeps of docs/studies.md (issue 13): each runs `probe sweep` (3 seeds per point, both
# cores) on data/digits.csv and data/basic_motions.csv and copies its plots to
# docs/studies/<name>_<plot>.svg; the reports stay under target/studies/<name>/ (sweep.md,
# sweep.json). Needs a release build (`cargo build --release -p probe`).
#
#   scripts/studies.sh            (every study)
#   scripts/studies.sh digits_main bm_queue   (some of them)
set -euo pipefail
cd "$(dirname "$0")/.."
PROBE=${PROBE:-target/release/probe}
WORK=${WORK:-target/studies}
[ -x "$PROBE" ] || cargo build --release -p probe >&2
D=data/digits.csv
B=data/basic_motions.csv

declare -A STUDY=(
  [digits_main]="$D --vary tau=0.05,0.1,0.2,0.5,1 --vary batch=16,32,64,128,256 --vary normalize=l2,none"
  [bm_main]="$B --vary tau=0.05,0.1,0.2,0.5,1 --vary batch=8,16,32,40 --vary normalize=l2,none"
  [digits_queue]="$D --method infonce --batch 16 --vary queue=0,64,256,1024"
  [bm_queue]="$B --method infonce --batch 16 --vary queue=0,16,32,64"
  [digits_small_batch_tau]="$D --grid --vary batch=16,256 --vary tau=0.1,0.2,0.5,1"
  [bm_small_batch_tau]="$B --grid --vary batch=8,40 --vary tau=0.1,0.2,0.5,1"
  [digits_methods_b16]="$D --batch 16 --vary method=ntxent,infonce,byol,simsiam,barlow,vicreg"
  [bm_methods_b8]="$B --batch 8 --vary method=ntxent,infonce,byol,simsiam,barlow,vicreg"
  [digits_aug]="$D --vary aug=0,0.25,0.5,1,2,4"
  [bm_aug]="$B --vary aug=0,0.25,0.5,1,2,4"
)
ORDER=(digits_main bm_main digits_queue bm_queue digits_small_batch_tau bm_small_batch_tau
  digits_methods_b16 bm_methods_b8 digits_aug bm_aug)
[ $# -gt 0 ] && ORDER=("$@")
mkdir -p docs/studies
for name in "${ORDER[@]}"; do
  # shellcheck disable=SC2086
  "$PROBE" sweep ${STUDY[$name]} --quiet --out "$WORK/$name"
  for svg in "$WORK/$name"/*.svg; do
    cp "$svg" "docs/studies/${name}_$(basename "$svg")"
  done
  echo "$name: $WORK/$name/sweep.md"
done
