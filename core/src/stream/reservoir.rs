//! A fixed-capacity reservoir of sensor samples (Vitter, 1985, "Random Sampling with a
//! Reservoir", Algorithm R), from which mini-batches are drawn.
//!
//! A device sees an unbounded stream and can keep only `C` samples. Algorithm R keeps a
//! uniform random sample of everything seen so far: the first `C` samples fill the slots; the
//! `n`-th sample after that (`n > C`) draws `j` uniformly in `0..n` and replaces slot `j` if
//! `j < C` (so every sample seen is in the reservoir with probability `C / n`).
//!
//! Mini-batches are drawn **without replacement** by selection sampling (Knuth, TAOCP vol. 2,
//! Algorithm S): walk the `len` filled slots once and take slot `t` with probability
//! `(B − taken) / (len − t)`. Every `B`-subset is equally likely, no index memory is needed,
//! and the batch comes out in slot order (InfoNCE does not care about the order of a batch).
//! Sampling without replacement matters for contrastive losses: a duplicate in a batch would
//! be its own negative.
//!
//! Storage is a `D × C` matrix (samples are columns), on the stack for `Const` sizes.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::{rng::seeded, stream::Reservoir};
//! let mut rng = seeded(1);
//! let mut res = Reservoir::<f32, Const<1>, Const<8>>::new(Const, Const);
//! for t in 0..100 {
//!     res.push(&[t as f32], &mut rng);
//! }
//! assert_eq!((res.len(), res.seen()), (8, 100));
//! let mut batch = SMatrix::<f32, 1, 4>::zeros();
//! assert!(res.draw(&mut rng, &mut batch));
//! ```

use crate::Real;
use crate::dims::{Batch, Mat, zeros};
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// A uniform index in `0..n` (`n > 0`) from 64 random bits (Lemire's multiply-shift), so
/// counts beyond `2³²` stay uniform on 32-bit devices.
#[inline]
fn index_u64<R: rand_core::Rng + ?Sized>(rng: &mut R, n: u64) -> u64 {
    ((rng.next_u64() as u128 * n as u128) >> 64) as u64
}

/// Up to `C` samples of `D` features: a uniform random subset of every sample pushed.
#[derive(Clone, Debug, PartialEq)]
pub struct Reservoir<T: Real, D: Dim, C: Dim>
where
    DefaultAllocator: Allocator<D, C>,
{
    samples: Mat<T, D, C>,
    len: usize,
    seen: u64,
}

impl<T: Real, D: Dim, C: Dim> Reservoir<T, D, C>
where
    DefaultAllocator: Allocator<D, C>,
{
    /// An empty reservoir for samples of `d` features, capacity `c`.
    pub fn new(d: D, c: C) -> Self {
        Self { samples: zeros(d, c), len: 0, seen: 0 }
    }

    /// Features per sample `D`.
    pub fn dim(&self) -> usize {
        self.samples.nrows()
    }

    /// Capacity `C`.
    pub fn capacity(&self) -> usize {
        self.samples.ncols()
    }

    /// Number of samples held (`min(seen, C)`).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no sample is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of samples pushed so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The held samples as `len` columns (`D × len`, column-major).
    pub fn as_slice(&self) -> &[T] {
        &self.samples.as_slice()[..self.len * self.dim()]
    }

    /// Offers one sample (`D` values) to the reservoir (Algorithm R). Returns the slot it was
    /// stored in, or `None` if it was not kept. Draws one random number once the reservoir is
    /// full, none before.
    pub fn push<R: rand_core::Rng + ?Sized>(&mut self, sample: &[T], rng: &mut R) -> Option<usize> {
        let (d, c) = self.samples.shape();
        self.seen += 1;
        let slot = if self.len < c {
            self.len += 1;
            self.len - 1
        } else {
            let j = index_u64(rng, self.seen);
            if j >= c as u64 {
                return None;
            }
            j as usize
        };
        self.samples.as_mut_slice()[slot * d..(slot + 1) * d].copy_from_slice(&sample[..d]);
        Some(slot)
    }

    /// Fills the `B` columns of `batch` with distinct held samples, each `B`-subset equally
    /// likely (Algorithm S), in slot order. Returns `false` (and leaves `batch` alone) if
    /// fewer than `B` samples are held.
    pub fn draw<B: Dim, R: rand_core::Rng + ?Sized>(&self, rng: &mut R, batch: &mut Batch<T, D, B>) -> bool
    where
        DefaultAllocator: Allocator<D, B>,
    {
        let (d, want) = batch.shape();
        if want > self.len {
            return false;
        }
        let src = self.samples.as_slice();
        let dst = batch.as_mut_slice();
        let mut taken = 0;
        for t in 0..self.len {
            if taken == want {
                break;
            }
            if index_u64(rng, (self.len - t) as u64) < (want - taken) as u64 {
                dst[taken * d..(taken + 1) * d].copy_from_slice(&src[t * d..(t + 1) * d]);
                taken += 1;
            }
        }
        true
    }
}
