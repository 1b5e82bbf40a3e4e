//! Sensor sources for [`StreamTrainer`](super::StreamTrainer): where the samples of a stream
//! come from. A [`Source`] fills one sample from the trainer's generator, so a run is a pure
//! function of its seed; any `FnMut(&mut Rng, &mut [T])` is one.
//!
//! - [`ring_source`]: the ring of the reference programs, one point per sample (2-D).
//! - [`ProjectedRing`]: that ring seen through a fixed random linear map into `D` dimensions,
//!   plus noise.
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::rng::seeded;
//! use selfsup_core::stream::{ProjectedRing, Source};
//! let mut rng = seeded(1);
//! let mut sensor = ProjectedRing::<f32, _>::new(Const::<8>, &mut rng);
//! let mut x = [0.0f32; 8];
//! sensor.sample(&mut rng, &mut x);
//! assert!(x.iter().all(|v| v.is_finite()));
//! ```

use crate::dims::{Mat, zeros};
use crate::rng::{Rng, fill_normal, normal};
use crate::synth::ring_point;
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U2, allocator::Allocator};

/// A source of sensor samples: fills one sample (`D` values) from the generator.
pub trait Source<T> {
    /// Writes the next sample into `x`.
    fn sample(&mut self, rng: &mut Rng, x: &mut [T]);
}

impl<T, F: FnMut(&mut Rng, &mut [T])> Source<T> for F {
    fn sample(&mut self, rng: &mut Rng, x: &mut [T]) {
        self(rng, x)
    }
}

/// The ring sensor: one [`ring_point`] per sample (labels dropped).
pub fn ring_source<T: Real>(rng: &mut Rng, x: &mut [T]) {
    x[..2].copy_from_slice(&ring_point::<T, _>(rng).0);
}

/// The ring seen through a fixed random linear map `P: D × 2` (entries `N(0, 1/2)`), plus
/// `N(0, 0.05²)` noise on every coordinate: a `D`-dimensional sensor whose signal lives on a
/// circle in a 2-D subspace.
#[derive(Clone, Debug)]
pub struct ProjectedRing<T: Real, D: Dim>
where
    DefaultAllocator: Allocator<D, U2>,
{
    /// The projection, `D × 2`.
    pub p: Mat<T, D, U2>,
}

impl<T: Real, D: Dim> ProjectedRing<T, D>
where
    DefaultAllocator: Allocator<D, U2>,
{
    /// A projection drawn from `rng`.
    pub fn new(d: D, rng: &mut Rng) -> Self {
        let mut p = zeros(d, U2);
        fill_normal(rng, p.as_mut_slice(), T::zero(), lit::<T>(0.5).sqrt_());
        Self { p }
    }
}

impl<T: Real, D: Dim> Source<T> for ProjectedRing<T, D>
where
    DefaultAllocator: Allocator<D, U2>,
{
    fn sample(&mut self, rng: &mut Rng, x: &mut [T]) {
        let ([u, v], _) = ring_point::<T, _>(rng);
        let d = self.p.nrows();
        let (p0, p1) = self.p.as_slice().split_at(d);
        for ((xi, &a), &b) in x.iter_mut().zip(p0).zip(p1) {
            *xi = a * u + b * v + lit::<T>(0.05) * normal::<T, _>(rng);
        }
    }
}
