//! Self-supervised objectives, one per file. Each takes the two views' **unnormalized**
//! embeddings (`K × B`, samples are columns) and returns the loss together with its exact
//! gradient with respect to both, through whatever normalization the objective applies
//! ([`PairLoss`]). The exception is the seed's reconstruction objective, [`autoencoder`], which
//! takes one batch of inputs and owns its encoder and decoder.

pub mod autoencoder;
pub mod barlow_twins;
pub mod checks;
pub mod infonce;
pub mod infonce_queue;
pub mod infonce_streaming;
pub mod negcos;
pub mod ntxent;
pub mod vicreg;

pub use autoencoder::{AeBuffers, LinearAutoencoder, pca_optimum};
pub use barlow_twins::BarlowTwins;
pub use checks::LossError;
pub use infonce::InfoNce;
pub use infonce_queue::InfoNceQueue;
pub use infonce_streaming::{LseMode, StreamingInfoNce, StreamingNtXent};
pub use negcos::{NegCos, SymNegCos, Symmetric};
pub use ntxent::NtXent;
pub use vicreg::VicReg;

use crate::Real;
use crate::dims::{Batch, EmbedDims};
use nalgebra::{DefaultAllocator, Dim};

/// A loss on two views' embeddings, with analytic gradients.
///
/// Implementors keep their working buffers inside (allocated once by their constructor: on
/// the stack for `Const` sizes), so a call allocates nothing.
pub trait PairLoss<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Returns `L(z_a, z_b)` and overwrites `grad_a = ∂L/∂z_a`, `grad_b = ∂L/∂z_b`.
    fn loss_grad(
        &mut self,
        z_a: &Batch<T, K, B>,
        z_b: &Batch<T, K, B>,
        grad_a: &mut Batch<T, K, B>,
        grad_b: &mut Batch<T, K, B>,
    ) -> T;

    /// Returns `L(z_a, z_b)` only.
    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T;
}

/// Numerically stable `ln Σ exp(x)` of a column, shifted by its maximum; also returns the
/// maximum. `skip` excludes one index (the self-similarity in NT-Xent).
#[inline]
pub(crate) fn max_of<T: Real>(xs: &[T], skip: Option<usize>) -> T {
    let mut m = T::min_value().unwrap_or(-T::max_value().unwrap_or(T::one()));
    for (j, &x) in xs.iter().enumerate() {
        if Some(j) != skip && x > m {
            m = x;
        }
    }
    m
}

/// Multiplies each entry by `scale` and returns the maximum of the results, leaving out
/// `skip` (the same bits as scaling first and calling [`max_of`], in one pass).
#[inline]
pub(crate) fn scale_max<T: Real>(xs: &mut [T], scale: T, skip: Option<usize>) -> T {
    let mut m = T::min_value().unwrap_or(-T::max_value().unwrap_or(T::one()));
    for (j, x) in xs.iter_mut().enumerate() {
        *x *= scale;
        if Some(j) != skip && *x > m {
            m = *x;
        }
    }
    m
}

/// Replaces each entry by `exp(x − m)` (0 at `skip`) and returns their sum, in index order.
#[inline]
pub(crate) fn exp_shifted<T: Real>(xs: &mut [T], m: T, skip: Option<usize>) -> T {
    let mut s = T::zero();
    for (j, x) in xs.iter_mut().enumerate() {
        if Some(j) == skip {
            *x = T::zero();
        } else {
            *x = (*x - m).exp_();
            s += *x;
        }
    }
    s
}

/// Centres feature (row) `r` of `z` over the batch: writes `z[r, c] − mean_r` into `centered`
/// and returns the sum of the squared deviations (summed in column order), from which Barlow
/// Twins' batch norm (÷ B) and VICReg's variance (÷ (B − 1)) take their standard deviations.
pub(crate) fn center_feature<T: Real, K: Dim, B: Dim>(
    z: &Batch<T, K, B>,
    centered: &mut Batch<T, K, B>,
    r: usize,
) -> T
where
    DefaultAllocator: nalgebra::allocator::Allocator<K, B>,
{
    let b = z.ncols();
    let mut mean = T::zero();
    for c in 0..b {
        mean += z[(r, c)];
    }
    mean *= T::one() / T::of_usize(b);
    let mut ss = T::zero();
    for c in 0..b {
        let d = z[(r, c)] - mean;
        centered[(r, c)] = d;
        ss += d * d;
    }
    ss
}
