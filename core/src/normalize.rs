//! Batched L2 normalization of embeddings and its backward pass.
//!
//! Forward, per sample (column) `u`: `z = u / max(‖u‖₂, ε)` — `torch.nn.functional.normalize`
//! with its default `ε = 1e-12` ([`NORM_EPS`]); the reference program clamps `‖u‖²` at `1e-12`
//! instead, which only differs for `‖u‖ < 1e-6`.
//!
//! Backward, through the Jacobian of `u ↦ u/‖u‖`, which projects onto the tangent plane of
//! the unit sphere:
//!
//! `du = (I − z zᵀ) dz / ‖u‖`  when `‖u‖ > ε`,   `du = dz / ε` otherwise (the map is linear there).
//!
//! ```
//! use nalgebra::{Matrix2, Vector2};
//! use selfsup_core::normalize::{l2_normalize, l2_normalize_backward};
//! let u = Matrix2::new(3.0, 0.0, 4.0, 2.0); // two samples: (3,4) and (0,2)
//! let (mut z, mut n) = (Matrix2::zeros(), Vector2::zeros());
//! l2_normalize(&u, &mut z, &mut n, 1e-12);
//! assert!((z.column(0) - Vector2::new(0.6, 0.8)).norm() < 1e-15);
//! assert_eq!(n, Vector2::new(5.0, 2.0));
//! // A gradient along the sample itself vanishes (the norm absorbs it).
//! let mut du = z;
//! l2_normalize_backward(&z, &n, &mut du, 1e-12);
//! assert!(du.norm() < 1e-15);
//! ```

use crate::Real;
use crate::dims::{Batch, Vector};
use crate::kernels::dot;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// PyTorch's default guard for `F.normalize`.
pub const NORM_EPS: f64 = 1e-12;

/// `z[:, j] = u[:, j] / max(‖u[:, j]‖, eps)`; `norms[j] = ‖u[:, j]‖` (unclamped).
pub fn l2_normalize<T: Real, K: Dim, B: Dim>(
    u: &Batch<T, K, B>,
    z: &mut Batch<T, K, B>,
    norms: &mut Vector<T, B>,
    eps: T,
) where
    DefaultAllocator: Allocator<K, B> + Allocator<B>,
{
    let k = u.nrows();
    if k == 0 {
        return;
    }
    for ((uc, zc), n) in
        u.as_slice().chunks_exact(k).zip(z.as_mut_slice().chunks_exact_mut(k)).zip(norms.iter_mut())
    {
        let norm = dot(uc, uc).sqrt_();
        *n = norm;
        let inv = T::one() / if norm > eps { norm } else { eps };
        for (zi, &ui) in zc.iter_mut().zip(uc) {
            *zi = ui * inv;
        }
    }
}

/// In place: turns `dz` (gradient w.r.t. the normalized `z`) into the gradient w.r.t. the
/// unnormalized `u`, given `z` and the `norms` from [`l2_normalize`].
pub fn l2_normalize_backward<T: Real, K: Dim, B: Dim>(
    z: &Batch<T, K, B>,
    norms: &Vector<T, B>,
    dz: &mut Batch<T, K, B>,
    eps: T,
) where
    DefaultAllocator: Allocator<K, B> + Allocator<B>,
{
    let k = z.nrows();
    if k == 0 {
        return;
    }
    for ((zc, gc), &n) in
        z.as_slice().chunks_exact(k).zip(dz.as_mut_slice().chunks_exact_mut(k)).zip(norms.iter())
    {
        if n > eps {
            let proj = dot(zc, gc);
            let inv = T::one() / n;
            for (g, &zi) in gc.iter_mut().zip(zc) {
                *g = (*g - proj * zi) * inv;
            }
        } else {
            let inv = T::one() / eps;
            for g in gc.iter_mut() {
                *g *= inv;
            }
        }
    }
}

/// Whether a contrastive loss compares its embeddings on the unit sphere or as they are.
///
/// [`L2`](Normalization::L2) (the default, and every paper's: SimCLR, MoCo, CPC) takes cosine
/// similarities `u·v / (‖u‖‖v‖)`, so every logit lies in `[−1/τ, 1/τ]`.
/// [`None`](Normalization::None) takes raw dot products `u·v`: the embedding's scale then
/// multiplies every logit (the seed's pitfall "scale can dominate similarity"), and the
/// log-sum-exp must shift each row by its own maximum, since no bound on the logits exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Normalization {
    /// `z = u / max(‖u‖, ε)` ([`l2_normalize`]).
    #[default]
    L2,
    /// `z = u` (identity; its backward pass is the identity too).
    None,
}

/// The two views of a pair loss, L2-normalized (or, with [`Normalization::None`], copied as
/// they are), with their norms kept for the backward pass: the bookkeeping every contrastive
/// loss shares (InfoNCE, NT-Xent and their streaming and queue forms).
///
/// ```
/// use nalgebra::{Const, Matrix2};
/// use selfsup_core::normalize::NormalizedPair;
/// let mut v = NormalizedPair::<f64, Const<2>, Const<2>>::new(Const, Const);
/// v.forward(&Matrix2::new(3.0, 0.0, 4.0, 2.0), &Matrix2::identity(), 1e-12);
/// assert!((v.a.column(1).norm() - 1.0).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct NormalizedPair<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: Allocator<K, B> + Allocator<B>,
{
    /// View a, normalized (`K × B`).
    pub a: Batch<T, K, B>,
    /// View b, normalized (`K × B`).
    pub b: Batch<T, K, B>,
    /// L2 (the default) or none.
    pub mode: Normalization,
    norms_a: Vector<T, B>,
    norms_b: Vector<T, B>,
}

impl<T: Real, K: Dim, B: Dim> NormalizedPair<T, K, B>
where
    DefaultAllocator: Allocator<K, B> + Allocator<B>,
{
    /// Buffers for embeddings of size `k` in batches of `b`.
    pub fn new(k: K, b: B) -> Self {
        Self {
            a: crate::dims::zeros(k, b),
            b: crate::dims::zeros(k, b),
            mode: Normalization::L2,
            norms_a: crate::dims::zeros(b, nalgebra::U1),
            norms_b: crate::dims::zeros(b, nalgebra::U1),
        }
    }

    /// Normalizes both views ([`l2_normalize`]), or copies them ([`Normalization::None`]).
    pub fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>, eps: T) {
        match self.mode {
            Normalization::L2 => {
                l2_normalize(z_a, &mut self.a, &mut self.norms_a, eps);
                l2_normalize(z_b, &mut self.b, &mut self.norms_b, eps);
            }
            Normalization::None => {
                self.a.copy_from(z_a);
                self.b.copy_from(z_b);
            }
        }
    }

    /// Whether the views are unit vectors (so every dot product lies in `[−1, 1]`).
    pub fn unit(&self) -> bool {
        self.mode == Normalization::L2
    }

    /// Turns gradients w.r.t. the normalized views into gradients w.r.t. the unnormalized ones
    /// ([`l2_normalize_backward`]), in place; nothing to do without normalization.
    pub fn backward(&self, grad_a: &mut Batch<T, K, B>, grad_b: &mut Batch<T, K, B>, eps: T) {
        if self.mode == Normalization::L2 {
            l2_normalize_backward(&self.a, &self.norms_a, grad_a, eps);
            l2_normalize_backward(&self.b, &self.norms_b, grad_b, eps);
        }
    }
}
