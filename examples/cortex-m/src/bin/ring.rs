//! Trains the ring InfoNCE encoder from a simulated sensor stream (`selfsup_transcript`:
//! reservoir, MoCo queue, streaming InfoNCE, f32, `Const` sizes, no allocator), prints the
//! loss per epoch and the final weight bits over semihosting — the same text the host and
//! WebAssembly print — then its memory use (lines starting with `#`, not compared) and exits
//! with status 0, or 1 if a training step's peak stack or the whole run's exceeds its published
//! budget.
#![no_std]
#![no_main]

use core::fmt::Write;
use cortex_m_rt::entry;
use selfsup_cortex_m::{Host, exit};
use selfsup_stack::{call_stack, peak_since_reset};
use selfsup_transcript::{RingStream, ring_config, ring_loss, ring_stream, run_ring};

/// Budget for the peak stack of one ring training step (`StreamTrainer::step`, measured below
/// the caller's frame), in bytes; the measurements and how the budget was set are in
/// `examples/cortex-m/README.md` (footprint). A step that needs more has grown: find out why
/// before raising it.
const STEP_STACK_BUDGET: usize = if cfg!(target_abi = "eabihf") { 2048 } else { 768 };

/// Budget for the whole run's peak stack (trainer state, held-out evaluation, semihosting
/// output), in bytes: what must fit the micro:bit's 16 KiB of RAM next to `.data`/`.bss`
/// (measurements in `examples/cortex-m/README.md`).
const RUN_STACK_BUDGET: usize = 14 * 1024;

#[entry]
fn main() -> ! {
    let mut out = Host::stdout();
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
        "# machine {} state {state} B, step stack {step} B (budget {STEP_STACK_BUDGET} B), \
         peak stack since reset {total} B (budget {RUN_STACK_BUDGET} B)",
        env!("SELFSUP_MACHINE")
    );
    let mut ok = true;
    if step > STEP_STACK_BUDGET {
        let _ = writeln!(out, "# FAIL: step stack {step} B exceeds its budget of {STEP_STACK_BUDGET} B");
        ok = false;
    }
    if total > RUN_STACK_BUDGET {
        let _ = writeln!(out, "# FAIL: peak stack {total} B exceeds its budget of {RUN_STACK_BUDGET} B");
        ok = false;
    }
    exit(ok)
}
