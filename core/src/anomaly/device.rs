//! On-device anomaly detection from a sensor stream: the detector that the Cortex-M firmware
//! (`examples/cortex-m`, bin `anomaly`), the WebAssembly module (`examples/wasm`) and the host
//! test (`tests/tests/device_bits.rs`) run through `selfsup_transcript::run_anomaly`, which
//! prints every score and flag with its IEEE bits, so the targets can be compared bit for bit.
//!
//! **The sensor.** Each sample is a window of `D = 16` readings of a vibration sensor,
//! `x_t = sin(2π f t / D + φ) + ε_t` with `f = 2` cycles per window, a uniform random phase `φ`
//! and noise `ε_t ~ N(0, 0.05²)`.
//!
//! **What is learned.** A linear autoencoder `16 → 2 → 16` ([`LinearAutoencoder`]) learns the
//! normal windows from the stream: samples arrive one at a time into a [`Reservoir`] of 64;
//! every step takes 4 new samples and one SGD step (lr 0.02, weight decay 1e-4) on a batch of
//! 16 drawn from the reservoir. Normal windows span the 2-D plane of `sin`/`cos` at `f`, which
//! the rank-2 autoencoder learns (Baldi & Hornik 1989), so the score is its squared
//! reconstruction error ([`reconstruction_errors`]). (The cosine kNN score of
//! [`KnnScorer`](super::KnnScorer) cannot tell these anomalies apart: normal windows have every
//! phase, so their 2-D codes point in every direction.)
//!
//! **Threshold.** The scores of 200 fresh normal windows go into an [`UpperScores`] of 16
//! (exact for `⌊α n⌋ = 10 < 16`); the threshold is set at `α = 5 %`.
//!
//! **The test stream with injected anomalies.** 96 windows; every 8th is an anomaly, in turn
//! of two documented kinds: a **shifted frequency** (`f = 3` instead of 2: a worn bearing's
//! new tone) and a **spike** (`+3` added to one random reading: a shock). Each window is
//! scored and flagged when its score is above the threshold ([`test_kind`] says which is which).
//!
//! ```
//! use selfsup_core::anomaly::device::{Kind, STEPS, SensorDetector, TEST, test_kind};
//! let mut det = SensorDetector::new();
//! det.train(STEPS);
//! let t = det.calibrate().unwrap();
//! let (mut missed, mut false_alarms) = (0, 0);
//! for i in 0..TEST {
//!     let kind = test_kind(i);
//!     let flagged = det.score_new(kind) > t;
//!     missed += (kind != Kind::Normal && !flagged) as usize;
//!     false_alarms += (kind == Kind::Normal && flagged) as usize;
//! }
//! assert_eq!(missed, 0);
//! assert!(false_alarms * 20 <= 84); // at most 5 % of the 84 normal windows
//! ```

use super::{UpperScores, reconstruction_errors};
use crate::dims::{Batch, zeros};
use crate::encoder::{Bias, Init};
use crate::loss::autoencoder::{AeBuffers, LinearAutoencoder};
use crate::optim::Optimizer;
use crate::rng::{Rng, index, normal, seeded, uniform};
use crate::stream::Reservoir;
use crate::train::{AeTrainer, Learner};
use nalgebra::{Const, U1};

/// Readings per window.
pub const D: usize = 16;
/// Code size of the autoencoder.
pub const K: usize = 2;
/// Batch size.
pub const B: usize = 16;
/// Reservoir capacity.
pub const C: usize = 64;
/// Capacity of the threshold's buffer.
pub const TOP: usize = 16;
/// Target false-positive rate.
pub const FPR: f64 = 0.05;
/// Seed of the one generator behind the run.
pub const SEED: u64 = 2026;
/// Training steps.
pub const STEPS: usize = 400;
/// New samples per step.
pub const ARRIVALS: usize = 4;
/// Normal windows scored to set the threshold.
pub const CALIBRATION: usize = 200;
/// Windows of the test stream.
pub const TEST: usize = 96;
/// Every `ANOMALY_EVERY`-th test window is an anomaly.
pub const ANOMALY_EVERY: usize = 8;

/// The kind of test window `i`: every [`ANOMALY_EVERY`]-th is an anomaly, shifted frequency
/// and spike in turn.
pub fn test_kind(i: usize) -> Kind {
    match (i % ANOMALY_EVERY == ANOMALY_EVERY - 1, (i / ANOMALY_EVERY) % 2) {
        (false, _) => Kind::Normal,
        (true, 0) => Kind::Frequency,
        (true, _) => Kind::Spike,
    }
}

/// What a window is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `f = 2`, as learned.
    Normal,
    /// `f = 3`: a shifted frequency.
    Frequency,
    /// A `+3` spike on one reading.
    Spike,
}

impl Kind {
    /// The name printed.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Normal => "normal",
            Kind::Frequency => "freq",
            Kind::Spike => "spike",
        }
    }
}

/// Writes one window of `kind` into `x`.
pub fn window(rng: &mut Rng, kind: Kind, x: &mut [f32]) {
    let f = if kind == Kind::Frequency { 3.0 } else { 2.0 };
    let phase = uniform::<f32, _>(rng, 0.0, 2.0 * core::f32::consts::PI);
    for (t, xt) in x.iter_mut().enumerate() {
        let a = 2.0 * core::f32::consts::PI * f * t as f32 / D as f32 + phase;
        *xt = libm::sinf(a) + 0.05 * normal::<f32, _>(rng);
    }
    if kind == Kind::Spike {
        x[index(rng, D)] += 3.0;
    }
}

/// Everything the device keeps: the autoencoder and its trainer, the reservoir, the batch and
/// step buffers, the threshold's buffer and the generator (f32, `Const` sizes, no allocation).
pub struct SensorDetector {
    /// The autoencoder `16 → 2 → 16` with its optimizer and step buffers.
    pub trainer: AeTrainer<f32, Const<K>, Const<D>, Const<B>>,
    reservoir: Reservoir<f32, Const<D>, Const<C>>,
    batch: Batch<f32, Const<D>, Const<B>>,
    one: Batch<f32, Const<D>, U1>,
    one_buf: AeBuffers<f32, Const<K>, Const<D>, U1>,
    /// The largest normal scores.
    pub normal: UpperScores<f32, Const<TOP>>,
    rng: Rng,
}

impl Default for SensorDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl SensorDetector {
    /// A fresh detector: generator seeded with [`SEED`], autoencoder `N(0, 0.1²)` drawn first.
    pub fn new() -> Self {
        let mut rng = seeded(SEED);
        let ae = LinearAutoencoder::new(Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
        let trainer = AeTrainer::new(ae, Optimizer::sgd(0.02, 0.0, 1e-4), Const);
        Self {
            trainer,
            reservoir: Reservoir::new(Const, Const),
            batch: zeros(Const, Const),
            one: zeros(Const, U1),
            one_buf: AeBuffers::new(Const, Const, U1),
            normal: UpperScores::new(Const),
            rng,
        }
    }

    /// One normal window arrives from the stream into the reservoir.
    pub fn observe(&mut self) {
        window(&mut self.rng, Kind::Normal, self.one.as_mut_slice());
        self.reservoir.push(self.one.as_slice(), &mut self.rng);
    }

    /// One training step on a batch from the reservoir (the loss, or `None` if it holds fewer
    /// than `B` windows).
    #[inline(never)]
    pub fn step(&mut self) -> Option<f32> {
        if !self.reservoir.draw(&mut self.rng, &mut self.batch) {
            return None;
        }
        Some(self.trainer.step(&self.batch, &mut self.rng))
    }

    /// Fills the reservoir, then takes `steps` training steps of [`ARRIVALS`] new windows each
    /// and returns the mean loss of those steps.
    pub fn train(&mut self, steps: usize) -> f32 {
        while self.reservoir.len() < C {
            self.observe();
        }
        let mut total = 0.0f32;
        for _ in 0..steps {
            for _ in 0..ARRIVALS {
                self.observe();
            }
            total += self.step().unwrap_or(f32::NAN);
        }
        total / steps.max(1) as f32
    }

    /// Scores [`CALIBRATION`] fresh normal windows into [`Self::normal`] and returns the
    /// threshold at [`FPR`] (`None` if the buffer were too small).
    pub fn calibrate(&mut self) -> Option<f32> {
        for _ in 0..CALIBRATION {
            let s = self.score_new(Kind::Normal);
            self.normal.push(s);
        }
        self.normal.threshold(FPR)
    }

    /// Draws a window of `kind` and returns its score.
    pub fn score_new(&mut self, kind: Kind) -> f32 {
        window(&mut self.rng, kind, self.one.as_mut_slice());
        let mut s = [0.0f32];
        reconstruction_errors(&self.trainer.ae, &self.one, &mut self.one_buf, &mut s);
        s[0]
    }
}
