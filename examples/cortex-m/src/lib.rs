//! Firmware support shared by the binaries: semihosting output, exit status and a panic
//! handler. Stack measurement (cortex-m-rt's `paint-stack` fills the whole stack region with
//! `0xCCCCCCCC` at reset) is `selfsup_stack` (`examples/stack`), shared with `examples/riscv`.
#![no_std]

use core::fmt::{self, Write};
use cortex_m_semihosting::{debug, hio};

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
