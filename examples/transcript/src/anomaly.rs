//! The transcript of the on-device anomaly detector (`selfsup_core::anomaly::device`): what the
//! `anomaly` firmware, the wasm module's `run_anomaly` and the host test print, so that
//! `.ci/device.sh` compares every score and flag bit for bit with
//! `examples/expected/anomaly.txt`.

use core::fmt::{self, Write};
use selfsup_core::anomaly::device::{
    B, C, CALIBRATION, D, FPR, K, Kind, SEED, STEPS, SensorDetector, TEST, test_kind,
};

/// Counts of the test stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Injected anomalies.
    pub anomalies: usize,
    /// Of them, flagged.
    pub anomalies_flagged: usize,
    /// Normal windows.
    pub normal: usize,
    /// Of them, flagged (false positives).
    pub normal_flagged: usize,
}

fn hex<W: Write>(out: &mut W, x: f32) -> fmt::Result {
    write!(out, "{:08x}", x.to_bits())
}

/// The whole run: header; training (the mean loss of every 100 steps and its bits); the
/// threshold from [`CALIBRATION`] normal windows; the test stream, one line per window
/// `sample I KIND score S bits XXXXXXXX flag 0|1` (an anomaly every `ANOMALY_EVERY`-th
/// window); and a summary line. Returns the counts.
pub fn run_anomaly<W: Write>(det: &mut SensorDetector, out: &mut W) -> Result<Summary, fmt::Error> {
    writeln!(
        out,
        "anomaly-stream f32 D={D} K={K} B={B} reservoir={C} steps={STEPS} fpr={FPR} seed={SEED} \
         anomalies=freq:3,spike:3"
    )?;
    for s in (100..=STEPS).step_by(100) {
        let mean = det.train(100);
        write!(out, "train steps {s} loss {mean} bits ")?;
        hex(out, mean)?;
        writeln!(out)?;
    }
    let t = det.calibrate().ok_or(fmt::Error)?;
    write!(out, "threshold {t} bits ")?;
    hex(out, t)?;
    writeln!(out, " from {CALIBRATION} normal windows at fpr {FPR}")?;
    let mut sum = Summary::default();
    for i in 0..TEST {
        let kind = test_kind(i);
        let s = det.score_new(kind);
        let flag = s > t;
        if kind == Kind::Normal {
            sum.normal += 1;
            sum.normal_flagged += flag as usize;
        } else {
            sum.anomalies += 1;
            sum.anomalies_flagged += flag as usize;
        }
        write!(out, "sample {i} {} score {s} bits ", kind.name())?;
        hex(out, s)?;
        writeln!(out, " flag {}", flag as u8)?;
    }
    writeln!(
        out,
        "flagged {}/{} anomalies, {}/{} normal",
        sum.anomalies_flagged, sum.anomalies, sum.normal_flagged, sum.normal
    )?;
    Ok(sum)
}
