#!/usr/bin/env bash
# Footprint of the on-device training firmware on every device target, printed as a markdown
# table (README "Footprint on a microcontroller"):
#   - flash: .text + .rodata of the release ELF (`llvm-size -A`; opt-level 3, LTO, one codegen
#     unit; semihosting/UART output and float formatting included; the Cortex-M vector table
#     not counted); for wasm the module's code and data sections;
#   - static RAM: .data + .bss (for wasm: the statics in linear memory, data + bss);
#   - memory measured by stack painting: the trainer's state (size_of; it lives on the stack),
#     the peak stack of one training step on its own (stack repainted just before it), and the
#     whole run's peak stack since reset (for wasm: the shadow stack in linear memory during
#     the run, `scripts/wasm_footprint.mjs`).
# Every run's output is also compared with the host's (examples/expected/*.txt): the numbers
# in the table come from runs that printed the same bits as the host.
#
# Configurations: ring (2->2, B=64, reservoir 256, queue 64) on all four targets, and wide
# (64->16, B=32, reservoir 64, queue 64) on the Cortex-M4F, the Cortex-M0 (linked for and run
# on mps2-an386, whose core executes ARMv6-M code: wide needs ~110 KiB, more than the
# micro:bit's 16 KiB) and wasm; f32 everywhere. Machines: Cortex-M4F on QEMU mps2-an386
# (thumbv7em-none-eabihf), Cortex-M0 on QEMU microbit (thumbv6m-none-eabi, soft float), RV32IMAC
# on QEMU virt (riscv32imac-unknown-none-elf, soft float), wasm32-unknown-unknown in Node.js.
#
# Usage: bash scripts/footprint.sh   (needs qemu-system-arm, qemu-system-riscv32 (Debian:
# qemu-system-misc), node, the rustup targets and `rustup component add llvm-tools`)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

host=$(rustc -vV | sed -n 's/^host: //p')
SIZE="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-size"
if [ ! -x "$SIZE" ]; then
  rustup component add llvm-tools >&2
fi
QEMU_COMMON="-nographic -semihosting-config enable=on,target=native -kernel"
M4="qemu-system-arm -cpu cortex-m4 -machine mps2-an386 $QEMU_COMMON"
M0="qemu-system-arm -machine microbit $QEMU_COMMON"
RV="qemu-system-riscv32 -machine virt -bios none -nographic -kernel"

log() { printf '%s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

# check NAME OUTPUT EXPECTED: the run printed the host's bits ('#' lines are memory reports)
check() {
  if ! grep -v '^#' <<<"$2" | cmp -s - "$3"; then
    printf '%s\n' "$2" >&2
    fail "$1: output differs from $3"
  fi
}

rows=()
# add CONFIG TARGET MACHINE FLASH TEXT RODATA STATIC STATE STEP PEAK
add() {
  rows+=("| $1 | \`$2\` | $3 | $4 ($5 + $6) | $7 | $8 | $9 | ${10} |")
}

# elf CONFIG TARGET MACHINE ELF EXPECTED QEMU...: an ELF firmware whose last '#' line reads
# "# machine M state S B, step stack P B (...), peak stack since reset R B (...)"
elf() {
  local config=$1 target=$2 machine=$3 elf=$4 expected=$5
  shift 5
  local text rodata data bss out status line state step peak
  read -r text rodata data bss < <("$SIZE" -A "$elf" | awk '
    $1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 } $1 == ".data" { d = $2 } $1 == ".bss" { b = $2 }
    END { printf "%d %d %d %d\n", t, r, d, b }')
  log "running $config on $machine ($target) ..."
  set +e
  out=$(timeout 1800 "$@" "$elf")
  status=$?
  set -e
  line=$(printf '%s\n' "$out" | grep '^# machine' || true)
  if [ $status -ne 0 ] || [ -z "$line" ]; then
    printf '%s\n' "$out" >&2
    fail "$config on $machine ($target): QEMU exit status $status"
  fi
  check "$config on $machine" "$out" "$expected"
  state=$(sed -E 's/.* state ([0-9]+) B.*/\1/' <<<"$line")
  step=$(sed -E 's/.* step stack ([0-9]+) B.*/\1/' <<<"$line")
  peak=$(sed -E 's/.* peak stack since reset ([0-9]+) B.*/\1/' <<<"$line")
  add "$config" "$target" "$machine" $((text + rodata)) "$text" "$rodata" $((data + bss)) "$state" "$step" "$peak"
}

# wasm CONFIG WHICH: the module in Node (no step of its own: the table shows –)
wasm() {
  local config=$1 which=$2 module=examples/wasm/target/wasm32-unknown-unknown/release/selfsup_wasm.wasm
  log "running $config in Node (wasm32-unknown-unknown) ..."
  check "$config in wasm" "$(node examples/wasm/run.mjs "$which" "$module")" "examples/expected/$which.txt"
  local m code data static peak
  m=$(node scripts/wasm_footprint.mjs "$which" "$module")
  code=$(sed -E 's/.*code ([0-9]+) .*/\1/' <<<"$m")
  data=$(sed -E 's/.* data ([0-9]+) .*/\1/' <<<"$m")
  static=$(sed -E 's/.* static ([0-9]+) .*/\1/' <<<"$m")
  peak=$(sed -E 's/.* peak ([0-9]+) .*/\1/' <<<"$m")
  add "$config" wasm32-unknown-unknown "Node $(node --version)" $((code + data)) "$code" "$data" "$static" – – "$peak"
}

build() { log "building $*"; (cd "$1" && shift && cargo build --release --quiet --target-dir target "$@"); }

build examples/cortex-m --target thumbv7em-none-eabihf --bin ring --bin wide
cm=examples/cortex-m/target
elf "ring 2→2, B=64" thumbv7em-none-eabihf mps2-an386 $cm/thumbv7em-none-eabihf/release/ring examples/expected/ring.txt $M4
SELFSUP_MACHINE=microbit build examples/cortex-m --target thumbv6m-none-eabi --bin ring
elf "ring 2→2, B=64" thumbv6m-none-eabi microbit $cm/thumbv6m-none-eabi/release/ring examples/expected/ring.txt $M0
build examples/riscv --target riscv32imac-unknown-none-elf
elf "ring 2→2, B=64" riscv32imac-unknown-none-elf virt examples/riscv/target/riscv32imac-unknown-none-elf/release/selfsup-riscv examples/expected/ring.txt $RV
build examples/wasm --target wasm32-unknown-unknown
wasm "ring 2→2, B=64" ring
elf "wide 64→16, B=32" thumbv7em-none-eabihf mps2-an386 $cm/thumbv7em-none-eabihf/release/wide examples/expected/wide.txt $M4
SELFSUP_MACHINE=mps2-an386 build examples/cortex-m --target thumbv6m-none-eabi --bin wide
elf "wide 64→16, B=32" thumbv6m-none-eabi mps2-an386 $cm/thumbv6m-none-eabi/release/wide examples/expected/wide.txt $M4
wasm "wide 64→16, B=32" wide

echo "| config (f32) | target | machine | flash B (.text + .rodata) | static RAM B (.data + .bss) | trainer state B | step peak stack B | run peak stack B |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
