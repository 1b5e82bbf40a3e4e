//! The on-device training demonstration (`selfsup_transcript`) as a WebAssembly module with no
//! imports: `run_ring()` / `run_wide()` train and write the same text as the firmware and the
//! host into a static buffer and return its length in bytes; `output_ptr()` gives its address
//! in the module's linear memory (`run.mjs` decodes and prints it). No allocator: the trainer
//! lives on the wasm stack.
#![no_std]

use core::fmt;
use selfsup_transcript::{
    ring_config, ring_stream, run_ring as ring, run_wide as wide, wide_config, wide_stream,
};

/// Output capacity: the 64→16 run prints 1024 weights (about 9.3 kB).
const CAP: usize = 16 * 1024;

static mut OUTPUT: [u8; CAP] = [0; CAP];

/// Writes into [`OUTPUT`]; fails (instead of truncating) when it is full.
struct Output {
    len: usize,
}

impl fmt::Write for Output {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > CAP {
            return Err(fmt::Error);
        }
        // SAFETY: wasm32-unknown-unknown without threads: nothing else accesses OUTPUT while an
        // exported function runs, and `self.len..end` lies inside it (checked above).
        unsafe {
            let dst = (&raw mut OUTPUT).cast::<u8>().add(self.len);
            core::ptr::copy_nonoverlapping(s.as_ptr(), dst, s.len());
        }
        self.len = end;
        Ok(())
    }
}

fn finish(result: fmt::Result, out: Output) -> u32 {
    match result {
        Ok(()) => out.len as u32,
        Err(_) => 0,
    }
}

/// Trains the ring configuration; returns the output length (0 if it did not fit).
#[unsafe(no_mangle)]
pub extern "C" fn run_ring() -> u32 {
    let mut out = Output { len: 0 };
    let mut t = ring_stream(&ring_config());
    let r = ring(&mut t, &mut out);
    finish(r, out)
}

/// Trains the 64→16 configuration; returns the output length (0 if it did not fit).
#[unsafe(no_mangle)]
pub extern "C" fn run_wide() -> u32 {
    let mut out = Output { len: 0 };
    let mut t = wide_stream(&wide_config());
    let r = wide(&mut t, &mut out);
    finish(r, out)
}

/// Address of the output text in linear memory.
#[unsafe(no_mangle)]
pub extern "C" fn output_ptr() -> *const u8 {
    (&raw const OUTPUT).cast()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
