//! The decision threshold at a target false-positive rate, from the scores of normal samples,
//! exact in fixed memory.
//!
//! Given `n` scores `s_1 … s_n` of normal samples and a target false-positive rate `α`, let
//! `m = ⌊α n⌋` and `s_[1] ≥ s_[2] ≥ … ≥ s_[n]` the scores in decreasing order. The threshold is
//! the `(m+1)`-th largest score, `t = s_[m+1]`, and a sample is flagged when its score is
//! **strictly greater** than `t`. Then at most `m ≤ α n` of the `n` normal scores are flagged
//! (fewer when scores tie at `t`): the empirical `1 − α` quantile, never above the target rate
//! on the data it was set from. New normal samples exceed it at the rate
//! [`expected_false_positive_rate`], `(m + 1)/(n + 1)`: close to `α` for large `n`, but at least
//! `1/(n + 1)`.
//!
//! Only the `m + 1` largest scores matter, so [`UpperScores`] keeps the `C` largest scores seen
//! in a sorted buffer (insertion, `O(C)` per score) plus the count `n`. **Its error is zero**
//! while `⌊α n⌋ < C`: the threshold is the exact order statistic above. Beyond that (a long
//! calibration stream with a small buffer), [`UpperScores::threshold`] returns `None` instead of
//! an approximation: size the buffer as `C > α n_max` (e.g. 256 normal scores at α = 5 % need
//! `C ≥ 13`). A streaming quantile estimator such as P² (Jain & Chlamtac 1985) would take five
//! markers for any `n` but is approximate, with an error that depends on the distribution; an
//! exact order statistic is what the device check needs to flag the same samples as the host.
//!
//! `m` is computed in `f64` as `⌊α n + 10⁻⁹⌋` (the `10⁻⁹` absorbs rounding of `α n` just below
//! an integer, e.g. `0.29 · 100 = 28.999…`); NaN scores are not kept, only counted
//! ([`UpperScores::nan_count`]).
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::anomaly::UpperScores;
//! let mut u = UpperScores::<f32, Const<3>>::new(Const);
//! for s in [0.1, 0.9, 0.3, 0.5, 0.2, 0.4, 0.8, 0.7, 0.6, 0.0] {
//!     u.push(s);
//! }
//! assert_eq!(u.threshold(0.2), Some(0.7)); // m = 2: flags 0.9 and 0.8
//! assert_eq!(u.threshold(0.0), Some(0.9)); // flags nothing
//! assert_eq!(u.threshold(0.3), None); // m = 3 needs the 4th largest: C = 3 is too small
//! ```

use crate::Real;
use crate::dims::{Vector, zeros};
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// The `C` largest of the scores pushed, in decreasing order, and how many were pushed.
#[derive(Clone, Debug, PartialEq)]
pub struct UpperScores<T: Real, C: Dim>
where
    DefaultAllocator: Allocator<C>,
{
    top: Vector<T, C>,
    held: usize,
    n: u64,
    nan: u64,
}

impl<T: Real, C: Dim> UpperScores<T, C>
where
    DefaultAllocator: Allocator<C>,
{
    /// An empty buffer of capacity `c`.
    pub fn new(c: C) -> Self {
        Self { top: zeros(c, U1), held: 0, n: 0, nan: 0 }
    }

    /// Capacity `C`.
    pub fn capacity(&self) -> usize {
        self.top.len()
    }

    /// Number of (non-NaN) scores pushed, `n`.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Number of NaN scores pushed (not counted in `n`).
    pub fn nan_count(&self) -> u64 {
        self.nan
    }

    /// The largest scores kept, in decreasing order (`min(n, C)` of them).
    pub fn largest(&self) -> &[T] {
        &self.top.as_slice()[..self.held]
    }

    /// Adds one score of a normal sample (NaN is the only value not comparable with itself).
    pub fn push(&mut self, s: T) {
        if s.partial_cmp(&s).is_none() {
            self.nan += 1;
            return;
        }
        self.n += 1;
        let c = self.top.len();
        if c == 0 {
            return;
        }
        let top = self.top.as_mut_slice();
        if self.held == c && s <= top[c - 1] {
            return;
        }
        let mut pos = if self.held < c { self.held } else { c - 1 };
        while pos > 0 && top[pos - 1] < s {
            top[pos] = top[pos - 1];
            pos -= 1;
        }
        top[pos] = s;
        self.held = (self.held + 1).min(c);
    }

    /// `m = ⌊α n⌋`: how many of the `n` normal scores may lie above the threshold.
    pub fn allowed_above(&self, fpr: f64) -> u64 {
        allowed_above(self.n, fpr)
    }

    /// The threshold `t = s_[m+1]` for a target false-positive rate `fpr` (`α ∈ [0, 1)`):
    /// flag a score when it is `> t`. `None` if no score was pushed, `α` is outside `[0, 1)`,
    /// or `m ≥ C` (the buffer is too small for an exact answer).
    pub fn threshold(&self, fpr: f64) -> Option<T> {
        if self.n == 0 || !(0.0..1.0).contains(&fpr) {
            return None;
        }
        let m = self.allowed_above(fpr);
        if m >= self.held as u64 { None } else { Some(self.top[m as usize]) }
    }
}

/// `m = ⌊α n + 10⁻⁹⌋` (the module doc's rounding guard).
fn allowed_above(n: u64, fpr: f64) -> u64 {
    (fpr * n as f64 + 1e-9) as u64
}

/// How often a **new** normal sample scores above the threshold set from `n` normal scores at
/// a target false-positive rate `α` (`fpr`): `(m + 1) / (n + 1)` with `m = ⌊α n⌋`, for
/// exchangeable scores without ties. The new score is equally likely to take each of the
/// `n + 1` places among the scores, and `m + 1` of them lie above `s_[m+1]` (the rank argument
/// of conformal prediction: Vovk, Gammerman & Shafer, *Algorithmic Learning in a Random
/// World*, 2005; Angelopoulos & Bates 2021, §1). The threshold keeps at most `α n` of the
/// scores it was set from above it; on new samples the rate lies within `1/(n + 1)` of `α`,
/// and it is at least `1/(n + 1)`: `n` scores cannot promise a rate below that (at `α` = 5 %,
/// fewer than 19 scores give more than 5 %).
///
/// ```
/// use selfsup_core::anomaly::expected_false_positive_rate as rate;
/// assert_eq!(rate(10, 0.05), 1.0 / 11.0); // the largest of 10 scores: 9.1 %, not 5 %
/// assert_eq!(rate(19, 0.05), 0.05);
/// assert_eq!(rate(199, 0.05), 10.0 / 200.0);
/// ```
pub fn expected_false_positive_rate(n: u64, fpr: f64) -> f64 {
    (allowed_above(n, fpr) + 1) as f64 / (n as f64 + 1.0)
}
