//! One-directional InfoNCE, the reference program's form (van den Oord et al., 2018, "Representation
//! Learning with Contrastive Predictive Coding").
//!
//! With `a_i = z_a,i / ‖z_a,i‖`, `b_j = z_b,j / ‖z_b,j‖` and logits `s_ij = a_i · b_j / τ`:
//!
//! `L = (1/B) Σ_i [ log Σ_j exp(s_ij) − s_ii ]`
//!
//! — a row-wise cross-entropy with the positives on the diagonal, averaged over the `B` rows;
//! `z_b`–`z_b` pairs are never compared. This is
//! `F.cross_entropy(normalize(z_a) @ normalize(z_b).T / τ, arange(B))` in PyTorch.
//! The log-sum-exp is shifted by the largest possible logit `1/τ` (exact and overflow-free for
//! unit vectors), or by each row's maximum when `τ` is so small that `e^(−2/τ)` would
//! underflow (`fixed_shift_ok`); row sums run in the fixed
//! eight-lane order of `lane_sum`, and the exponentials of a row form one
//! branch-free loop the compiler vectorizes ([`crate::math`]).
//!
//! Gradient: with `P = softmax_rows(S)` and `G = (P − I) / (B τ)`,
//! `∂L/∂a = G b`, `∂L/∂b = Gᵀ a`, then back through the normalization
//! ([`crate::normalize`]).
//!
//! Mutual information: `I(view_a; view_b) ≥ log B − L` ([`InfoNce::mi_lower_bound`]).
//!
//! **Without normalization** ([`InfoNce::with_normalization`]`(`[`Normalization::None`]`)`),
//! `a_i = z_a,i` and `b_j = z_b,j` as they are: the same formula and gradient, with no
//! normalization backward. The logits are then unbounded, so every row is shifted by its own
//! maximum (the fixed `1/τ` would overflow or lose every term to underflow).
//!
//! Default temperature: `τ = 0.2`, as in the reference program; chance level is `log B`.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{InfoNce, PairLoss};
//! let za = SMatrix::<f64, 2, 3>::new(1.0, 0.0, -1.0, 0.0, 1.0, 0.0);
//! let mut loss = InfoNce::<f64, Const<2>, Const<3>>::new(0.2, Const, Const).unwrap();
//! let (mut ga, mut gb) = (SMatrix::<f64, 2, 3>::zeros(), SMatrix::<f64, 2, 3>::zeros());
//! let l = loss.loss_grad(&za, &za, &mut ga, &mut gb);
//! assert!(l > 0.0 && l < 3f64.ln()); // better than chance: views agree
//! ```

use super::{LossError, PairLoss, checks, fixed_shift_ok, lane_sum, max_of};
use crate::dims::{Batch, EmbedDims, Mat, zeros};
use crate::kernels::{add_mul, add_mul_tr, add_tr_mul};
use crate::normalize::{NORM_EPS, Normalization, NormalizedPair};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim};

/// One-directional InfoNCE with temperature `tau` and its working buffers.
#[derive(Clone, Debug)]
pub struct InfoNce<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Temperature `τ`.
    pub tau: T,
    /// Norm guard of the L2 normalization ([`NORM_EPS`] by default).
    pub eps: T,
    v: NormalizedPair<T, K, B>,
    /// Column `i` holds row `i` of the logits `S` (then of `G`), so rows are contiguous.
    s: Mat<T, B, B>,
}

impl<T: Real, K: Dim, B: Dim> InfoNce<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss for embeddings of size `k` in batches of `b`, temperature `tau`.
    ///
    /// # Errors
    /// [`LossError`] unless `k ≥ 1`, `b ≥ 2` (fewer has no negatives: the loss would be a constant) and `tau` is finite and
    /// `> 0`.
    pub fn new(tau: f64, k: K, b: B) -> Result<Self, LossError> {
        checks::sizes("InfoNCE", k.value(), b.value(), 2)?;
        let tau = lit(checks::temperature("InfoNCE", tau)?);
        Ok(Self { tau, eps: lit(NORM_EPS), v: NormalizedPair::new(k, b), s: zeros(b, b) })
    }

    /// The same loss on L2-normalized embeddings (the default) or on the embeddings as they
    /// are ([`Normalization::None`]; see the module docs).
    pub fn with_normalization(mut self, mode: Normalization) -> Self {
        self.v.mode = mode;
        self
    }

    /// Whether the embeddings are L2-normalized.
    pub fn normalization(&self) -> Normalization {
        self.v.mode
    }

    /// `log B − L`: the InfoNCE lower bound on the mutual information between the views.
    pub fn mi_lower_bound(loss: T, batch: usize) -> T {
        T::of_usize(batch).ln_() - loss
    }

    /// Normalizes, fills the logits and turns each row into its softmax; returns the loss.
    fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.v.forward(z_a, z_b, self.eps);
        let n = self.s.nrows();
        self.s.as_mut_slice().fill(T::zero());
        add_tr_mul(&mut self.s, &self.v.b, &self.v.a); // s[j, i] = b_j · a_i
        let inv_tau = T::one() / self.tau;
        let fixed = self.v.unit() && fixed_shift_ok(inv_tau);
        let mut total = T::zero();
        for (i, row) in self.s.as_mut_slice().chunks_exact_mut(n.max(1)).enumerate() {
            for x in row.iter_mut() {
                *x *= inv_tau;
            }
            let m = if fixed { inv_tau } else { max_of(row, None) };
            let pos = row[i];
            for x in row.iter_mut() {
                *x = (*x - m).exp_();
            }
            let sum = lane_sum(row);
            total += m + sum.ln_() - pos;
            let inv = T::one() / sum;
            for x in row.iter_mut() {
                *x *= inv;
            }
        }
        total / T::of_usize(n)
    }
}

impl<T: Real, K: Dim, B: Dim> PairLoss<T, K, B> for InfoNce<T, K, B>
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
        let n = self.s.nrows();
        let scale = T::one() / (T::of_usize(n) * self.tau);
        for (i, row) in self.s.as_mut_slice().chunks_exact_mut(n.max(1)).enumerate() {
            row[i] -= T::one();
            for x in row.iter_mut() {
                *x *= scale;
            }
        }
        // grad_a[:, i] = Σ_j G_ij b_j ;  grad_b[:, j] = Σ_i G_ij a_i
        grad_a.as_mut_slice().fill(T::zero());
        add_mul(grad_a, &self.v.b, &self.s);
        grad_b.as_mut_slice().fill(T::zero());
        add_mul_tr(grad_b, &self.v.a, &self.s);
        self.v.backward(grad_a, grad_b, self.eps);
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}
