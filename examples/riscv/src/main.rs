//! The ring training of the device comparison (`selfsup_transcript::run_ring`: reservoir, MoCo
//! queue, streaming InfoNCE, f32, `Const` sizes, no allocator) on a 32-bit RISC-V core without
//! a floating-point unit (riscv32imac, soft float), under QEMU's `virt` machine. It prints the
//! same text as the host, the Cortex-M firmware and the wasm module on the UART, then its memory
//! use (lines starting with `#`, not compared): the trainer's state, the peak stack of one
//! training step on its own, and the whole run's peak stack, measured by stack painting. Exits
//! through QEMU's test device with status 0, or 1 on a failure.
//!
//! ```text
//! cargo run --release        # qemu-system-riscv32 -machine virt -bios none (package qemu-system-misc)
//! ```
#![no_std]
#![no_main]

use core::fmt::{self, Write};
use selfsup_stack::{call_stack, peak_since_reset};
use selfsup_transcript::{RingStream, ring_config, ring_loss, ring_stream, run_ring};

/// QEMU `virt`: the NS16550A UART's transmit register and line status register.
const UART_THR: *mut u8 = 0x1000_0000 as *mut u8;
const UART_LSR: *const u8 = 0x1000_0005 as *const u8;
/// QEMU `virt`: the SiFive test device; writing `0x5555` ends QEMU with status 0,
/// `(code << 16) | 0x3333` with status `code`.
const TEST_DEVICE: *mut u32 = 0x0010_0000 as *mut u32;

// Start code: stack pointer to the top of the stack region, paint the whole region with
// `selfsup_stack::PAINT` (so the run's high-water mark can be read afterwards), zero .bss, call
// `main`.
core::arch::global_asm!(
    ".section .text.start, \"ax\"",
    ".globl _start",
    "_start:",
    "    la sp, _stack_start",
    "    la t0, _stack_end",
    "    li t1, {paint}",
    "1:  bgeu t0, sp, 2f",
    "    sw t1, 0(t0)",
    "    addi t0, t0, 4",
    "    j 1b",
    "2:  la t0, _bss_start",
    "    la t1, _bss_end",
    "3:  bgeu t0, t1, 4f",
    "    sw zero, 0(t0)",
    "    addi t0, t0, 4",
    "    j 3b",
    "4:  call main",
    "5:  j 5b",
    paint = const selfsup_stack::PAINT,
);

/// The UART as a `fmt::Write`.
struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            // SAFETY: the UART's registers on QEMU `virt`; bit 5 of LSR: transmitter ready.
            unsafe {
                while core::ptr::read_volatile(UART_LSR) & 0x20 == 0 {}
                core::ptr::write_volatile(UART_THR, b);
            }
        }
        Ok(())
    }
}

/// Ends the QEMU run with status 0 (`ok`) or 1.
fn exit(ok: bool) -> ! {
    let code = if ok { 0x5555 } else { (1 << 16) | 0x3333 };
    // SAFETY: the test device's register on QEMU `virt`; the write ends the emulation.
    unsafe { core::ptr::write_volatile(TEST_DEVICE, code) };
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let _ = writeln!(Uart, "# panic: {info}");
    exit(false)
}

#[unsafe(no_mangle)]
extern "C" fn main() -> ! {
    let mut out = Uart;
    let cfg = ring_config();
    let Ok(loss) = ring_loss(&cfg) else { exit(false) };
    let mut t = ring_stream(&cfg, loss);
    if run_ring(&mut t, &mut out).is_err() {
        exit(false);
    }
    let total = peak_since_reset();
    // One more step, alone, on a freshly painted stack: its own peak below this frame.
    let step = call_stack(|| t.step());
    let state = core::mem::size_of::<RingStream>();
    let _ = writeln!(
        out,
        "# machine virt state {state} B, step stack {step} B, peak stack since reset {total} B"
    );
    exit(true)
}
