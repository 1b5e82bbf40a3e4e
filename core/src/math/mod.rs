//! Our own elementary functions: `e^x`, `ln x`, and `(sin 2πu, cos 2πu)`, in plain IEEE
//! arithmetic (`+ − × ÷`, integer operations on the bits), without data-dependent branches
//! and without fused multiply-adds, so that
//!
//! - every target (x86-64, Cortex-M4F, soft-float Cortex-M0, wasm) computes the same bits, and
//! - a loop applying them to a slice vectorizes ([`exp_slice`]): the softmax exponentials of
//!   the contrastive losses and the Box–Muller transforms of the augmentations run several
//!   lanes at a time, where `libm`'s scalar functions (with their branches) run one.
//!
//! Each function states its method and error bound; the tests compare them with `libm`.

pub mod exp;
pub mod log;
pub mod trig;

pub use exp::{exp, expf};
pub use log::{ln, lnf};
pub use trig::{SinCosTurns, sin_cos_turns};

use crate::Real;

/// `x ← e^x` for every entry (the loop vectorizes: the exponential has no branch).
///
/// ```
/// use selfsup_core::math::exp_slice;
/// let mut v = [0.0f32, 1.0, -1.0];
/// exp_slice(&mut v);
/// assert_eq!(v[0], 1.0);
/// assert!((v[1] * v[2] - 1.0).abs() < 1e-6);
/// ```
#[inline]
pub fn exp_slice<T: Real>(xs: &mut [T]) {
    for x in xs.iter_mut() {
        *x = x.exp_();
    }
}
