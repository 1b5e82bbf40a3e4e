//! Barlow Twins (Zbontar et al., 2021, "Barlow Twins: Self-Supervised Learning via Redundancy
//! Reduction"), with the conventions of lightly's `BarlowTwinsLoss(lambda_param=5e-3)`.
//!
//! Each feature (row `k` of the `K × B` batch) is batch-normalized over the batch, without
//! affine parameters, as `F.batch_norm(training=True)` does:
//!
//! `n_kb = (z_kb − μ_k) / s_k`,  `μ_k = (1/B) Σ_b z_kb`,  `s_k = √(σ²_k + ε)`,
//! `σ²_k = (1/B) Σ_b (z_kb − μ_k)²` (**biased** variance, `ε = 1e-5` inside the root).
//!
//! The cross-correlation of the two views' normalized features, `C = N_a N_bᵀ / B` (`K × K`),
//! is pushed to the identity:
//!
//! `L = Σ_i (C_ii − 1)² + λ Σ_{i ≠ j} C_ij²`  (**sums**, not means; not divided by `K`).
//!
//! Gradient: with `G_ii = 2 (C_ii − 1)`, `G_ij = 2λ C_ij`, `∂L/∂N_a = G N_b / B` and
//! `∂L/∂N_b = Gᵀ N_a / B`; then, per feature, the batch-norm backward
//! `∂L/∂z_b = (g_b − mean(g) − n_b · mean(g ⊙ n)) / s` (exact, `ε` included).
//!
//! Defaults and their source:
//! - `λ = 5e-3` ([`LAMBDA`]): lightly's default and the paper's value, tuned there for a
//!   projector of **8192** dimensions, where the `K(K − 1)` off-diagonal terms outnumber the
//!   `K` diagonal ones by 8191 to 1. With the small embeddings of selfsup (`K` = 8…64) the
//!   redundancy term is 100–1000 times weaker relative to the invariance term at the same λ,
//!   so decorrelation barely acts; scaling `λ ∝ 1/K` keeps the paper's balance of the two
//!   sums (Tsai et al., 2021, "A Note on Connecting Barlow Twins with Negative-Sample-Free
//!   Contrastive Learning", suggest `λ = 1/K`). [`BarlowTwins::new`] takes λ explicitly;
//!   [`BarlowTwins::lambda_for_dim`] gives that small-`K` choice.
//! - `ε = 1e-5` ([`BN_EPS`]): PyTorch's `F.batch_norm` default, which lightly inherits.
//!
//! Needs `B ≥ 2` to be meaningful (with `B = 1` every normalized feature is 0).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{BarlowTwins, PairLoss};
//! // K = 1, B = 2: both views normalize to (−1, 1)·σ/√(σ² + ε) with σ = 1.
//! let z = SMatrix::<f64, 1, 2>::new(-1.0, 1.0);
//! let mut bt = BarlowTwins::<f64, Const<1>, Const<2>>::new(5e-3, Const, Const).unwrap();
//! let c = 1.0 / (1.0 + 1e-5); // C_00 = σ² / (σ² + ε)
//! assert!((bt.loss(&z, &z) - (c - 1.0) * (c - 1.0)).abs() < 1e-20);
//! ```

use super::{LossError, PairLoss, center_feature, checks};
use crate::dims::{Batch, EmbedDims, Mat, Vector, zeros};
use crate::kernels::{add_mul, add_mul_tr, add_tr_mul};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// lightly's and the paper's redundancy-reduction weight.
pub const LAMBDA: f64 = 5e-3;
/// PyTorch's batch-norm `ε`.
pub const BN_EPS: f64 = 1e-5;

/// Per-feature (row) batch normalization over the batch: `n = (z − μ) / √(σ²_biased + ε)`.
/// Writes `n` and the per-feature scales `s`.
pub(crate) fn batch_norm<T: Real, K: Dim, B: Dim>(
    z: &Batch<T, K, B>,
    n: &mut Batch<T, K, B>,
    s: &mut Vector<T, K>,
    eps: T,
) where
    DefaultAllocator: Allocator<K, B> + Allocator<K>,
{
    let (k, b) = z.shape();
    let inv_b = T::one() / T::of_usize(b);
    for r in 0..k {
        let var = center_feature(z, n, r);
        let sd = (var * inv_b + eps).sqrt_();
        s[r] = sd;
        let inv = T::one() / sd;
        for c in 0..b {
            n[(r, c)] *= inv;
        }
    }
}

/// In place: turns `g = ∂L/∂n` into `∂L/∂z` for [`batch_norm`]'s `n` and `s`.
pub(crate) fn batch_norm_backward<T: Real, K: Dim, B: Dim>(
    n: &Batch<T, K, B>,
    s: &Vector<T, K>,
    g: &mut Batch<T, K, B>,
) where
    DefaultAllocator: Allocator<K, B> + Allocator<K>,
{
    let (k, b) = n.shape();
    let inv_b = T::one() / T::of_usize(b);
    for r in 0..k {
        let (mut m1, mut m2) = (T::zero(), T::zero());
        for c in 0..b {
            m1 += g[(r, c)];
            m2 += g[(r, c)] * n[(r, c)];
        }
        m1 *= inv_b;
        m2 *= inv_b;
        let inv = T::one() / s[r];
        for c in 0..b {
            g[(r, c)] = (g[(r, c)] - m1 - n[(r, c)] * m2) * inv;
        }
    }
}

/// Barlow Twins loss with weight `lambda` and its working buffers.
#[derive(Clone, Debug)]
pub struct BarlowTwins<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Redundancy-reduction weight `λ`.
    pub lambda: T,
    /// Batch-norm `ε` ([`BN_EPS`]).
    pub eps: T,
    na: Mat<T, K, B>,
    nb: Mat<T, K, B>,
    sa: Vector<T, K>,
    sb: Vector<T, K>,
    c: Mat<T, K, K>,
    invariance: T,
    redundancy: T,
}

impl<T: Real, K: Dim, B: Dim> BarlowTwins<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss for embeddings of size `k` in batches of `b`, weight `lambda`
    /// ([`LAMBDA`] = 5e-3 reproduces lightly).
    ///
    /// # Errors
    /// [`LossError`] unless `k ≥ 1`, `b ≥ 2` (the batch norm of a single sample is 0, as
    /// PyTorch's `BatchNorm1d` refuses) and `lambda` is finite and `≥ 0`.
    pub fn new(lambda: f64, k: K, b: B) -> Result<Self, LossError> {
        checks::sizes("Barlow Twins", k.value(), b.value(), 2)?;
        let lambda = checks::weight("Barlow Twins", "lambda", lambda)?;
        Ok(Self {
            lambda: lit(lambda),
            eps: lit(BN_EPS),
            na: zeros(k, b),
            nb: zeros(k, b),
            sa: zeros(k, U1),
            sb: zeros(k, U1),
            c: zeros(k, k),
            invariance: T::zero(),
            redundancy: T::zero(),
        })
    }

    /// `λ = 1/K`: keeps the diagonal and off-diagonal sums in the paper's balance for small
    /// embeddings (see the module documentation).
    pub fn lambda_for_dim(k: usize) -> f64 {
        1.0 / k.max(1) as f64
    }

    /// The two sums of the last evaluation: `(Σ_i (C_ii − 1)², Σ_{i≠j} C_ij²)` (the second
    /// before the weight λ), lightly's `invariance` and `redundancy_reduction` terms.
    pub fn terms(&self) -> (T, T) {
        (self.invariance, self.redundancy)
    }

    /// The cross-correlation matrix `C` of the last [`PairLoss::loss`] call (after
    /// [`PairLoss::loss_grad`] this buffer holds `∂L/∂C` instead).
    pub fn cross_correlation(&self) -> &Mat<T, K, K> {
        &self.c
    }

    fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        batch_norm(z_a, &mut self.na, &mut self.sa, self.eps);
        batch_norm(z_b, &mut self.nb, &mut self.sb, self.eps);
        self.c.as_mut_slice().fill(T::zero());
        add_mul_tr(&mut self.c, &self.na, &self.nb);
        let inv_b = T::one() / T::of_usize(z_a.ncols());
        self.c.iter_mut().for_each(|x| *x *= inv_b);
        let (mut on, mut off) = (T::zero(), T::zero());
        let k = self.c.nrows();
        for j in 0..k {
            for i in 0..k {
                let x = self.c[(i, j)];
                if i == j {
                    on += (x - T::one()) * (x - T::one());
                } else {
                    off += x * x;
                }
            }
        }
        self.invariance = on;
        self.redundancy = off;
        on + self.lambda * off
    }
}

impl<T: Real, K: Dim, B: Dim> PairLoss<T, K, B> for BarlowTwins<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    fn loss_grad(
        &mut self,
        z_a: &Batch<T, K, B>,
        z_b: &Batch<T, K, B>,
        grad_a: &mut Batch<T, K, B>,
        grad_b: &mut Batch<T, K, B>,
    ) -> T {
        let loss = self.forward(z_a, z_b);
        // C becomes G = ∂L/∂C, pre-divided by B.
        let two = lit::<T>(2.0);
        let inv_b = T::one() / T::of_usize(z_a.ncols());
        let k = self.c.nrows();
        for j in 0..k {
            for i in 0..k {
                let x = self.c[(i, j)];
                let g = if i == j { two * (x - T::one()) } else { two * self.lambda * x };
                self.c[(i, j)] = g * inv_b;
            }
        }
        grad_a.as_mut_slice().fill(T::zero());
        add_mul(grad_a, &self.c, &self.nb);
        grad_b.as_mut_slice().fill(T::zero());
        add_tr_mul(grad_b, &self.c, &self.na);
        batch_norm_backward(&self.na, &self.sa, grad_a);
        batch_norm_backward(&self.nb, &self.sb, grad_b);
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}
