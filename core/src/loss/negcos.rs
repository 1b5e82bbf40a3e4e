//! Negative cosine similarity, the loss of BYOL and SimSiam, and its symmetric stop-gradient
//! usage.
//!
//! **[`NegCos`]** is lightly's `NegativeCosineSimilarity(dim=1, eps=1e-8)`:
//!
//! `L(Z_a, Z_b) = −(1/B) Σ_i cos(a_i, b_i)`,  `cos(x, y) = x·y / (max(‖x‖, ε) max(‖y‖, ε))`
//!
//! with PyTorch's `cosine_similarity` guard `ε = 1e-8` ([`EPS`]). Both gradients are live:
//! `∂L/∂a_i = −(1/B) (I − â âᵀ) b̂_i / ‖a_i‖` (and symmetrically for `b_i`).
//!
//! **[`SymNegCos`]** is how BYOL and SimSiam use it: predictions `p` from the online branch
//! are compared with the other view's projections `z`, which are treated as constants
//! (stop-gradient, `sg`):
//!
//! - [`Symmetric::Lightly`] — lightly's examples and the SimSiam paper (Chen & He, 2021, eq. 2):
//!   `L = ½ [negcos(p_a, sg z_b) + negcos(p_b, sg z_a)]`, in `[−1, 1]`.
//! - [`Symmetric::Byol`] — the BYOL paper (Grill et al., 2020, eq. 2): the squared distance
//!   of the normalized vectors, `‖p̂ − ẑ‖² = 2 − 2 cos`, averaged over the batch and summed
//!   over both directions: `L = mean_i(2 − 2 cos(p_a,i, sg z_b,i)) + mean_i(2 − 2 cos(p_b,i, sg z_a,i))`,
//!   in `[0, 8]`.
//!
//! The two forms are affine images of each other: `L_byol = 4 + 4 L_lightly`, so their
//! gradients differ by the factor 4 only (which Adam ignores and SGD absorbs in its rate).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{NegCos, PairLoss, SymNegCos, Symmetric};
//! let a = SMatrix::<f64, 2, 2>::new(1.0, 0.0, 0.0, 2.0); // samples (1,0) and (0,2)
//! let b = SMatrix::<f64, 2, 2>::new(3.0, 1.0, 0.0, 1.0); // samples (3,0) and (1,1)
//! let mut nc = NegCos::<f64, Const<2>, Const<2>>::new(Const, Const);
//! // cos = 1 and 1/√2.
//! assert!((nc.loss(&a, &b) + 0.5 * (1.0 + 0.5f64.sqrt())).abs() < 1e-15);
//! let mut sym = SymNegCos::<f64, Const<2>, Const<2>>::new(Symmetric::Lightly, Const, Const);
//! let mut byol = SymNegCos::<f64, Const<2>, Const<2>>::new(Symmetric::Byol, Const, Const);
//! let (l, lb) = (sym.loss(&a, &b, &b, &a), byol.loss(&a, &b, &b, &a));
//! assert!((lb - (4.0 + 4.0 * l)).abs() < 1e-14);
//! ```

use super::PairLoss;
use crate::dims::{Batch, EmbedDims, Mat, Vector, zeros};
use crate::kernels::dot;
use crate::normalize::{l2_normalize, l2_normalize_backward};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U1};

/// PyTorch's `cosine_similarity` guard on each norm.
pub const EPS: f64 = 1e-8;

/// Negative cosine similarity of paired columns, averaged over the batch.
#[derive(Clone, Debug)]
pub struct NegCos<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Guard on each norm ([`EPS`]).
    pub eps: T,
    a: Mat<T, K, B>,
    b: Mat<T, K, B>,
    na: Vector<T, B>,
    nb: Vector<T, B>,
}

impl<T: Real, K: Dim, B: Dim> NegCos<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss for embeddings of size `k` in batches of `b`.
    pub fn new(k: K, b: B) -> Self {
        Self { eps: lit(EPS), a: zeros(k, b), b: zeros(k, b), na: zeros(b, U1), nb: zeros(b, U1) }
    }

    fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        l2_normalize(z_a, &mut self.a, &mut self.na, self.eps);
        l2_normalize(z_b, &mut self.b, &mut self.nb, self.eps);
        let (k, n) = z_a.shape();
        let mut s = T::zero();
        if k > 0 {
            for (x, y) in self.a.as_slice().chunks_exact(k).zip(self.b.as_slice().chunks_exact(k)) {
                s += dot(x, y);
            }
        }
        -s / T::of_usize(n)
    }
}

impl<T: Real, K: Dim, B: Dim> PairLoss<T, K, B> for NegCos<T, K, B>
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
        let f = -T::one() / T::of_usize(z_a.ncols());
        for ((ga, gb), (&a, &b)) in
            grad_a.iter_mut().zip(grad_b.iter_mut()).zip(self.a.iter().zip(self.b.iter()))
        {
            *ga = f * b;
            *gb = f * a;
        }
        l2_normalize_backward(&self.a, &self.na, grad_a, self.eps);
        l2_normalize_backward(&self.b, &self.nb, grad_b, self.eps);
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}

/// Which symmetric form [`SymNegCos`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Symmetric {
    /// `½ [negcos(p_a, sg z_b) + negcos(p_b, sg z_a)]` (lightly, SimSiam paper).
    Lightly,
    /// `Σ_directions mean_i (2 − 2 cos)` (BYOL paper) `= 4 + 4 · Lightly`.
    Byol,
}

impl Symmetric {
    /// `(c, d)` such that this form is `d + c · (negcos_ab + negcos_ba)`.
    fn affine<T: Real>(self) -> (T, T) {
        match self {
            Self::Lightly => (lit(0.5), T::zero()),
            Self::Byol => (lit(2.0), lit(4.0)),
        }
    }
}

/// The symmetric prediction loss of BYOL / SimSiam with stop-gradient on the projections.
#[derive(Clone, Debug)]
pub struct SymNegCos<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// The form (scale and offset) of the loss.
    pub form: Symmetric,
    neg: NegCos<T, K, B>,
    scratch_a: Mat<T, K, B>,
    scratch_b: Mat<T, K, B>,
}

impl<T: Real, K: Dim, B: Dim> SymNegCos<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss of the given form for embeddings of size `k` in batches of `b`.
    pub fn new(form: Symmetric, k: K, b: B) -> Self {
        Self { form, neg: NegCos::new(k, b), scratch_a: zeros(k, b), scratch_b: zeros(k, b) }
    }

    /// The loss for predictions `p_a`, `p_b` and projections `z_a`, `z_b`.
    pub fn loss(
        &mut self,
        p_a: &Batch<T, K, B>,
        p_b: &Batch<T, K, B>,
        z_a: &Batch<T, K, B>,
        z_b: &Batch<T, K, B>,
    ) -> T {
        let (c, d) = self.form.affine::<T>();
        d + c * (self.neg.loss(p_a, z_b) + self.neg.loss(p_b, z_a))
    }

    /// The loss, with `grad_p_a = ∂L/∂p_a` and `grad_p_b = ∂L/∂p_b` (overwritten). The
    /// projections get no gradient (stop-gradient); [`SymNegCos::stopped_grad`] gives the one
    /// that was stopped.
    pub fn loss_grad(
        &mut self,
        p_a: &Batch<T, K, B>,
        p_b: &Batch<T, K, B>,
        z_a: &Batch<T, K, B>,
        z_b: &Batch<T, K, B>,
        grad_p_a: &mut Batch<T, K, B>,
        grad_p_b: &mut Batch<T, K, B>,
    ) -> T {
        let (c, d) = self.form.affine::<T>();
        let l_ab = self.neg.loss_grad(p_a, z_b, grad_p_a, &mut self.scratch_b);
        let l_ba = self.neg.loss_grad(p_b, z_a, grad_p_b, &mut self.scratch_a);
        grad_p_a.iter_mut().chain(grad_p_b.iter_mut()).for_each(|g| *g *= c);
        self.scratch_a.iter_mut().chain(self.scratch_b.iter_mut()).for_each(|g| *g *= c);
        d + c * (l_ab + l_ba)
    }

    /// `(∂L/∂z_a, ∂L/∂z_b)` of the last [`SymNegCos::loss_grad`] call: the gradient the
    /// stop-gradient discards. Adding it back trains both branches through the projections,
    /// which lets SimSiam collapse (Chen & He, 2021, §4.1); the collapse demonstration uses it.
    pub fn stopped_grad(&self) -> (&Mat<T, K, B>, &Mat<T, K, B>) {
        (&self.scratch_a, &self.scratch_b)
    }
}
