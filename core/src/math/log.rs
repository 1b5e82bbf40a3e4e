//! Natural logarithm in plain IEEE arithmetic, branch-free, for `f32` and `f64`.
//!
//! Method (fdlibm's `e_log.c`, in musl's branch-light form): write `x = 2^k (1 + f)` with
//! `√2/2 ≤ 1 + f < √2` (integer arithmetic on the bits), `s = f / (2 + f)`, and
//! `ln(1 + f) = f − f²/2 + s(f²/2 + R(s²))` with `R` a minimax polynomial (four terms for `f32`,
//! seven for `f64`; fit error `< 2^−34.2` and `< 2^−58.45`); then add `k·ln 2` in two parts.
//! Subnormal inputs are first scaled by `2^25` (`2^54`). Special cases are chosen by selects at
//! the end: `ln(±0) = −∞`, `ln(x < 0) = NaN`, `ln(+∞) = +∞`, `ln(NaN) = NaN`.
//!
//! Accuracy, measured against `libm`'s `f64` `log` (the `math` tests; the exhaustive run by
//! hand, see `BENCHMARKS.md`): `f32` within 0.835 ulp of the exact result over all 2³² inputs,
//! subnormal inputs included (worst at `x = 1.4054595`), and correctly rounded for all but
//! 0.31 % of them; `f64` within 1 ulp on a sample of all positive doubles, subnormals included. No
//! data-dependent branch (a slice loop vectorizes), no fused multiply-add.
//!
//! The coefficients are fdlibm's (Sun Microsystems, 1993), whose notice reads: "Copyright (C)
//! 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunPro, a Sun
//! Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software
//! is freely granted, provided that this notice is preserved."
//!
//! ```
//! use selfsup_core::math::{ln, lnf};
//! assert_eq!(lnf(1.0), 0.0);
//! assert!((ln(core::f64::consts::E) - 1.0).abs() <= f64::EPSILON);
//! assert_eq!(lnf(0.0), f32::NEG_INFINITY);
//! assert!(ln(-1.0).is_nan());
//! ```

/// Natural logarithm for `f32` (see the module documentation for the method and its error).
#[inline(always)]
pub fn lnf(x: f32) -> f32 {
    const LN2_HI: f32 = f32::from_bits(0x3f31_7180); // 6.9313812256e-01
    const LN2_LO: f32 = f32::from_bits(0x3717_f7d1); // 9.0580006145e-06
    const LG1: f32 = f32::from_bits(0x3f2a_aaaa); // 0xaaaaaa.0p-24
    const LG2: f32 = f32::from_bits(0x3ecc_ce13); // 0xccce13.0p-25
    const LG3: f32 = f32::from_bits(0x3e91_e9ee); // 0x91e9ee.0p-25
    const LG4: f32 = f32::from_bits(0x3e78_9e26); // 0xf89e26.0p-26
    const SQRT_HALF: u32 = 0x3f35_04f3;
    let sub = x < f32::MIN_POSITIVE;
    let xs = if sub { x * 33_554_432.0 } else { x }; // 2^25
    let ix = xs.to_bits().wrapping_add(0x3f80_0000 - SQRT_HALF);
    let k = (ix >> 23) as i32 - 0x7f - if sub { 25 } else { 0 };
    let m = f32::from_bits((ix & 0x007f_ffff) + SQRT_HALF);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * LG4);
    let t2 = z * (LG1 + w * LG3);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let dk = k as f32;
    let y = s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI;
    let y = if x == f32::INFINITY { x } else { y };
    let y = if x == 0.0 { f32::NEG_INFINITY } else { y };
    if x < 0.0 || x.is_nan() { f32::NAN } else { y }
}

/// Natural logarithm for `f64` (see the module documentation for the method and its error).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
    const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
    const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
    const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
    const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
    const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
    const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
    const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);
    const SQRT_HALF_HI: u64 = 0x3fe6_a09e;
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * 18_014_398_509_481_984.0 } else { x }; // 2^54
    let bits = xs.to_bits();
    let hx = (bits >> 32).wrapping_add(0x3ff0_0000 - SQRT_HALF_HI);
    let k = ((hx >> 20) & 0xfff) as i64 - 0x3ff - if sub { 54 } else { 0 };
    let hx = (hx & 0x000f_ffff) + SQRT_HALF_HI;
    let m = f64::from_bits((hx << 32) | (bits & 0xffff_ffff));
    let f = m - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let dk = k as f64;
    let y = s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI;
    let y = if x == f64::INFINITY { x } else { y };
    let y = if x == 0.0 { f64::NEG_INFINITY } else { y };
    if x < 0.0 || x.is_nan() { f64::NAN } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values() {
        for (x, want) in
            [(0.0f32, f32::NEG_INFINITY), (-0.0, f32::NEG_INFINITY), (f32::INFINITY, f32::INFINITY)]
        {
            assert_eq!(lnf(x), want);
        }
        for (x, want) in
            [(0.0f64, f64::NEG_INFINITY), (-0.0, f64::NEG_INFINITY), (f64::INFINITY, f64::INFINITY)]
        {
            assert_eq!(ln(x), want);
        }
        assert!(lnf(-1.0).is_nan() && lnf(f32::NAN).is_nan() && lnf(f32::NEG_INFINITY).is_nan());
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan() && ln(f64::NEG_INFINITY).is_nan());
        assert_eq!(lnf(1.0), 0.0);
        assert_eq!(ln(1.0), 0.0);
    }
}
