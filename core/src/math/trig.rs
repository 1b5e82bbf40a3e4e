//! `(sin 2πu, cos 2πu)`, the angle given in turns, in plain IEEE arithmetic, branch-free, for
//! `f32` and `f64`: the pair Box–Muller needs for a uniform `u ∈ [0, 1)`.
//!
//! Giving the angle in turns makes the range reduction exact: `q = round(4u)` (to nearest, by
//! adding and subtracting `1.5 · 2^p`) and `w = 4u − q ∈ [−½, ½]` are computed without
//! rounding, and `2πu = (π/2)(q + w)`. Then `sin(πw/2)` and `cos(πw/2)` come from their Taylor
//! series in `w` (`|πw/2| ≤ π/4`; truncated after `w¹⁷`/`w¹⁸`, where the next term is below
//! 2⁻⁶⁰ of the result), evaluated by Horner's rule in `f64`, and the quadrant `q mod 4` swaps
//! and negates them by selects and sign-bit flips. The `f32` version is the `f64` one rounded
//! once (its `u` converts exactly).
//!
//! Domain: `|u| < 2⁴⁹` (where the reduction is exact). Accuracy, measured against `libm`'s
//! `sin(2π·u)`/`cos(2π·u)` (corrected for the rounding of the argument `2π·u`) by the tests:
//! within 1 ulp (`f32`) and 2 ulps (`f64`) on `[0, 1)`. No data-dependent branch, no fused multiply-add.
//!
//! ```
//! use selfsup_core::math::sin_cos_turns;
//! let (s, c) = sin_cos_turns(0.25f64);
//! assert_eq!((s, c), (1.0, 0.0));
//! let (s, c) = sin_cos_turns(0.125f64);
//! // within the documented 2 ulps of 1/√2 (here: sin one ulp below, cos exact)
//! assert!((s - core::f64::consts::FRAC_1_SQRT_2).abs() <= 2.0 * f64::EPSILON / 2.0);
//! assert!((c - core::f64::consts::FRAC_1_SQRT_2).abs() <= 2.0 * f64::EPSILON / 2.0);
//! ```

/// Scalar types with a [`sin_cos_turns`] (`f32`, `f64`).
pub trait SinCosTurns: Copy {
    /// `(sin 2πu, cos 2πu)`.
    fn sin_cos_turns(self) -> (Self, Self);
}

/// `(sin 2πu, cos 2πu)` for `u` in turns (see the module documentation).
#[inline(always)]
pub fn sin_cos_turns<T: SinCosTurns>(u: T) -> (T, T) {
    u.sin_cos_turns()
}

impl SinCosTurns for f32 {
    /// Evaluated in `f64` and rounded once: a leading coefficient `π/2` rounded to `f32` alone
    /// would cost half an ulp, and this function is not on a hot path (augmentation noise).
    #[inline(always)]
    fn sin_cos_turns(self) -> (f32, f32) {
        let (s, c) = (self as f64).sin_cos_turns();
        (s as f32, c as f32)
    }
}

impl SinCosTurns for f64 {
    #[inline(always)]
    fn sin_cos_turns(self) -> (f64, f64) {
        const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
        const S: [u64; 9] = [
            0x3ff9_21fb_5444_2d18,
            0xbfe4_abbc_e625_be53,
            0x3fb4_66bc_6775_aae2,
            0xbf73_2d2c_ce62_bd86,
            0x3f25_0783_487e_e782,
            0xbece_3074_fde8_871f,
            0x3e6e_8f43_4d01_8d63,
            0xbe06_fadb_9f15_5744,
            0x3d9a_aec3_2af9_3359,
        ];
        const C: [u64; 9] = [
            0xbff3_bd3c_c9be_45de,
            0x3fd0_3c1f_081b_5ac4,
            0xbf95_5d3c_7e3c_bffa,
            0x3f4e_1f50_6891_babb,
            0xbefa_6d1f_2a20_4a8c,
            0x3e9f_9d38_a376_3cc3,
            0xbe3b_6e24_f44b_128f,
            0x3dd2_0c62_c2f2_d7f5,
            0xbd62_a0c5_91af_8314,
        ];
        let x = 4.0 * self;
        let t = x + ROUND;
        let q = t.to_bits().wrapping_sub(ROUND.to_bits());
        let w = x - (t - ROUND);
        let z = w * w;
        let mut sp = f64::from_bits(S[8]);
        let mut cp = f64::from_bits(C[8]);
        for i in (0..8).rev() {
            sp = f64::from_bits(S[i]) + z * sp;
            cp = f64::from_bits(C[i]) + z * cp;
        }
        let sn = w * sp;
        let cs = 1.0 + z * cp;
        let swap = q & 1 != 0;
        let (sn, cs) = if swap { (cs, sn) } else { (sn, cs) };
        let sin = f64::from_bits(sn.to_bits() ^ ((q & 2) << 62));
        let cos = f64::from_bits(cs.to_bits() ^ ((q.wrapping_add(1) & 2) << 62));
        (sin, cos)
    }
}
