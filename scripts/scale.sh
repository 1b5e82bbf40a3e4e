#!/usr/bin/env bash
# Scale benchmark of the default command: generates 10 classes × 32 features at each row count,
# runs `probe FILE.csv` (release build, defaults) under /usr/bin/time -v, and prints a Markdown
# table of the phases probe reports (load, search, pretrain, evaluate; wall seconds; the search is
# blank when the run has none), the wall time, the
# CPU time (user + system, all threads), the peak resident memory and the machine's mean load
# average during the run (1-minute figure sampled every 2 s). On a machine shared with other jobs
# the CPU time is the reproducible number; on an idle 2-core machine the wall time is about the
# single-threaded phases (load, pretraining) plus half the rest.
#
# usage: scripts/scale.sh [ROWS ...]      (default: 10000 30000 100000 300000 1000000)
# Data are cached in ${SCALE_DIR:-/tmp/selfsup-scale}; reports go there too. PROBE_BIN=path runs
# that binary instead of building target/release/probe.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SCALE_DIR:-/tmp/selfsup-scale}
mkdir -p "$dir"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 30000 100000 300000 1000000)
if [ -n "${PROBE_BIN:-}" ]; then
  bin=$PROBE_BIN
else
  cargo build --release -p probe >&2
  bin=target/release/probe
fi
echo "| rows | load s | search s | pretrain s | evaluate s | wall s | CPU s | peak RSS MiB | load avg |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  csv="$dir/blobs_$n.csv"
  [ -s "$csv" ] || python3 scripts/scale_data.py "$n" "$csv"
  log="$dir/run_$n.log"
  ( while :; do cut -d' ' -f1 /proc/loadavg; sleep 2; done ) >"$dir/loadavg_$n" &
  sampler=$!
  status=0
  /usr/bin/time -v "$bin" "$csv" --out "$dir/report_$n" >"$log" 2>&1 || status=$?
  kill "$sampler"
  [ "$status" -eq 0 ] || { echo "run failed: $log" >&2; tail -5 "$log" >&2; exit 1; }
  loadavg=$(awk '{s += $1} END {printf "%.1f", s / NR}' "$dir/loadavg_$n")
  line=$(grep -E '^load [0-9.]+ s, ' "$log") || { echo "no timing line in $log" >&2; exit 1; }
  phase() { sed -nE "s/.*(^|, )$1 ([0-9.]+) s.*/\2/p" <<<"$line"; }
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  cpu=$(grep -E '(User|System) time' "$log" | awk '{s += $NF} END {printf "%.1f", s}')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{printf "%.0f", $NF / 1024}')
  echo "| $n | $(phase load) | $(phase search) | $(phase pretrain) | $(phase evaluate) | $wall | $cpu | $rss | $loadavg |"
done
