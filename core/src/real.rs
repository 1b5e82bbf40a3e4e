//! The scalar type: `f32` on devices, `f32` or `f64` on the host.
//!
//! Every transcendental function the crate uses goes through this trait, and each is a
//! portable software implementation: the exponential, the logarithm and the sine/cosine of an
//! angle in turns are our own ([`crate::math`]: branch-free, so slice loops vectorize), and
//! sine and cosine of arbitrary angles come from the [`libm`] crate. That pins results to one
//! implementation, so a microcontroller, WebAssembly and the host compute the same bits (the
//! platform C library or target intrinsics would not).

use nalgebra::RealField;
use rand_core::Rng;

/// A floating-point scalar for selfsup: `f32` or `f64`.
///
/// ```
/// use selfsup_core::Real;
/// assert_eq!(<f64 as Real>::of_f64(0.5).exp_(), selfsup_core::math::exp(0.5));
/// assert_eq!(2.0_f32.sqrt_(), libm::sqrtf(2.0));
/// ```
pub trait Real: RealField + Copy + Default + core::fmt::Debug + 'static {
    /// `e^self` ([`crate::math::exp()`]).
    fn exp_(self) -> Self;
    /// Natural logarithm ([`crate::math::log`]).
    fn ln_(self) -> Self;
    /// `(sin 2π·self, cos 2π·self)`: the angle in turns ([`crate::math::trig`]).
    fn sin_cos_turns(self) -> (Self, Self);
    /// Square root, by libm (correctly rounded, as IEEE 754 requires).
    fn sqrt_(self) -> Self;
    /// Sine, by libm.
    fn sin_(self) -> Self;
    /// Cosine, by libm.
    fn cos_(self) -> Self;
    /// The smallest positive normal number (`f32::MIN_POSITIVE`, `f64::MIN_POSITIVE`).
    fn min_normal() -> Self;
    /// Nearest value of this type to `x`.
    fn of_f64(x: f64) -> Self;
    /// Nearest value of this type to `n`.
    fn of_usize(n: usize) -> Self;
    /// Widen to `f64` (exact).
    fn to_f64(self) -> f64;
    /// A uniform draw in `[0, 1)` on the type's full mantissa grid
    /// (24 bits from `next_u32` for `f32`, 53 bits from `next_u64` for `f64`).
    fn uniform01<R: Rng + ?Sized>(rng: &mut R) -> Self;
    /// [`Real::uniform01`] as a function of the one `next_u32` word it draws, for the types
    /// whose uniform takes exactly that word (`f32`); `None` for those that draw more bits
    /// (`f64`). Lets a caller draw a block of words first and use them later, with the same
    /// values (SCARF does, [`crate::augment::scarf`]).
    fn uniform01_of_u32(word: u32) -> Option<Self>;
    /// Raw IEEE bits, widened to `u64` (for bit-identity checks and reports).
    fn bits(self) -> u64;
    /// The value with raw IEEE bits `bits` (the low 32 for `f32`): `of_bits(x.bits()) == x`
    /// bit for bit. Lets a loop pick between two values with integer masks, without a branch.
    fn of_bits(bits: u64) -> Self;
}

impl Real for f32 {
    #[inline(always)]
    fn exp_(self) -> Self {
        crate::math::expf(self)
    }
    #[inline(always)]
    fn ln_(self) -> Self {
        crate::math::lnf(self)
    }
    #[inline(always)]
    fn sin_cos_turns(self) -> (Self, Self) {
        crate::math::sin_cos_turns(self)
    }
    #[inline]
    fn sqrt_(self) -> Self {
        libm::sqrtf(self)
    }
    #[inline]
    fn sin_(self) -> Self {
        libm::sinf(self)
    }
    #[inline]
    fn cos_(self) -> Self {
        libm::cosf(self)
    }
    #[inline]
    fn min_normal() -> Self {
        f32::MIN_POSITIVE
    }
    #[inline]
    fn of_f64(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn of_usize(n: usize) -> Self {
        n as f32
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn uniform01<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::uniform01_of_u32(rng.next_u32()).unwrap_or_default()
    }
    #[inline(always)]
    fn uniform01_of_u32(word: u32) -> Option<Self> {
        Some((word >> 8) as f32 * (1.0 / 16_777_216.0))
    }
    #[inline]
    fn bits(self) -> u64 {
        self.to_bits() as u64
    }
    #[inline(always)]
    fn of_bits(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
}

impl Real for f64 {
    #[inline(always)]
    fn exp_(self) -> Self {
        crate::math::exp(self)
    }
    #[inline(always)]
    fn ln_(self) -> Self {
        crate::math::ln(self)
    }
    #[inline(always)]
    fn sin_cos_turns(self) -> (Self, Self) {
        crate::math::sin_cos_turns(self)
    }
    #[inline]
    fn sqrt_(self) -> Self {
        libm::sqrt(self)
    }
    #[inline]
    fn sin_(self) -> Self {
        libm::sin(self)
    }
    #[inline]
    fn cos_(self) -> Self {
        libm::cos(self)
    }
    #[inline]
    fn min_normal() -> Self {
        f64::MIN_POSITIVE
    }
    #[inline]
    fn of_f64(x: f64) -> Self {
        x
    }
    #[inline]
    fn of_usize(n: usize) -> Self {
        n as f64
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn uniform01<R: Rng + ?Sized>(rng: &mut R) -> Self {
        (rng.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
    #[inline]
    fn uniform01_of_u32(_: u32) -> Option<Self> {
        None
    }
    #[inline]
    fn bits(self) -> u64 {
        self.to_bits()
    }
    #[inline(always)]
    fn of_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
}

/// Shorthand for `T::of_f64(x)`, for constants in generic code.
#[inline]
pub fn lit<T: Real>(x: f64) -> T {
    T::of_f64(x)
}
