//! Random draws from any `rand_core` generator, computed with portable arithmetic so every
//! target agrees.
//!
//! The default generator is [`Rng`] = `Xoshiro256PlusPlus` (fast, 256-bit state, no
//! allocation), seeded with [`seeded`]. Uniforms use the full mantissa grid of the scalar type
//! (see [`Real::uniform01`]); normals use the Box–Muller transform (Box and Muller, 1958)
//! `√(−2 ln u₁) · (cos 2πu₂, sin 2πu₂)` with `u₁ ∈ (0, 1]`, exact in distribution up to the
//! rounding of its functions: `ln`, `exp` (for the square root, see [`box_muller`]) and the
//! sine/cosine of an angle in turns are our own branch-free ones ([`crate::math`], within 1
//! ulp), so [`fill_normal`] draws its uniforms first and then transforms a block of them in a
//! loop the compiler vectorizes.
//!
//! ```
//! use selfsup_core::rng::{normal, seeded};
//! let mut a = seeded(7);
//! let mut b = seeded(7);
//! let (x, y): (f64, f64) = (normal(&mut a), normal(&mut b));
//! assert_eq!(x.to_bits(), y.to_bits()); // same seed, same bits
//! ```

use crate::Real;
use rand_core::SeedableRng;

/// The generator selfsup uses by default.
pub type Rng = rand_xoshiro::Xoshiro256PlusPlus;

/// A [`Rng`] seeded from a `u64` (SplitMix64 expansion, as `rand_core` defines it).
pub fn seeded(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// Uniform in `[lo, hi)`.
#[inline]
pub fn uniform<T: Real, R: rand_core::Rng + ?Sized>(rng: &mut R, lo: T, hi: T) -> T {
    lo + (hi - lo) * T::uniform01(rng)
}

/// A pair of independent standard normal draws (one Box–Muller transform).
#[inline]
pub fn normal_pair<T: Real, R: rand_core::Rng + ?Sized>(rng: &mut R) -> (T, T) {
    let u1 = T::uniform01(rng);
    let u2 = T::uniform01(rng);
    box_muller(u1, u2)
}

/// The Box–Muller transform of two uniforms `u1, u2 ∈ [0, 1)`:
/// `r · (cos 2πu2, sin 2πu2)` with `r = √t`, `t = −2 ln(1 − u1)` (`1 − u1 ∈ (0, 1]`, so the
/// logarithm is finite). The square root is taken as `exp(½ ln t)` (within a few ulps of `√t`,
/// `0` at `t = 0`): our own branch-free functions, so a loop of transforms vectorizes, where
/// `libm`'s square root is an opaque SSE instruction on x86 that keeps the loop scalar and
/// stalls the AVX code around it.
#[inline(always)]
pub fn box_muller<T: Real>(u1: T, u2: T) -> (T, T) {
    let two = T::one() + T::one();
    let t = -two * (T::one() - u1).ln_();
    let r = (t.ln_() / two).exp_();
    let (s, c) = u2.sin_cos_turns();
    (r * c, r * s)
}

/// Pairs of uniforms drawn ahead of a block of Box–Muller transforms. On 64-bit targets 32
/// (four 8-lane vectors of `f32`, 256 bytes of stack): the transform's constants are loaded
/// once per four vectors. Elsewhere (Cortex-M, wasm32) 8, 64 bytes of a small stack. The block
/// size changes no result: the uniforms are drawn pair by pair in the same order either way.
#[cfg(target_pointer_width = "64")]
const BLOCK: usize = 32;
#[cfg(not(target_pointer_width = "64"))]
const BLOCK: usize = 8;

/// Calls `put(a, b)` for `pairs` consecutive Box–Muller pairs, with the
/// same draws and bits as as many calls of [`normal_pair`]: the uniforms of a block are drawn
/// first (the generator is sequential), then transformed in a loop without calls or branches.
#[inline]
pub fn for_normal_pairs<T: Real, R: rand_core::Rng + ?Sized>(
    rng: &mut R,
    pairs: usize,
    mut put: impl FnMut(T, T),
) {
    let mut done = 0;
    while done < pairs {
        let n = (pairs - done).min(BLOCK);
        let mut u1 = [T::zero(); BLOCK];
        let mut u2 = [T::zero(); BLOCK];
        for (a, b) in u1.iter_mut().zip(u2.iter_mut()).take(n) {
            *a = T::uniform01(rng);
            *b = T::uniform01(rng);
        }
        // In place: the uniforms' arrays take the normals (a small stack on a Cortex-M0).
        for i in 0..BLOCK {
            (u1[i], u2[i]) = box_muller(u1[i], u2[i]);
        }
        for (&a, &b) in u1.iter().zip(&u2).take(n) {
            put(a, b);
        }
        done += n;
    }
}

/// One standard normal draw (the second value of the pair is discarded).
#[inline]
pub fn normal<T: Real, R: rand_core::Rng + ?Sized>(rng: &mut R) -> T {
    normal_pair(rng).0
}

/// Fills `out` with `N(mean, std²)` draws, two per Box–Muller transform (blocks of them
/// vectorized, see [`for_normal_pairs`]).
pub fn fill_normal<T: Real, R: rand_core::Rng + ?Sized>(rng: &mut R, out: &mut [T], mean: T, std: T) {
    let mut chunks = out.chunks_exact_mut(2);
    let pairs = chunks.len();
    for_normal_pairs(rng, pairs, |a: T, b: T| {
        if let Some(c) = chunks.next() {
            c[0] = mean + std * a;
            c[1] = mean + std * b;
        }
    });
    if let [last] = chunks.into_remainder() {
        *last = mean + std * normal::<T, R>(rng);
    }
}

/// A uniform index in `0..n` (`n > 0`), by Lemire's multiply-shift on 32 bits
/// (bias below 2⁻³² · n, far under any effect on training).
#[inline]
pub fn index<R: rand_core::Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    index_of(rng.next_u32(), n)
}

/// [`index`] as a function of the `next_u32` word it draws: `⌊word · n / 2³²⌋ < n`.
#[inline(always)]
pub fn index_of(word: u32, n: usize) -> usize {
    ((word as u64 * n as u64) >> 32) as usize
}

/// Fisher–Yates shuffle (the same permutation on every target for the same generator state).
pub fn shuffle<T, R: rand_core::Rng + ?Sized>(rng: &mut R, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = index(rng, i + 1);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_moments() {
        let mut r = seeded(1);
        let mut v = [0.0f64; 20001];
        fill_normal(&mut r, &mut v, 1.0, 2.0);
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let s = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n).sqrt();
        assert!((m - 1.0).abs() < 0.05, "mean {m}");
        assert!((s - 2.0).abs() < 0.05, "std {s}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut r = seeded(3);
        let mut v: [usize; 50] = core::array::from_fn(|i| i);
        shuffle(&mut r, &mut v);
        let mut seen = [false; 50];
        for &x in &v {
            seen[x] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_ne!(v, core::array::from_fn::<usize, 50, _>(|i| i));
    }

    #[test]
    fn uniform_range() {
        let mut r = seeded(4);
        for _ in 0..1000 {
            let x: f32 = uniform(&mut r, -0.25, 0.25);
            assert!((-0.25..0.25).contains(&x));
        }
    }
}
