//! On-device anomaly detection from a sensor stream (`selfsup_core::anomaly::device`): learns
//! normal vibration windows with a linear autoencoder from a reservoir, sets its threshold at a
//! 5 % false-positive rate, then scores a stream with injected anomalies (shifted frequency,
//! spike) and prints every score and flag with its IEEE bits — the same text as the host and
//! WebAssembly — then its memory use (`#` lines, not compared). Exits with status 1 if an
//! injected anomaly is missed, more than 5 % of normal windows are flagged, or the run's peak
//! stack exceeds its budget.
#![no_std]
#![no_main]

use core::fmt::Write;
use cortex_m_rt::entry;
use selfsup_core::anomaly::device::SensorDetector;
use selfsup_cortex_m::{Host, exit};
use selfsup_stack::peak_since_reset;
use selfsup_transcript::run_anomaly;

/// Budget for the whole run's peak stack (detector state, buffers, output), in bytes: what
/// must fit the micro:bit's 16 KiB of RAM.
const RUN_STACK_BUDGET: usize = 14 * 1024;

#[entry]
fn main() -> ! {
    let mut out = Host::stdout();
    let mut det = SensorDetector::new();
    let Ok(s) = run_anomaly(&mut det, &mut out) else { exit(false) };
    let total = peak_since_reset();
    let state = core::mem::size_of::<SensorDetector>();
    let _ = writeln!(
        out,
        "# machine {} state {state} B, peak stack since reset {total} B (budget {RUN_STACK_BUDGET} B)",
        env!("SELFSUP_MACHINE")
    );
    let mut ok = s.anomalies_flagged == s.anomalies && s.normal_flagged * 20 <= s.normal;
    if !ok {
        let _ = writeln!(out, "# FAIL: detection below target");
    }
    if total > RUN_STACK_BUDGET {
        let _ = writeln!(out, "# FAIL: peak stack {total} B exceeds its budget of {RUN_STACK_BUDGET} B");
        ok = false;
    }
    exit(ok)
}
