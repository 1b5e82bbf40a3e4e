#!/usr/bin/env bash
# On-device CI for selfsup: the ring InfoNCE training from a sensor stream, run
#   - on the host (cargo test: the output must equal examples/expected/ring.txt byte for byte),
#   - on an emulated Cortex-M4F (qemu-system-arm -machine mps2-an386, thumbv7em-none-eabihf),
#   - on an emulated Cortex-M0 with 16 KiB of RAM (-machine microbit, thumbv6m-none-eabi),
#   - on an emulated 32-bit RISC-V core without FPU (qemu-system-riscv32 -machine virt,
#     riscv32imac-unknown-none-elf, soft float),
#   - as WebAssembly in Node.js (wasm32-unknown-unknown, a module with no imports),
# and each device's output compared bit for bit with the host's (every printed loss and weight
# carries its IEEE bits). The Cortex-M firmware also checks its stack budgets and exits non-zero
# when they are exceeded. The 64->16 configuration is compared on the M4F and in Node as well,
# and the encoders exported by `probe --export` (const arrays: the linear one in
# probe/tests/data/export/encoder.rs, the MLP in probe/tests/data/export_mlp/encoder.rs) are
# loaded and run on both Cortex-M cores (and the MLP in Node as well). The anomaly detector
# (learns normal sensor windows from a stream, flags injected anomalies) runs on both Cortex-M
# cores and in Node; its firmware also fails when an anomaly is missed or more than 5 % of
# normal windows are flagged.
#
# Works from a fresh clone on a fresh Debian machine with rustup: installs qemu-system-arm,
# qemu-system-misc (qemu-system-riscv32) and Node.js with apt-get when missing, and the Rust
# targets with rustup. Exits non-zero on any mismatch or failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "install: qemu-system-arm, qemu-system-riscv32, node, rust targets"
need=()
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v qemu-system-riscv32 >/dev/null || need+=(qemu-system-misc)
command -v node >/dev/null || need+=(nodejs)
if [ ${#need[@]} -gt 0 ]; then
  apt_install() { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
  as_root apt-get update
  if ! apt_install "${need[@]}"; then
    # A machine whose qemu-utils came from the release's backports cannot take the release's
    # emulators (they need a qemu-system-common of the same version): take them from backports
    # too, from the machine's own Debian mirror.
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    mirror=$(apt-cache policy | awk -v s="$codename/main" '$3 == s { print $2; exit }')
    [ -n "$mirror" ] || { echo "no Debian mirror for $codename in apt's sources" >&2; exit 1; }
    echo "deb $mirror $codename-backports main" | as_root tee /etc/apt/sources.list.d/selfsup-backports.list
    as_root apt-get update
    apt_install -t "$codename-backports" "${need[@]}"
  fi
fi
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imac-unknown-none-elf wasm32-unknown-unknown
qemu-system-arm --version | head -1
qemu-system-riscv32 --version | head -1
node --version

step "host: the shared routines reproduce examples/expected/ (ring, wide, Const = Dyn, exported encoders)"
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

# device NAME RUN CMD...: runs CMD (a device; a non-zero exit status fails) and compares what it
# printed with the host's examples/expected/RUN.txt
device() {
  local name=$1 want=examples/expected/$2.txt out="$work/${1// /-}.txt"
  shift 2
  local status=0
  timeout 1800 "$@" >"$out" || status=$?
  if [ $status -ne 0 ]; then
    echo "$name: exit status $status" >&2
    cat "$out" >&2
    failed=1
  fi
  compare "$name" "$out" "$want"
}

step "format and lint of the example crates (separate workspaces, not covered by the root's clippy)"
rustup component add rustfmt clippy
lint() { (cd "examples/$1" && shift && cargo fmt --check && cargo clippy --release --target-dir target "$@" -- -D warnings); }
lint transcript --target thumbv7em-none-eabihf
lint stack --target thumbv7em-none-eabihf
lint stack --target riscv32imac-unknown-none-elf
lint cortex-m --target thumbv7em-none-eabihf --bins
lint riscv --target riscv32imac-unknown-none-elf
lint wasm --target wasm32-unknown-unknown

# The examples are separate workspaces with their own profiles; they always build into their own
# target/ (a CARGO_TARGET_DIR set for the host workspace must not redirect them: the ELF and wasm
# paths below are fixed).
step "Cortex-M4F (mps2-an386, thumbv7em-none-eabihf)"
(cd examples/cortex-m && cargo build --release --target-dir target --target thumbv7em-none-eabihf --bin ring --bin wide --bin exported --bin exported_mlp --bin anomaly)
M4="qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -semihosting-config enable=on,target=native -kernel"
for run in ring wide exported exported_mlp anomaly; do
  device "M4F $run" $run $M4 examples/cortex-m/target/thumbv7em-none-eabihf/release/$run
done

step "Cortex-M0 (microbit, 16 KiB RAM, thumbv6m-none-eabi, soft float)"
(cd examples/cortex-m && SELFSUP_MACHINE=microbit cargo build --release --target-dir target --target thumbv6m-none-eabi --bin ring --bin exported --bin exported_mlp --bin anomaly)
M0="qemu-system-arm -machine microbit -nographic -semihosting-config enable=on,target=native -kernel"
for run in ring exported exported_mlp anomaly; do
  device "M0 $run" $run $M0 examples/cortex-m/target/thumbv6m-none-eabi/release/$run
done

step "RISC-V RV32IMAC (virt, riscv32imac-unknown-none-elf, soft float)"
(cd examples/riscv && cargo build --release --target-dir target --target riscv32imac-unknown-none-elf)
device "RV32 ring" ring qemu-system-riscv32 -machine virt -bios none -nographic \
  -kernel examples/riscv/target/riscv32imac-unknown-none-elf/release/selfsup-riscv

step "WebAssembly in Node.js (wasm32-unknown-unknown, no imports)"
(cd examples/wasm && cargo build --release --target-dir target --target wasm32-unknown-unknown)
wasm=examples/wasm/target/wasm32-unknown-unknown/release/selfsup_wasm.wasm
for run in ring wide exported_mlp anomaly; do
  device "wasm $run" $run node examples/wasm/run.mjs $run "$wasm"
done

if [ $failed -ne 0 ]; then
  echo "on-device CI FAILED" >&2
  exit 1
fi
echo
echo "on-device CI passed: host, Cortex-M4F, Cortex-M0, RV32IMAC and wasm print identical bits."
