//! Firmware support shared by the binaries: semihosting output, exit status, a panic handler,
//! and stack measurement by painting (cortex-m-rt's `paint-stack` fills the whole stack region
//! with `0xCCCCCCCC` at reset; the deepest word that no longer holds the pattern is the high
//! water mark).
#![no_std]

use core::fmt::{self, Write};
use cortex_m_semihosting::{debug, hio};

/// The stack painting pattern of cortex-m-rt's `paint-stack`.
const PAINT: u32 = 0xCCCC_CCCC;

unsafe extern "C" {
    /// Lowest address of the stack region (cortex-m-rt's link.x).
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

/// Peak stack use since reset, in bytes (valid with `paint-stack`).
pub fn peak_since_reset() -> usize {
    stack_region().1 - lowest_touched()
}

/// The current stack pointer.
#[inline(always)]
pub fn sp() -> usize {
    cortex_m::register::msp::read() as usize
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

/// Semihosting standard output as a `fmt::Write` (each write is one host call).
pub struct Host(hio::HostStream);

impl Host {
    /// The host's stdout; exits with failure if the debugger/QEMU does not provide one.
    pub fn stdout() -> Self {
        match hio::hstdout() {
            Ok(s) => Host(s),
            Err(()) => exit(false),
        }
    }
}

impl Write for Host {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_str(s)
    }
}

/// Ends the QEMU run with status 0 (`ok`) or 1.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    if let Ok(mut s) = hio::hstdout() {
        let _ = writeln!(s, "# panic: {info}");
    }
    exit(false)
}
