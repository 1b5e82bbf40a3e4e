//! Learning-rate schedules, as a factor applied to the optimizer's base learning rate.
//!
//! - `Constant`: factor 1 (the seed programs).
//! - `Cosine` (Loshchilov & Hutter, 2017, "SGDR", without restarts; the SimCLR schedule, with
//!   its linear warm-up, Goyal et al., 2017): for step `t` (0-based), warm-up `w`, total `T`,
//!   floor `f`:
//!   `factor = (t + 1) / w` for `t < w`, else
//!   `f + (1 − f) · ½ (1 + cos(π · min(t − w, T − w) / (T − w)))`.
//!
//! ```
//! use selfsup_core::train::Schedule;
//! let s = Schedule::Cosine { total_steps: 100, warmup_steps: 10, min_factor: 0.0 };
//! assert_eq!(s.factor::<f64>(0), 0.1);
//! assert_eq!(s.factor::<f64>(10), 1.0);
//! assert!((s.factor::<f64>(55) - 0.5).abs() < 1e-12);
//! assert!(s.factor::<f64>(99) < 0.001);
//! assert_eq!(Schedule::Constant.factor::<f32>(12345), 1.0);
//! ```

use crate::Real;
use crate::optim::Optimizer;

/// A learning-rate schedule (see the [module docs](self)).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Schedule {
    /// The base learning rate throughout.
    #[default]
    Constant,
    /// Linear warm-up, then cosine decay to `min_factor` times the base rate at `total_steps`
    /// (and stays there).
    Cosine {
        /// Steps of the whole run (e.g. epochs × batches per epoch).
        total_steps: u64,
        /// Steps of linear warm-up (0 for none).
        warmup_steps: u64,
        /// Final factor (0 decays to zero).
        min_factor: f64,
    },
}

impl Schedule {
    /// The factor at (0-based) step `t`.
    pub fn factor<T: Real>(&self, t: u64) -> T {
        match *self {
            Schedule::Constant => T::one(),
            Schedule::Cosine { total_steps, warmup_steps, min_factor } => {
                if t < warmup_steps {
                    return T::of_f64((t + 1) as f64) / T::of_f64(warmup_steps as f64);
                }
                let span = total_steps.saturating_sub(warmup_steps).max(1);
                let done = (t - warmup_steps).min(span);
                let f = T::of_f64(min_factor);
                let c = (T::pi() * T::of_f64(done as f64) / T::of_f64(span as f64)).cos_();
                f + (T::one() - f) * T::of_f64(0.5) * (T::one() + c)
            }
        }
    }

    /// `opt` with the learning rate of (0-based) step `t`: `opt` itself for
    /// [`Schedule::Constant`], else its base rate times [`Schedule::factor`].
    pub fn optimizer_at<T: Real>(&self, opt: &Optimizer<T>, t: u64) -> Optimizer<T> {
        match self {
            Schedule::Constant => *opt,
            s => opt.with_lr(opt.lr() * s.factor::<T>(t)),
        }
    }
}
