//! Additive Gaussian noise (also called *jitter* for time series):
//! `x'_ij = x_ij + σ · n_ij`, `n_ij ~ N(0, 1)` independent for every feature of every sample.
//!
//! For tabular rows this is the standard SSL augmentation of e.g. VIME (Yoon et al., 2020);
//! for time series it is "jittering" (Um et al., 2017, "Data Augmentation of Wearable Sensor
//! Data for Parkinson's Disease Monitoring using Convolutional Neural Networks", σ = 0.03 on
//! raw accelerometer data; on standardized data the probe's default is σ = 0.1). The reference program's
//! ring program adds `N(0, 0.05²)` to both coordinates after its rotation.
//!
//! Normals come from Box–Muller transforms ([`crate::rng`], both values of every pair used),
//! drawn in storage order: sample by sample, feature by feature.
//!
//! ```
//! use selfsup_core::{augment::noise::add_noise, rng::seeded};
//! let mut x = [1.0f64; 6];
//! add_noise(&mut x, 0.0, &mut seeded(1)); // σ = 0 leaves the batch unchanged
//! assert_eq!(x, [1.0; 6]);
//! add_noise(&mut x, 0.1, &mut seeded(1));
//! assert!(x.iter().all(|v| (v - 1.0).abs() < 1.0) && x != [1.0; 6]);
//! ```

use crate::Real;
use crate::rng::{for_normal_pairs, normal_pair};

/// A stream of standard normal draws that keeps the second value of each Box–Muller pair,
/// so no draw is wasted when an operation needs an odd number of them.
///
/// ```
/// use selfsup_core::{augment::noise::Normals, rng::{normal_pair, seeded}};
/// let (mut a, mut b) = (seeded(3), seeded(3));
/// let mut s = Normals::new();
/// let (p, q): (f64, f64) = normal_pair(&mut b);
/// assert_eq!((s.next(&mut a), s.next(&mut a)), (p, q));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Normals<T> {
    spare: Option<T>,
}

impl<T: Real> Normals<T> {
    /// An empty stream (the first call draws a fresh pair).
    pub fn new() -> Self {
        Self { spare: None }
    }

    /// The next `N(0, 1)` draw.
    #[inline]
    pub fn next<R: rand_core::Rng + ?Sized>(&mut self, rng: &mut R) -> T {
        match self.spare.take() {
            Some(v) => v,
            None => {
                let (a, b) = normal_pair::<T, R>(rng);
                self.spare = Some(b);
                a
            }
        }
    }
}

/// `x += σ · N(0, 1)` elementwise over a whole column-major batch (any number of rows).
///
/// `σ = 0` draws nothing and leaves `x` unchanged.
pub fn add_noise<T: Real, R: rand_core::Rng + ?Sized>(x: &mut [T], std: T, rng: &mut R) {
    if std == T::zero() {
        return;
    }
    let mut pairs = x.chunks_exact_mut(2);
    let n = pairs.len();
    for_normal_pairs(rng, n, |a: T, b: T| {
        if let Some(c) = pairs.next() {
            c[0] += std * a;
            c[1] += std * b;
        }
    });
    if let [last] = pairs.into_remainder() {
        *last += std * normal_pair::<T, R>(rng).0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn noise_has_the_requested_moments() {
        let mut x = [2.0f64; 40001];
        add_noise(&mut x, 0.3, &mut seeded(5));
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let s = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
        assert!((m - 2.0).abs() < 0.01, "mean {m}");
        assert!((s - 0.3).abs() < 0.01, "std {s}");
    }

    #[test]
    fn normals_stream_uses_both_values() {
        let mut r = seeded(9);
        let mut s = Normals::<f32>::new();
        let v: [f32; 4] = core::array::from_fn(|_| s.next(&mut r));
        let mut r2 = seeded(9);
        let (a, b) = normal_pair::<f32, _>(&mut r2);
        let (c, d) = normal_pair::<f32, _>(&mut r2);
        assert_eq!(v, [a, b, c, d]);
    }
}
