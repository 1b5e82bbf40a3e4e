//! Self-supervised objectives, one per file. Each takes the two views' **unnormalized**
//! embeddings (`K × B`, samples are columns) and returns the loss together with its exact
//! gradient with respect to both, through whatever normalization the objective applies
//! ([`PairLoss`]). The exception is the reference program's reconstruction objective, [`autoencoder`], which
//! takes one batch of inputs and owns its encoder and decoder.

pub mod autoencoder;
pub mod barlow_twins;
pub mod checks;
pub mod cross_entropy;
pub mod infonce;
pub mod infonce_queue;
pub mod infonce_streaming;
mod infonce_sweeps;
pub mod lse;
pub mod negcos;
pub mod ntxent;
pub mod ntxent_streaming;
pub mod streaming;
pub mod vicreg;

pub use autoencoder::{AeBuffers, LinearAutoencoder, pca_optimum};
pub use barlow_twins::BarlowTwins;
pub use checks::LossError;
pub use cross_entropy::LabelError;
pub use infonce::InfoNce;
pub use infonce_queue::InfoNceQueue;
pub use infonce_streaming::StreamingInfoNce;
pub use lse::LseMode;
pub use negcos::{NegCos, SymNegCos, Symmetric};
pub use ntxent::NtXent;
pub use ntxent_streaming::StreamingNtXent;
pub use streaming::{Streaming, StreamingForm};
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

/// Whether the softmax of logits `u·v/τ` between unit vectors may be shifted by the fixed
/// `1/τ` (their largest possible value) instead of each row's maximum: every shifted logit lies
/// in `[−2/τ, 0]` (plus rounding), so nothing overflows, and when `e^(−2/τ)` is still a normal
/// number no term loses precision to underflow either (`τ > 0.023` in `f32`, `τ > 0.0029` in
/// `f64`). The shift cancels in the softmax and is added back to the log-sum-exp: exact.
#[inline]
pub(crate) fn fixed_shift_ok<T: Real>(inv_tau: T) -> bool {
    (-(inv_tau + inv_tau)).exp_() >= T::min_normal()
}

/// Lanes of [`lane_sum`] and [`LaneSum`].
const LANES: usize = 8;

/// `Σ x_j` in a fixed order that vectorizes: lane `l` adds the `x_j` with `j ≡ l (mod 8)` in
/// increasing `j`, and the lanes are combined as `((s₀+s₁)+(s₂+s₃)) + ((s₄+s₅)+(s₆+s₇))`.
/// The same bits as pushing the entries one by one into a [`LaneSum`].
#[inline]
pub(crate) fn lane_sum<T: Real>(xs: &[T]) -> T {
    let mut s = [T::zero(); LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for c in &mut chunks {
        for l in 0..LANES {
            s[l] += c[l];
        }
    }
    for (sl, &x) in s.iter_mut().zip(chunks.remainder()) {
        *sl += x;
    }
    combine(s)
}

#[inline(always)]
fn combine<T: Real>(s: [T; LANES]) -> T {
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

/// [`lane_sum`] one entry at a time (for the streaming losses, which never hold a row).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LaneSum<T> {
    s: [T; LANES],
    j: usize,
}

impl<T: Real> LaneSum<T> {
    pub(crate) fn new() -> Self {
        Self { s: [T::zero(); LANES], j: 0 }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, x: T) {
        self.s[self.j % LANES] += x;
        self.j += 1;
    }

    pub(crate) fn sum(self) -> T {
        combine(self.s)
    }
}

/// The maximum of a row, leaving out `skip`.
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
