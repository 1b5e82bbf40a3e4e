//! `e^x` in plain IEEE arithmetic, branch-free, for `f32` and `f64`.
//!
//! Method (Cody–Waite reduction and the rational form of fdlibm's `e_exp.c` / `e_expf.c`):
//!
//! 1. `k = round(x / ln 2)` (to nearest, ties to even, by adding and subtracting `1.5 · 2^p`,
//!    `p` the mantissa width: exact for the clamped range), and `r = hi − lo` with
//!    `hi = x − k·ln2_hi` (exact: `ln2_hi` has enough trailing zero bits) and `lo = k·ln2_lo`,
//!    so `|r| ≤ ln 2 / 2` up to rounding.
//! 2. `c = r − r²(P1 + r²(P2 + …))`, a minimax fit of `r(e^r + 1)/(e^r − 1)` on
//!    `[−ln 2/2, ln 2/2]` (two terms for `f32`: error `< 2^−27.74`; five for `f64`:
//!    `< 2^−59`), and `e^r = 1 − ((lo − r·c/(2 − c)) − hi)`.
//! 3. `e^x = e^r · 2^⌊k/2⌋ · 2^(k − ⌊k/2⌋)`, the powers of two built from their bits, so that
//!    results that overflow become `+∞` and results in the subnormal range are rounded once,
//!    gradually, by the last multiplication.
//!
//! `x` is first clamped to `[LO, HI]` by comparisons (which let NaN through): below `LO` every
//! result rounds to `+0`, above `HI` to `+∞`. NaN → NaN, `+∞` → `+∞`, `−∞` → `+0`,
//! `±0` → `1`. No branch depends on the data, so a loop over a slice vectorizes; no fused
//! multiply-add is used (Rust never contracts `a * b + c`), so every target computes the same
//! bits.
//!
//! Accuracy, measured against `libm`'s `f64` `exp` (the `math` tests; the exhaustive run by
//! hand, see `BENCHMARKS.md`): `f32` within 0.911 ulp of the exact result over all 2³² inputs,
//! subnormal results included (worst at `x = −37.776226`), and correctly rounded for all but
//! 0.42 % of them; `f64` within 1 ulp on a dense sample of the whole range, including subnormal results
//! and both overflow boundaries.
//!
//! The coefficients are fdlibm's (Sun Microsystems, 1993), whose notice reads: "Copyright (C)
//! 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunPro, a Sun
//! Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software
//! is freely granted, provided that this notice is preserved."
//!
//! ```
//! use selfsup_core::math::{exp, expf};
//! assert_eq!(expf(0.0), 1.0);
//! assert!((exp(1.0) - core::f64::consts::E).abs() <= f64::EPSILON * 2.0);
//! assert_eq!(expf(-200.0), 0.0);
//! assert_eq!(exp(1000.0), f64::INFINITY);
//! ```

/// `e^x` for `f32` (see the module documentation for the method and its error).
#[inline(always)]
pub fn expf(x: f32) -> f32 {
    const HI: f32 = 89.0; // e^89 > f32::MAX
    const LO: f32 = -104.0; // e^−104 < half the smallest subnormal
    const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b); // 1.4426950216
    const LN2_HI: f32 = f32::from_bits(0x3f31_7200); // 6.9314575195e-01, 15 significant bits
    const LN2_LO: f32 = f32::from_bits(0x35bf_be8e); // 1.4286067653e-06
    const P1: f32 = f32::from_bits(0x3e2a_aa8f); // 1.6666625440e-1
    const P2: f32 = f32::from_bits(0xbb35_5215); // -2.7667332906e-3
    const ROUND: f32 = 12_582_912.0; // 1.5 · 2^23
    let x = if x > HI { HI } else { x };
    let x = if x < LO { LO } else { x };
    let t = x * INV_LN2 + ROUND;
    let k = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let kf = t - ROUND;
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * P2);
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    let k1 = k >> 1;
    let k2 = k - k1;
    let s1 = f32::from_bits(((k1 + 127) as u32) << 23);
    let s2 = f32::from_bits(((k2 + 127) as u32) << 23);
    y * s1 * s2
}

/// `e^x` for `f64` (see the module documentation for the method and its error).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const HI: f64 = 710.0; // e^710 > f64::MAX
    const LO: f64 = -746.0; // e^−746 < half the smallest subnormal
    const INV_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe); // 1.44269504088896338700
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
    const P1: f64 = f64::from_bits(0x3fc5_5555_5555_553e); // 1.66666666666666019037e-01
    const P2: f64 = f64::from_bits(0xbf66_c16c_16be_bd93); // -2.77777777770155933842e-03
    const P3: f64 = f64::from_bits(0x3f11_566a_af25_de2c); // 6.61375632143793436117e-05
    const P4: f64 = f64::from_bits(0xbebb_bd41_c5d2_6bf1); // -1.65339022054652515390e-06
    const P5: f64 = f64::from_bits(0x3e66_3769_72be_a4d0); // 4.13813679705723846039e-08
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    let x = if x > HI { HI } else { x };
    let x = if x < LO { LO } else { x };
    let t = x * INV_LN2 + ROUND;
    let k = (t.to_bits() as i64).wrapping_sub(ROUND.to_bits() as i64);
    let kf = t - ROUND;
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    let y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    let k1 = k >> 1;
    let k2 = k - k1;
    let s1 = f64::from_bits(((k1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((k2 + 1023) as u64) << 52);
    y * s1 * s2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values() {
        assert!(expf(f32::NAN).is_nan());
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(expf(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(expf(f32::NEG_INFINITY).to_bits(), 0);
        assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0);
        assert_eq!(expf(-0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert_eq!(expf(0.0), 1.0);
        assert_eq!(exp(0.0), 1.0);
    }
}
