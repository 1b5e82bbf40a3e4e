//! Log-sum-exp without storing the logits, for the streaming losses: how each anchor's
//! normalizer `m + ln σ` (`σ = Σ exp(x − m)`) is accumulated one logit at a time.
//!
//! - [`LseMode::Online`] (Milakov & Gimelshein, 2018, "Online normalizer calculation for
//!   softmax"): one sweep; for every logit `x`, `if x > m { σ ← σ·exp(m − x) + 1; m ← x }
//!   else { σ ← σ + exp(x − m) }` (`online_push`). Each rescale rounds once.
//! - [`LseMode::TwoPass`]: one sweep for the maximum `m` (or the fixed `1/τ` for unit
//!   vectors), one for the sum, in the fixed eight-lane order of the dense losses.
//!
//! ```
//! use selfsup_core::loss::LseMode;
//! assert_eq!(LseMode::default(), LseMode::Online);
//! ```

use crate::Real;

/// How the streaming losses compute each anchor's log-sum-exp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LseMode {
    /// One sweep with a running maximum and a rescaled running sum (fewest logit evaluations).
    #[default]
    Online,
    /// A sweep for the maxima, then a sweep for the sums: bit-identical to the dense losses.
    TwoPass,
}

/// The most negative finite value: the running maximum before any logit.
#[inline(always)]
pub(crate) fn lowest<T: Real>() -> T {
    T::min_value().unwrap_or(-T::max_value().unwrap_or(T::one()))
}

/// One step of the online normalizer ([`LseMode::Online`]): adds `exp(x)` to `exp(m) · σ`, keeping `m` the maximum.
#[inline(always)]
pub(crate) fn online_push<T: Real>(m: &mut T, s: &mut T, x: T) {
    if x > *m {
        *s = *s * (*m - x).exp_() + T::one();
        *m = x;
    } else {
        *s += (x - *m).exp_();
    }
}

/// The two-pass mode's maximum step: `m ← max(m, x)`.
#[inline(always)]
pub(crate) fn raise<T: Real>(m: &mut T, x: T) {
    if x > *m {
        *m = x;
    }
}

/// The gradient weight of candidate logit `x` for an anchor with maximum `m` and reciprocal
/// sum `inv = 1/σ`: `(exp(x − m)·inv − [x is the positive]) · scale` (the softmax minus the
/// one-hot target, times the mean's and the temperature's factor `scale`).
#[inline(always)]
pub(crate) fn weight<T: Real>(x: T, m: T, inv: T, positive: bool, scale: T) -> T {
    let mut p = (x - m).exp_() * inv;
    if positive {
        p -= T::one();
    }
    p * scale
}

/// Column `j` of a column-major slice with `k` rows.
#[inline(always)]
pub(crate) fn col<T>(m: &[T], k: usize, j: usize) -> &[T] {
    &m[j * k..(j + 1) * k]
}

/// `y += α x` (the same operation order as [`crate::kernels`]).
#[inline(always)]
pub(crate) fn axpy<T: Real>(y: &mut [T], alpha: T, x: &[T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}
