#!/usr/bin/env bash
# Footprint of the selfsup firmware, printed as a markdown table:
#   - section sizes of the ELF (`llvm-size -A`: .text, .rodata, .data, .bss), release profile
#     (opt-level 3, LTO, one codegen unit), semihosting output and float formatting included;
#   - memory measured by stack painting under QEMU (cortex-m-rt `paint-stack`): the trainer's
#     state (size_of, it lives on the stack), the peak stack of one training step on its own
#     (below the caller's frame, stack repainted just before), and the whole run's peak.
# Configurations: ring (2->2, B=64, reservoir 256, queue 64) and wide (64->16, B=32,
# reservoir 64, queue 64), f32, for thumbv7em-none-eabihf (Cortex-M4F, mps2-an386) and
# thumbv6m-none-eabi (Cortex-M0: ring on the 16 KiB microbit; wide needs ~110 KiB, so its M0
# build is linked for and run on mps2-an386, whose core executes ARMv6-M code).
#
# Usage: examples/cortex-m/footprint.sh   (needs qemu-system-arm, rustup targets, llvm-tools)
set -euo pipefail
cd "$(dirname "$0")"

host=$(rustc -vV | sed -n 's/^host: //p')
SIZE="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-size"
if [ ! -x "$SIZE" ]; then
  rustup component add llvm-tools >&2
fi
QEMU_COMMON="-nographic -semihosting-config enable=on,target=native -kernel"
M4="qemu-system-arm -cpu cortex-m4 -machine mps2-an386 $QEMU_COMMON"
M0="qemu-system-arm -machine microbit $QEMU_COMMON"

log() { printf '%s\n' "$*" >&2; }

rows=()
# row CONFIG TARGET MACHINE ELF QEMU...
row() {
  local config=$1 target=$2 machine=$3 elf=$4
  shift 4
  local sizes out status line
  sizes=$("$SIZE" -A "$elf" | awk '
    $1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 } $1 == ".data" { d = $2 } $1 == ".bss" { b = $2 }
    END { printf "%d %d %d %d", t, r, d, b }')
  log "running $config on $machine ($target) ..."
  set +e
  out=$(timeout 1800 "$@" "$elf")
  status=$?
  set -e
  line=$(printf '%s\n' "$out" | grep '^# machine' || true)
  if [ $status -ne 0 ] || [ -z "$line" ]; then
    printf '%s\n' "$out" >&2
    log "$config on $machine ($target): QEMU exit status $status"
    exit 1
  fi
  # "# machine M state S B, step stack P B (...), peak stack since reset R B (...)"
  local state step peak
  state=$(sed -E 's/.* state ([0-9]+) B.*/\1/' <<<"$line")
  step=$(sed -E 's/.* step stack ([0-9]+) B.*/\1/' <<<"$line")
  peak=$(sed -E 's/.* peak stack since reset ([0-9]+) B.*/\1/' <<<"$line")
  read -r text rodata data bss <<<"$sizes"
  rows+=("| $config | \`$target\` | $machine | $text | $rodata | $data | $bss | $state | $step | $peak |")
}

log "building thumbv7em-none-eabihf ..."
cargo build --release --quiet --target-dir target --target thumbv7em-none-eabihf --bin ring --bin wide
log "building thumbv6m-none-eabi (ring, microbit memory map) ..."
SELFSUP_MACHINE=microbit cargo build --release --quiet --target-dir target --target thumbv6m-none-eabi --bin ring
row "ring 2→2, B=64" thumbv7em-none-eabihf mps2-an386 target/thumbv7em-none-eabihf/release/ring $M4
row "ring 2→2, B=64" thumbv6m-none-eabi microbit target/thumbv6m-none-eabi/release/ring $M0
row "wide 64→16, B=32" thumbv7em-none-eabihf mps2-an386 target/thumbv7em-none-eabihf/release/wide $M4
log "building thumbv6m-none-eabi (wide, mps2-an386 memory map) ..."
SELFSUP_MACHINE=mps2-an386 cargo build --release --quiet --target-dir target --target thumbv6m-none-eabi --bin wide
row "wide 64→16, B=32" thumbv6m-none-eabi mps2-an386 target/thumbv6m-none-eabi/release/wide $M4

echo "| config (f32) | target | QEMU machine | .text B | .rodata B | .data B | .bss B | trainer state B | step peak stack B | run peak stack B |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
