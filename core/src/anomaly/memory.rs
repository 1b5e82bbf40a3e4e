//! A fixed-capacity memory of normal embeddings, stored L2-normalized.
//!
//! Each embedding `z` is stored as `z / max(‖z‖₂, ε)` (ε = [`NORM_EPS`], as
//! [`l2_normalize`](crate::normalize::l2_normalize)), so a cosine similarity is one dot product.
//! The memory is a [`Reservoir`] of `M` slots: the first `M` embeddings fill it; **when it is
//! full**, Vitter's Algorithm R keeps a uniform random sample of every embedding offered (the
//! `n`-th replaces a random slot with probability `M / n`), so a device that keeps learning
//! normal behaviour from an unbounded stream keeps a fair summary of all of it. Filled from a
//! training set of at most `M` rows, it holds exactly those rows and draws no random number.
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::anomaly::NormalMemory;
//! use selfsup_core::rng::seeded;
//! let mut m = NormalMemory::<f64, Const<2>, Const<4>>::new(Const, Const);
//! m.push(&[0.0, -4.0], &mut seeded(0));
//! assert_eq!(m.as_slice(), &[0.0, -1.0]);
//! ```

use crate::Real;
use crate::dims::{Vector, zeros};
use crate::kernels::dot;
use crate::normalize::NORM_EPS;
use crate::stream::Reservoir;
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// Up to `M` normalized embeddings of dimension `K` (samples are columns).
#[derive(Clone, Debug, PartialEq)]
pub struct NormalMemory<T: Real, K: Dim, M: Dim>
where
    DefaultAllocator: Allocator<K, M> + Allocator<K>,
{
    slots: Reservoir<T, K, M>,
    unit: Vector<T, K>,
}

impl<T: Real, K: Dim, M: Dim> NormalMemory<T, K, M>
where
    DefaultAllocator: Allocator<K, M> + Allocator<K>,
{
    /// An empty memory for `k`-dimensional embeddings with capacity `m`.
    pub fn new(k: K, m: M) -> Self {
        Self { slots: Reservoir::new(k, m), unit: zeros(k, U1) }
    }

    /// Embedding dimension `K`.
    pub fn dim(&self) -> usize {
        self.slots.dim()
    }

    /// Capacity `M`.
    pub fn capacity(&self) -> usize {
        self.slots.capacity()
    }

    /// Number of embeddings held (`min(offered, M)`).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the memory is empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Number of embeddings offered so far.
    pub fn seen(&self) -> u64 {
        self.slots.seen()
    }

    /// The held normalized embeddings, `len` columns of `K` values.
    pub fn as_slice(&self) -> &[T] {
        self.slots.as_slice()
    }

    /// Offers one embedding (`K` values): normalized, then kept by Algorithm R (one random draw
    /// once the memory is full, none before). Returns the slot it went to, if kept.
    pub fn push<R: rand_core::Rng + ?Sized>(&mut self, z: &[T], rng: &mut R) -> Option<usize> {
        normalize_into(&z[..self.dim()], self.unit.as_mut_slice());
        self.slots.push(self.unit.as_slice(), rng)
    }
}

/// `out = z / max(‖z‖₂, NORM_EPS)`.
pub(crate) fn normalize_into<T: Real>(z: &[T], out: &mut [T]) {
    let norm = dot(z, z).sqrt_();
    let eps = T::of_f64(NORM_EPS);
    let inv = T::one() / if norm > eps { norm } else { eps };
    for (o, &v) in out.iter_mut().zip(z) {
        *o = v * inv;
    }
}
