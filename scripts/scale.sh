#!/usr/bin/env bash
# Scale benchmark of the default command: generates 10 classes × 32 features at each row count,
# runs `probe FILE.csv` (release build, defaults) under /usr/bin/time -v, and prints a Markdown
# table of the phases probe reports (load, pretrain, evaluate; wall seconds), the wall time, the
# CPU time (user + system, all threads) and the peak resident memory. On a machine shared with
# other jobs the CPU time is the reproducible number.
#
# usage: scripts/scale.sh [ROWS ...]      (default: 10000 30000 100000 300000 1000000)
# Data are cached in ${SCALE_DIR:-/tmp/selfsup-scale}; reports go there too.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SCALE_DIR:-/tmp/selfsup-scale}
mkdir -p "$dir"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 30000 100000 300000 1000000)
cargo build --release -p probe >&2
bin=target/release/probe
echo "| rows | load s | pretrain s | evaluate s | wall s | CPU s | peak RSS MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  csv="$dir/blobs_$n.csv"
  [ -s "$csv" ] || python3 scripts/scale_data.py "$n" "$csv"
  log="$dir/run_$n.log"
  /usr/bin/time -v "$bin" "$csv" --out "$dir/report_$n" >"$log" 2>&1 || { echo "run failed: $log" >&2; tail -5 "$log" >&2; exit 1; }
  phases=$(grep -o 'load [0-9.]* s, pretrain [0-9.]* s, evaluate [0-9.]* s' "$log" | tr -dc '0-9. \n' | awk '{print $1, $2, $3}')
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  cpu=$(grep -E '(User|System) time' "$log" | awk '{s += $NF} END {printf "%.1f", s}')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{printf "%.0f", $NF / 1024}')
  read -r load pre ev <<<"$phases"
  echo "| $n | $load | $pre | $ev | $wall | $cpu | $rss |"
done
