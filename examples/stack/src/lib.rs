//! Stack measurement by painting, shared by the firmware of `examples/cortex-m` (Arm) and
//! `examples/riscv` (RISC-V).
//!
//! At reset the start code fills the whole stack region `_stack_end.._stack_start` (symbols of
//! the linker script: cortex-m-rt's `link.x` with its `paint-stack` feature, `examples/riscv/
//! link.x` with its own start code) with [`PAINT`]; the stack grows down, so the lowest word
//! that no longer holds the pattern is the high-water mark:
//! - [`peak_since_reset`]: `_stack_start − lowest touched address`, the whole run's peak;
//! - [`call_stack`]: the peak of one call on its own, below the caller's frame: the unused stack
//!   below the stack pointer is repainted just before the call.
//!
//! A word that a function writes with the pattern itself would be missed: the measurement is a
//! lower bound that is exact unless a frame stores `0xCCCCCCCC` at its deepest word.
#![no_std]

#[cfg(not(any(target_arch = "arm", target_arch = "riscv32", target_arch = "riscv64")))]
compile_error!("selfsup-stack reads the stack pointer of Arm and RISC-V cores only");

/// The painting pattern (the same as cortex-m-rt's `paint-stack`).
pub const PAINT: u32 = 0xCCCC_CCCC;

unsafe extern "C" {
    /// Lowest address of the stack region (linker script).
    static _stack_end: u32;
    /// Highest address of the stack region (initial SP).
    static _stack_start: u32;
}

/// `(lowest, highest)` address of the stack region.
pub fn stack_region() -> (usize, usize) {
    (&raw const _stack_end as usize, &raw const _stack_start as usize)
}

/// Lowest address written since the region below it was last painted.
pub fn lowest_touched() -> usize {
    let (lo, hi) = stack_region();
    let mut p = lo;
    // SAFETY: `p` stays inside the stack region, which is RAM owned by this program.
    while p < hi && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    p
}

/// Peak stack use since reset, in bytes (valid when the start code painted the region).
pub fn peak_since_reset() -> usize {
    stack_region().1 - lowest_touched()
}

/// The current stack pointer (on Cortex-M the main stack pointer, MSP: the firmware runs in
/// thread mode on it).
#[inline(always)]
pub fn sp() -> usize {
    let sp: usize;
    // SAFETY: reads a register, touches no memory.
    #[cfg(target_arch = "arm")]
    unsafe {
        core::arch::asm!("mrs {}, MSP", out(reg) sp, options(nomem, nostack, preserves_flags))
    };
    // SAFETY: reads a register, touches no memory.
    #[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
    unsafe {
        core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack))
    };
    sp
}

/// Paints the unused stack below the current stack pointer (minus `margin` bytes, left for
/// this function's own frame), so that [`lowest_touched`] afterwards measures what runs next.
#[inline(always)]
pub fn repaint_below_sp(margin: usize) {
    let (lo, _) = stack_region();
    let top = (sp() - margin) & !3;
    let mut p = lo;
    while p < top {
        // SAFETY: `lo..top` is the unused part of the stack region, below every live frame.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// Peak stack of `f` on its own, in bytes below the caller's stack pointer: the stack below
/// is repainted (64 bytes left for this frame), `f` runs (its result kept alive by
/// `black_box`, so it is not optimised away), and the lowest touched word is read.
#[inline(always)]
pub fn call_stack<R>(f: impl FnOnce() -> R) -> usize {
    repaint_below_sp(64);
    let base = sp();
    let _ = core::hint::black_box(f());
    base - lowest_touched()
}
