//! The 64→16, `B = 32` configuration (`selfsup_transcript::run_wide`), for the footprint table:
//! trains a few epochs, prints the same lines as the host, then its memory use (`#` lines).
#![no_std]
#![no_main]

use core::fmt::Write;
use cortex_m_rt::entry;
use selfsup_cortex_m::{Host, exit};
use selfsup_stack::{call_stack, peak_since_reset};
use selfsup_transcript::{WideStream, run_wide, wide_config, wide_loss, wide_stream};

#[entry]
fn main() -> ! {
    let mut out = Host::stdout();
    let cfg = wide_config();
    let Ok(loss) = wide_loss(&cfg) else { exit(false) };
    let mut t = wide_stream(&cfg, loss);
    if run_wide(&mut t, &mut out).is_err() {
        exit(false);
    }
    let total = peak_since_reset();
    let step = call_stack(|| t.step());
    let state = core::mem::size_of::<WideStream>();
    let _ = writeln!(
        out,
        "# machine {} state {state} B, step stack {step} B, peak stack since reset {total} B",
        env!("SELFSUP_MACHINE")
    );
    exit(true)
}
