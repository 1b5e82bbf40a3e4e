//! The square root of Adam's update, `√v̂`, correctly rounded and without branches.
//!
//! `libm::sqrtf` is correctly rounded (as IEEE 754 requires of a square root), but on x86 it
//! is one scalar `sqrtss` instruction, so Adam's loop over the parameters could not vectorize
//! around it. [`sqrtf`] computes the same correctly rounded result in plain `f64` arithmetic
//! with selects instead of branches, so the loop runs in SIMD lanes: a first guess of
//! `1/√x` from the bits of `x` (relative error below 3.5 %), three Newton steps
//! `r ← r (3/2 − x r²/2)` (error below 2⁻³⁴), `y = x r` rounded to `f32`, which is then within
//! one unit in the last place of `√x`; the nearest `f32` is then settled exactly: the squares
//! of the midpoints between `y` and its neighbours have at most 50 significant bits, so `f64`
//! holds them exactly, and `x` is compared with them. (No `f32` is the exact square of a
//! midpoint, so there are no ties.) Zero, infinity and NaN return themselves, negative
//! numbers NaN. The same bits as `libm::sqrtf` for every input except the payload of the NaN
//! of a negative number (checked over all 2³² inputs by
//! `cargo test -p selfsup-core --release -- --ignored sqrt`).
//!
//! `f64` parameters keep `libm::sqrt`.

use crate::Real;
use core::any::TypeId;

/// `√v`: [`sqrtf`] for `f32`, [`Real::sqrt_`] (libm) for other types; the same bits.
#[inline(always)]
pub(super) fn root<T: Real>(v: T) -> T {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        T::of_bits(sqrtf(f32::from_bits(v.bits() as u32)).to_bits() as u64)
    } else {
        v.sqrt_()
    }
}

/// Correctly rounded `√x` of an `f32` (see the module docs).
#[inline(always)]
pub fn sqrtf(x: f32) -> f32 {
    let d = x as f64;
    let mut r = f64::from_bits(0x5FE6_EB50_C7B5_37A9u64.wrapping_sub(d.to_bits() >> 1));
    for _ in 0..3 {
        r = r * (1.5 - 0.5 * d * r * r);
    }
    let y = (d * r) as f32;
    let (up, down) =
        (f32::from_bits(y.to_bits().wrapping_add(1)), f32::from_bits(y.to_bits().wrapping_sub(1)));
    let (y64, up, down) = (y as f64, up as f64, down as f64);
    let (hi, lo) = ((y64 + up) * 0.5, (y64 + down) * 0.5);
    let near = if d > hi * hi {
        up
    } else if d < lo * lo {
        down
    } else {
        y64
    };
    if x > 0.0 && x < f32::INFINITY {
        near as f32
    } else if x < 0.0 {
        f32::NAN
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bits: u32) {
        let x = f32::from_bits(bits);
        let (got, want) = (sqrtf(x), libm::sqrtf(x));
        if want.is_nan() {
            assert!(got.is_nan(), "√{x:e} ({bits:#x}) = {got:e}, want NaN");
        } else {
            assert_eq!(got.to_bits(), want.to_bits(), "√{x:e} ({bits:#x})");
        }
    }

    /// Every 4099th bit pattern (all exponents, both signs), the special values, the
    /// neighbours of perfect squares and of powers of two.
    #[test]
    fn matches_libm_on_a_sample() {
        for bits in (0..=u32::MAX).step_by(4099) {
            check(bits);
        }
        for x in
            [0.0f32, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, f32::MIN_POSITIVE, f32::MAX, 1e-45]
        {
            check(x.to_bits());
        }
        for k in 1..5000u32 {
            let sq = (k * k) as f32;
            for b in [sq.to_bits() - 1, sq.to_bits(), sq.to_bits() + 1] {
                check(b);
            }
        }
        for e in 0..255u32 {
            let b = e << 23;
            for d in [0u32, 1, 2, 0x7f_ffff] {
                check(b.wrapping_sub(1).wrapping_add(d));
            }
        }
        assert_eq!(root(2.0f64), libm::sqrt(2.0));
        assert_eq!(root(2.0f32), libm::sqrtf(2.0));
    }

    /// All 2³² inputs (a minute in release).
    #[test]
    #[ignore]
    fn sqrt_matches_libm_on_every_f32() {
        for bits in 0..=u32::MAX {
            check(bits);
        }
    }
}
