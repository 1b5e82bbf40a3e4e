//! VICReg (Bardes, Ponce & LeCun, 2022, "VICReg: Variance-Invariance-Covariance
//! Regularization for Self-Supervised Learning"), with the conventions of lightly's
//! `VICRegLoss(lambda_param=25, mu_param=25, nu_param=1, eps=1e-4)`.
//!
//! For the two `K × B` batches `Z_a`, `Z_b` (samples are columns):
//!
//! `L = λ · inv + μ · var + ν · cov`, with
//! - `inv = (1 / BK) Σ_{k,b} (z_a − z_b)²_{kb}` (mean squared error over all entries),
//! - `var = ½ (v(Z_a) + v(Z_b))`, `v(Z) = (1/K) Σ_k relu(1 − √(σ²_k + ε))`, where `σ²_k` is
//!   the **unbiased** (`B − 1`) variance of feature `k` over the batch,
//! - `cov = c(Z_a) + c(Z_b)` (the **sum** of the two branches), `c(Z) = (1/K) Σ_{i≠j} C_ij²`,
//!   `C = Z̄ Z̄ᵀ / (B − 1)` the covariance of the centred batch `Z̄`.
//!
//! Gradients (`Z̄` rows have zero mean, so centring passes gradients unchanged):
//! `∂inv/∂z_a = 2 (z_a − z_b) / BK = −∂inv/∂z_b`;
//! `∂v/∂z_kb = −1[√(σ²_k+ε) < 1] · z̄_kb / (K (B − 1) √(σ²_k + ε))`;
//! `∂c/∂Z = 4 C_off Z̄ / (K (B − 1))` with `C_off` = `C` with its diagonal zeroed.
//!
//! Defaults and their source: `λ = μ = 25`, `ν = 1`, `ε = 1e-4` are the paper's (§4.1, its
//! grid search on ImageNet with an 8192-dimensional expander) and lightly's. The paper keeps
//! `ν = 1` and the covariance term divided by `K`, so its scale is already per dimension;
//! with small `K` (8…64) the variance hinge and the invariance term keep their meaning
//! unchanged (both are per-entry means), so selfsup keeps all four values; the probe only
//! lowers the learning rate instead (the loss starts near `25` whatever `K`).
//!
//! Needs `B ≥ 2` (the unbiased variance divides by `B − 1`): [`VicReg::new`] refuses a smaller
//! batch with a [`LossError`] instead of returning NaN.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{PairLoss, VicReg};
//! // K = 1, B = 2, identical views z = (−1, 1): inv = 0, σ² = 2, std = √2.0001 > 1 so the
//! // hinge is 0, and one feature has no off-diagonal covariance: L = 0.
//! let z = SMatrix::<f64, 1, 2>::new(-1.0, 1.0);
//! let mut v = VicReg::<f64, Const<1>, Const<2>>::lightly(Const, Const).unwrap();
//! assert_eq!(v.loss(&z, &z), 0.0);
//! // Collapsed views (all zero): std = √1e-4 = 0.01, hinge 0.99 in each branch: L = 25 · 0.99.
//! let zero = SMatrix::<f64, 1, 2>::zeros();
//! assert!((v.loss(&zero, &zero) - 25.0 * 0.99).abs() < 1e-12);
//! ```

use super::{LossError, PairLoss, center_feature, checks};
use crate::dims::{Batch, EmbedDims, Mat, Vector, zeros};
use crate::kernels::{add_mul, add_mul_tr};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// Invariance weight `λ` (paper, lightly).
pub const LAMBDA: f64 = 25.0;
/// Variance weight `μ` (paper, lightly).
pub const MU: f64 = 25.0;
/// Covariance weight `ν` (paper, lightly).
pub const NU: f64 = 1.0;
/// Guard inside the square root of the variance (paper, lightly).
pub const EPS: f64 = 1e-4;

/// Optional pair of gradient outputs.
type Grads<'a, T, K, B> = Option<(&'a mut Batch<T, K, B>, &'a mut Batch<T, K, B>)>;

/// VICReg with weights `λ, μ, ν` and its working buffers.
#[derive(Clone, Debug)]
pub struct VicReg<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Invariance weight `λ`.
    pub lambda: T,
    /// Variance weight `μ`.
    pub mu: T,
    /// Covariance weight `ν`.
    pub nu: T,
    /// Guard `ε` inside `√(σ² + ε)`.
    pub eps: T,
    centered: Mat<T, K, B>,
    std: Vector<T, K>,
    cov: Mat<T, K, K>,
    terms: (T, T, T),
}

/// Variance hinge and covariance penalty of one branch; when `grad` is given, adds
/// `w_var · ∂v/∂z + w_cov · ∂c/∂z` to it. Returns `(v, c)`.
#[allow(clippy::too_many_arguments)]
fn branch<T: Real, K: Dim, B: Dim>(
    z: &Batch<T, K, B>,
    centered: &mut Mat<T, K, B>,
    std: &mut Vector<T, K>,
    cov: &mut Mat<T, K, K>,
    eps: T,
    w_var: T,
    w_cov: T,
    grad: Option<&mut Batch<T, K, B>>,
) -> (T, T)
where
    DefaultAllocator: EmbedDims<K, B> + Allocator<K>,
{
    let (k, b) = z.shape();
    let inv_b1 = T::one() / T::of_usize(b.saturating_sub(1));
    let inv_k = T::one() / T::of_usize(k);
    let mut v = T::zero();
    for r in 0..k {
        let ss = center_feature(z, centered, r);
        let s = (ss * inv_b1 + eps).sqrt_();
        std[r] = s;
        if T::one() - s > T::zero() {
            v += T::one() - s;
        }
    }
    v *= inv_k;
    cov.as_mut_slice().fill(T::zero());
    add_mul_tr(cov, centered, centered);
    cov.iter_mut().for_each(|x| *x *= inv_b1);
    let mut c = T::zero();
    for j in 0..k {
        for i in 0..k {
            if i != j {
                c += cov[(i, j)] * cov[(i, j)];
            }
        }
    }
    c *= inv_k;
    if let Some(g) = grad {
        for r in 0..k {
            let s = std[r];
            if T::one() - s > T::zero() {
                let f = w_var * inv_k * inv_b1 / s;
                for col in 0..b {
                    g[(r, col)] -= f * centered[(r, col)];
                }
            }
        }
        let f = lit::<T>(4.0) * w_cov * inv_k * inv_b1;
        for j in 0..k {
            for i in 0..k {
                cov[(i, j)] = if i == j { T::zero() } else { cov[(i, j)] * f };
            }
        }
        add_mul(g, cov, centered);
    }
    (v, c)
}

impl<T: Real, K: Dim, B: Dim> VicReg<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss with weights `lambda` (invariance), `mu` (variance), `nu` (covariance).
    ///
    /// # Errors
    /// [`LossError`] unless `k ≥ 1`, `b ≥ 2` (the unbiased variance divides by `B − 1`) and
    /// every weight is finite and `≥ 0`.
    pub fn new(lambda: f64, mu: f64, nu: f64, k: K, b: B) -> Result<Self, LossError> {
        checks::sizes("VICReg", k.value(), b.value(), 2)?;
        Ok(Self {
            lambda: lit(checks::weight("VICReg", "lambda", lambda)?),
            mu: lit(checks::weight("VICReg", "mu", mu)?),
            nu: lit(checks::weight("VICReg", "nu", nu)?),
            eps: lit(EPS),
            centered: zeros(k, b),
            std: zeros(k, U1),
            cov: zeros(k, k),
            terms: (T::zero(), T::zero(), T::zero()),
        })
    }

    /// lightly's and the paper's defaults: `λ = μ = 25`, `ν = 1`, `ε = 1e-4`.
    ///
    /// # Errors
    /// As [`VicReg::new`].
    pub fn lightly(k: K, b: B) -> Result<Self, LossError> {
        Self::new(LAMBDA, MU, NU, k, b)
    }

    /// The unweighted terms `(inv, var, cov)` of the last evaluation, as lightly defines them.
    pub fn terms(&self) -> (T, T, T) {
        self.terms
    }

    fn eval(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>, mut grads: Grads<'_, T, K, B>) -> T {
        let n = T::of_usize(z_a.len());
        let mut inv = T::zero();
        for (&a, &b) in z_a.iter().zip(z_b.iter()) {
            inv += (a - b) * (a - b);
        }
        inv /= n;
        if let Some((ga, gb)) = grads.as_mut() {
            let f = lit::<T>(2.0) * self.lambda / n;
            for ((x, y), (&a, &b)) in ga.iter_mut().zip(gb.iter_mut()).zip(z_a.iter().zip(z_b.iter())) {
                *x = f * (a - b);
                *y = -*x;
            }
        }
        let half_mu = lit::<T>(0.5) * self.mu;
        let (ga, gb) = match grads {
            Some((ga, gb)) => (Some(ga), Some(gb)),
            None => (None, None),
        };
        let (va, ca) =
            branch(z_a, &mut self.centered, &mut self.std, &mut self.cov, self.eps, half_mu, self.nu, ga);
        let (vb, cb) =
            branch(z_b, &mut self.centered, &mut self.std, &mut self.cov, self.eps, half_mu, self.nu, gb);
        let var = lit::<T>(0.5) * (va + vb);
        let cov = ca + cb;
        self.terms = (inv, var, cov);
        self.lambda * inv + self.mu * var + self.nu * cov
    }
}

impl<T: Real, K: Dim, B: Dim> PairLoss<T, K, B> for VicReg<T, K, B>
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
        self.eval(z_a, z_b, Some((grad_a, grad_b)))
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.eval(z_a, z_b, None)
    }
}
