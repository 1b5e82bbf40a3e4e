//! The reference programs' synthetic datasets, generated from any `rand_core` generator with no
//! allocation (the caller provides the storage), so a device can make its own training data.
//!
//! - **Ring** ([`ring_point`]): a point on a noisy unit circle, angle `a ~ U(0, 2π)`, radius
//!   `r = 1 + N(0, 0.05²)`, `x = (r cos a, r sin a)`; label = angular sector of 8
//!   (`⌊8a / 2π⌋`). The reference program's InfoNCE program draws `N = 1024` of them.
//! - **Plane** ([`plane_point`]): `u, v ~ U(−2, 2)`, `x = (u, v, 0.5u + 0.3v) + N(0, 0.05² I)`;
//!   label = quadrant of `(u, v)` (0: u ≥ 0, v ≥ 0; 1: u < 0, v ≥ 0; 2: u < 0, v < 0;
//!   3: u ≥ 0, v < 0). The reference program's autoencoder program draws `N = 2000`.
//!
//! ```
//! use selfsup_core::{rng::seeded, synth::ring_point};
//! let mut rng = seeded(123);
//! let ([x, y], sector) = ring_point::<f64, _>(&mut rng);
//! let r = (x * x + y * y).sqrt();
//! assert!(r > 0.7 && r < 1.3 && sector < 8);
//! ```

use crate::rng::{normal, normal_pair, uniform};
use crate::{Real, lit};

/// Number of angular sectors used as ring labels.
pub const RING_SECTORS: usize = 8;
/// Radial noise of the ring (standard deviation).
pub const RING_NOISE: f64 = 0.05;
/// Noise added to each plane coordinate (standard deviation).
pub const PLANE_NOISE: f64 = 0.05;

/// One ring sample and its sector label.
pub fn ring_point<T: Real, R: rand_core::Rng + ?Sized>(rng: &mut R) -> ([T; 2], usize) {
    let a: T = uniform(rng, T::zero(), T::two_pi());
    let r = T::one() + lit::<T>(RING_NOISE) * normal::<T, R>(rng);
    let sector = (a / T::two_pi() * T::of_usize(RING_SECTORS)).floor().to_f64() as usize;
    ([r * a.cos_(), r * a.sin_()], sector.min(RING_SECTORS - 1))
}

/// One plane sample and its quadrant label.
pub fn plane_point<T: Real, R: rand_core::Rng + ?Sized>(rng: &mut R) -> ([T; 3], usize) {
    let two = lit::<T>(2.0);
    let u: T = uniform(rng, -two, two);
    let v: T = uniform(rng, -two, two);
    let s = lit::<T>(PLANE_NOISE);
    let (n0, n1) = normal_pair::<T, R>(rng);
    let n2 = normal::<T, R>(rng);
    let x = [u + s * n0, v + s * n1, lit::<T>(0.5) * u + lit::<T>(0.3) * v + s * n2];
    let zero = T::zero();
    let q = match (u >= zero, v >= zero) {
        (true, true) => 0,
        (false, true) => 1,
        (false, false) => 2,
        (true, false) => 3,
    };
    (x, q)
}

/// Fills the columns of a column-major `2 × N` slice with ring points (labels optional).
pub fn fill_ring<T: Real, R: rand_core::Rng + ?Sized>(
    rng: &mut R,
    xs: &mut [T],
    mut labels: Option<&mut [usize]>,
) {
    for (j, c) in xs.chunks_exact_mut(2).enumerate() {
        let (p, l) = ring_point(rng);
        c.copy_from_slice(&p);
        if let Some(ls) = labels.as_deref_mut() {
            ls[j] = l;
        }
    }
}

/// Fills the columns of a column-major `3 × N` slice with plane points (labels optional).
pub fn fill_plane<T: Real, R: rand_core::Rng + ?Sized>(
    rng: &mut R,
    xs: &mut [T],
    mut labels: Option<&mut [usize]>,
) {
    for (j, c) in xs.chunks_exact_mut(3).enumerate() {
        let (p, l) = plane_point(rng);
        c.copy_from_slice(&p);
        if let Some(ls) = labels.as_deref_mut() {
            ls[j] = l;
        }
    }
}
