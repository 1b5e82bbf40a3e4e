#!/usr/bin/env bash
# On-device CI for selfsup: the ring InfoNCE training from a sensor stream, run
#   - on the host (cargo test: the output must equal examples/expected/ring.txt byte for byte),
#   - on an emulated Cortex-M4F (qemu-system-arm -machine mps2-an386, thumbv7em-none-eabihf),
#   - on an emulated Cortex-M0 with 16 KiB of RAM (-machine microbit, thumbv6m-none-eabi),
#   - as WebAssembly in Node.js (wasm32-unknown-unknown, a module with no imports),
# and each device's output compared bit for bit with the host's (every printed loss and weight
# carries its IEEE bits). The firmware also checks its stack budgets and exits non-zero when
# they are exceeded. The 64->16 configuration is compared on the M4F and in Node as well, and
# the encoder exported by `probe --export` (probe/tests/data/export/encoder.rs, const arrays)
# is loaded and run on both cores.
#
# Works from a fresh clone on a fresh Debian machine with rustup: installs qemu-system-arm and
# Node.js with apt-get when missing, and the Rust targets with rustup. Exits non-zero on any
# mismatch or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "install: qemu-system-arm, node, rust targets"
need=()
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v node >/dev/null || need+=(nodejs)
if [ ${#need[@]} -gt 0 ]; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
fi
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi wasm32-unknown-unknown
qemu-system-arm --version | head -1
node --version

step "host: the shared training routine reproduces examples/expected/ (ring, wide, Const = Dyn)"
cargo test -p selfsup-tests --test device_bits

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# compare NAME FILE EXPECTED: device output (its '#' lines are memory reports, not compared)
compare() {
  local name=$1 got=$2 want=$3
  grep -v '^#' "$got" >"$got.cmp" || true
  if cmp -s "$got.cmp" "$want"; then
    echo "$name: bit-identical to the host ($(grep -c . "$want") lines, final: $(tail -1 "$want" | cut -c1-60)...)"
  else
    echo "$name: DIFFERS from the host:" >&2
    diff "$want" "$got.cmp" >&2 || true
    failed=1
  fi
  grep '^#' "$got" || true
}

# run NAME OUTFILE CMD...: runs a device, fails on a non-zero exit status
run() {
  local name=$1 out=$2
  shift 2
  local status=0
  timeout 1800 "$@" >"$out" || status=$?
  if [ $status -ne 0 ]; then
    echo "$name: exit status $status" >&2
    cat "$out" >&2
    failed=1
  fi
}

step "format and lint of the example crates (separate workspaces, not covered by the root's clippy)"
rustup component add rustfmt clippy
(cd examples/transcript && cargo fmt --check && cargo clippy --release --target-dir target --target thumbv7em-none-eabihf -- -D warnings)
(cd examples/cortex-m && cargo fmt --check && cargo clippy --release --target-dir target --target thumbv7em-none-eabihf --bins -- -D warnings)
(cd examples/wasm && cargo fmt --check && cargo clippy --release --target-dir target --target wasm32-unknown-unknown -- -D warnings)

# The examples are separate workspaces with their own profiles; they always build into their own
# target/ (a CARGO_TARGET_DIR set for the host workspace must not redirect them: the ELF and wasm
# paths below are fixed).
step "Cortex-M4F (mps2-an386, thumbv7em-none-eabihf)"
(cd examples/cortex-m && cargo build --release --target-dir target --target thumbv7em-none-eabihf --bin ring --bin wide --bin exported)
M4="qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -semihosting-config enable=on,target=native -kernel"
run "M4F ring" "$work/m4-ring.txt" $M4 examples/cortex-m/target/thumbv7em-none-eabihf/release/ring
compare "M4F ring" "$work/m4-ring.txt" examples/expected/ring.txt
run "M4F wide" "$work/m4-wide.txt" $M4 examples/cortex-m/target/thumbv7em-none-eabihf/release/wide
compare "M4F wide" "$work/m4-wide.txt" examples/expected/wide.txt
run "M4F exported" "$work/m4-exported.txt" $M4 examples/cortex-m/target/thumbv7em-none-eabihf/release/exported
compare "M4F exported" "$work/m4-exported.txt" examples/expected/exported.txt

step "Cortex-M0 (microbit, 16 KiB RAM, thumbv6m-none-eabi, soft float)"
(cd examples/cortex-m && SELFSUP_MACHINE=microbit cargo build --release --target-dir target --target thumbv6m-none-eabi --bin ring --bin exported)
M0="qemu-system-arm -machine microbit -nographic -semihosting-config enable=on,target=native -kernel"
run "M0 ring" "$work/m0-ring.txt" $M0 examples/cortex-m/target/thumbv6m-none-eabi/release/ring
compare "M0 ring" "$work/m0-ring.txt" examples/expected/ring.txt
run "M0 exported" "$work/m0-exported.txt" $M0 examples/cortex-m/target/thumbv6m-none-eabi/release/exported
compare "M0 exported" "$work/m0-exported.txt" examples/expected/exported.txt

step "WebAssembly in Node.js (wasm32-unknown-unknown, no imports)"
(cd examples/wasm && cargo build --release --target-dir target --target wasm32-unknown-unknown)
wasm=examples/wasm/target/wasm32-unknown-unknown/release/selfsup_wasm.wasm
run "wasm ring" "$work/wasm-ring.txt" node examples/wasm/run.mjs ring "$wasm"
compare "wasm ring" "$work/wasm-ring.txt" examples/expected/ring.txt
run "wasm wide" "$work/wasm-wide.txt" node examples/wasm/run.mjs wide "$wasm"
compare "wasm wide" "$work/wasm-wide.txt" examples/expected/wide.txt

if [ $failed -ne 0 ]; then
  echo "on-device CI FAILED" >&2
  exit 1
fi
echo
echo "on-device CI passed: host, Cortex-M4F, Cortex-M0 and wasm print identical bits."
