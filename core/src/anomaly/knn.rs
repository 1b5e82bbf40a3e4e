//! The cosine kNN distance of an embedding to a memory of normal embeddings.
//!
//! With the memory's normalized entries `m̂_j` and the query `z`:
//!
//! `cos_j = (z · m̂_j) / max(‖z‖₂, ε)`,  `s(z) = (1/k') Σ_{i=1..k'} (1 − cos_(i))`
//!
//! where `cos_(1) ≥ cos_(2) ≥ …` are the similarities sorted in decreasing order and
//! `k' = min(k, len)`. `s` lies in `[0, 2]`: 0 for a query in the direction of its `k` nearest
//! normal embeddings, larger the less it looks like any of them. This is the kNN score of the
//! one-class literature with cosine similarity (Bergman, Cohen & Hoshen 2020, "Deep Nearest
//! Neighbor Anomaly Detection"; Tack et al. 2020, CSI, use `k = 1`). Default `k = 5`
//! ([`KnnScorer::default`], the "mean of top 5" of the project's PyTorch study).
//!
//! The `k` largest similarities are kept in a sorted array of [`MAX_K`] entries on the stack
//! (insertion, `O(len · k)`); the sum runs in decreasing-similarity order, so equal inputs give
//! equal bits on every target and ties cannot change the score. A NaN in the query gives a NaN
//! score.
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::anomaly::{KnnScorer, NormalMemory};
//! use selfsup_core::rng::seeded;
//! let mut m = NormalMemory::<f64, Const<2>, Const<4>>::new(Const, Const);
//! let mut rng = seeded(0);
//! m.push(&[1.0, 0.0], &mut rng);
//! m.push(&[0.0, 1.0], &mut rng);
//! let knn1 = KnnScorer::new(1).unwrap();
//! assert_eq!(knn1.score(&m, &[2.0, 0.0]), Some(0.0)); // same direction as an entry
//! let knn2 = KnnScorer::new(2).unwrap();
//! assert_eq!(knn2.score(&m, &[-1.0, 0.0]), Some(1.5)); // (1 − 0) and (1 − (−1)), averaged
//! ```

use super::NormalMemory;
use crate::Real;
use crate::kernels::dot;
use crate::normalize::NORM_EPS;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// The largest `k` a [`KnnScorer`] accepts (its top-`k` buffer lives on the stack).
pub const MAX_K: usize = 32;

/// Scores embeddings by their mean cosine distance to the `k` most similar normal embeddings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnnScorer {
    k: usize,
}

impl Default for KnnScorer {
    /// `k = 5`.
    fn default() -> Self {
        Self { k: 5 }
    }
}

impl KnnScorer {
    /// A scorer over the `k` nearest entries, or `None` unless `1 ≤ k ≤ MAX_K`.
    pub fn new(k: usize) -> Option<Self> {
        (1..=MAX_K).contains(&k).then_some(Self { k })
    }

    /// The number of neighbours `k`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The score `s(z)` of one embedding (`K` values) against `memory`, or `None` if the
    /// memory is empty.
    pub fn score<T: Real, K: Dim, M: Dim>(&self, memory: &NormalMemory<T, K, M>, z: &[T]) -> Option<T>
    where
        DefaultAllocator: Allocator<K, M> + Allocator<K>,
    {
        let kd = memory.dim();
        let z = &z[..kd];
        let len = memory.len();
        if len == 0 {
            return None;
        }
        let norm = dot(z, z).sqrt_();
        let eps = T::of_f64(NORM_EPS);
        let inv = T::one() / if norm > eps { norm } else { eps };
        let k = self.k.min(len);
        let mut best = [T::zero(); MAX_K];
        let mut held = 0usize;
        for m in memory.as_slice().chunks_exact(kd.max(1)).take(len) {
            let s = dot(z, m) * inv;
            if held == k && s.partial_cmp(&best[k - 1]) != Some(core::cmp::Ordering::Greater) {
                continue;
            }
            let mut pos = if held < k { held } else { k - 1 };
            while pos > 0 && best[pos - 1] < s {
                best[pos] = best[pos - 1];
                pos -= 1;
            }
            best[pos] = s;
            held = (held + 1).min(k);
        }
        let mut sum = T::zero();
        for &s in &best[..k] {
            sum += T::one() - s;
        }
        Some(sum / T::of_usize(k))
    }
}
