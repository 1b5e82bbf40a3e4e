//! A fixed-capacity FIFO queue of past embeddings, the memory of MoCo (He et al., 2020,
//! "Momentum Contrast for Unsupervised Visual Representation Learning").
//!
//! MoCo decouples the number of negatives from the batch size: the keys (normalized
//! embeddings) of the last `Q` samples are kept, detached from the graph, and every anchor is
//! contrasted against them too. On a microcontroller, where a batch of a few dozen samples is
//! all that fits, this gives InfoNCE hundreds of negatives for `Q·K` scalars of memory
//! ([`InfoNceQueue`](crate::loss::InfoNceQueue) is the loss that uses it).
//!
//! The queue is a ring buffer of `Q` columns of length `K` (storage `K × Q`, column-major,
//! on the stack for `Const` sizes). Pushing into a full queue overwrites the oldest entry. The
//! filled columns are [`EmbeddingQueue::as_slice`] in storage order (a fixed order, so every
//! target sums over them identically); MoCo's defaults are `Q = 65536` keys of size 128 and
//! `τ = 0.07` (v1) / `0.2` (v2) — a device uses a few hundred.
//!
//! ```
//! use nalgebra::{Const, Vector2};
//! use selfsup_core::stream::EmbeddingQueue;
//! let mut q = EmbeddingQueue::<f32, Const<2>, Const<3>>::new(Const, Const);
//! for i in 0..4 {
//!     q.push(Vector2::new(i as f32, 0.0).as_slice());
//! }
//! assert_eq!(q.len(), 3);
//! // The oldest key (0) was overwritten by the fourth (3) in its slot.
//! assert_eq!(q.as_slice(), &[3.0, 0.0, 1.0, 0.0, 2.0, 0.0]);
//! ```

use crate::Real;
use crate::dims::{Mat, zeros};
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// A ring buffer of up to `Q` embeddings of size `K`.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddingQueue<T: Real, K: Dim, Q: Dim>
where
    DefaultAllocator: Allocator<K, Q>,
{
    keys: Mat<T, K, Q>,
    len: usize,
    next: usize,
}

impl<T: Real, K: Dim, Q: Dim> EmbeddingQueue<T, K, Q>
where
    DefaultAllocator: Allocator<K, Q>,
{
    /// An empty queue for embeddings of size `k`, capacity `q`.
    pub fn new(k: K, q: Q) -> Self {
        Self { keys: zeros(k, q), len: 0, next: 0 }
    }

    /// Embedding size `K`.
    pub fn dim(&self) -> usize {
        self.keys.nrows()
    }

    /// Capacity `Q`.
    pub fn capacity(&self) -> usize {
        self.keys.ncols()
    }

    /// Number of stored embeddings.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every stored embedding.
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
    }

    /// Stores one embedding (`K` values), overwriting the oldest when full. A queue of
    /// capacity 0 stores nothing.
    pub fn push(&mut self, key: &[T]) {
        let (k, q) = self.keys.shape();
        if q == 0 {
            return;
        }
        self.keys.as_mut_slice()[self.next * k..(self.next + 1) * k].copy_from_slice(&key[..k]);
        self.next = (self.next + 1) % q;
        self.len = (self.len + 1).min(q);
    }

    /// Stores every column of a column-major `K × n` slice, in order.
    pub fn push_columns(&mut self, keys: &[T]) {
        let k = self.dim();
        if k == 0 {
            return;
        }
        for c in keys.chunks_exact(k) {
            self.push(c);
        }
    }

    /// The stored embeddings as `len` columns (`K × len`, column-major), in storage order.
    pub fn as_slice(&self) -> &[T] {
        &self.keys.as_slice()[..self.len * self.dim()]
    }
}
