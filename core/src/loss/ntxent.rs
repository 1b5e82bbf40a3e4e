//! NT-Xent, the symmetric normalized-temperature cross-entropy of SimCLR (Chen et al., 2020,
//! "A Simple Framework for Contrastive Learning of Visual Representations"), with the
//! conventions of lightly's `NTXentLoss(temperature, memory_bank_size=0)`.
//!
//! Stack the `2B` normalized embeddings `u = (a_1 … a_B, b_1 … b_B)`. Every one of them is an
//! anchor; its positive is the other view of the same sample (`pos(i) = i ± B`); the other
//! `2B − 2` embeddings are its negatives; self-similarity is removed:
//!
//! `L = (1 / 2B) Σ_r [ log Σ_{c ≠ r} exp(u_r · u_c / τ) − u_r · u_pos(r) / τ ]`
//!
//! Gradient: with `P` the row softmax over `c ≠ r` and `G = (P − E_pos) / (2B τ)`,
//! `∂L/∂u = (G + Gᵀ) u` (as rows), then back through the normalization.
//! The four `B × B` blocks (`a·b`, `a·a`, `b·a`, `b·b`) are kept separately so the batch size
//! stays a single dimension type.
//!
//! Default temperature: `τ = 0.5`, lightly's default (and SimCLR's for small batches).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{NtXent, PairLoss};
//! let z = SMatrix::<f64, 2, 2>::new(1.0, 0.0, 0.0, 1.0);
//! let mut loss = NtXent::<f64, Const<2>, Const<2>>::new(0.5, Const, Const).unwrap();
//! // Two orthogonal samples, identical views: each anchor's positive has similarity 1,
//! // its two negatives 0, so L = ln(e² + 2) − 2.
//! let l = loss.loss(&z, &z);
//! assert!((l - ((2f64).exp() + 2.0).ln() + 2.0).abs() < 1e-15);
//! ```

use super::{LossError, PairLoss, checks, exp_shifted, scale_max};
use crate::Real;
use crate::dims::{Batch, EmbedDims, Mat, zeros};
use crate::kernels::{add_mul, add_tr_mul};
use crate::lit;
use crate::normalize::{NORM_EPS, NormalizedPair};
use nalgebra::{DefaultAllocator, Dim};

/// Symmetric NT-Xent with temperature `tau` and its working buffers.
#[derive(Clone, Debug)]
pub struct NtXent<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Temperature `τ`.
    pub tau: T,
    /// Norm guard of the L2 normalization ([`NORM_EPS`] by default).
    pub eps: T,
    v: NormalizedPair<T, K, B>,
    // Column i holds anchor i's logits (then gradients) against the b's / the a's.
    ab: Mat<T, B, B>,
    aa: Mat<T, B, B>,
    ba: Mat<T, B, B>,
    bb: Mat<T, B, B>,
}

impl<T: Real, K: Dim, B: Dim> NtXent<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss for embeddings of size `k` in batches of `b` (`2b` anchors), temperature `tau`.
    ///
    /// # Errors
    /// [`LossError`] unless `k ≥ 1`, `b ≥ 2` (fewer has no negatives: the loss would be a constant) and `tau` is finite and
    /// `> 0`.
    pub fn new(tau: f64, k: K, b: B) -> Result<Self, LossError> {
        checks::sizes("NT-Xent", k.value(), b.value(), 2)?;
        Ok(Self {
            tau: lit(checks::temperature("NT-Xent", tau)?),
            eps: lit(NORM_EPS),
            v: NormalizedPair::new(k, b),
            ab: zeros(b, b),
            aa: zeros(b, b),
            ba: zeros(b, b),
            bb: zeros(b, b),
        })
    }

    /// `log(2B − 1) − L`: the InfoNCE bound on the mutual information, with `2B − 1`
    /// candidates per anchor.
    pub fn mi_lower_bound(loss: T, batch: usize) -> T {
        T::of_usize(2 * batch - 1).ln_() - loss
    }

    fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.v.forward(z_a, z_b, self.eps);
        let n = self.ab.nrows();
        for (m, (x, y)) in [
            (&mut self.ab, (&self.v.b, &self.v.a)),
            (&mut self.aa, (&self.v.a, &self.v.a)),
            (&mut self.bb, (&self.v.b, &self.v.b)),
        ] {
            m.as_mut_slice().fill(T::zero());
            add_tr_mul(m, x, y); // m[j, i] = x_j · y_i
        }
        // ba[j, i] = a_j · b_i = ab[i, j]: a dot product's terms are the same products in the
        // same order either way, so the transpose has exactly the bits a product would give.
        self.ab.transpose_to(&mut self.ba);
        let inv_tau = T::one() / self.tau;
        let mut total = T::zero();
        // Anchors a_i use (ab, aa), anchors b_i use (ba, bb); the positive sits in the cross
        // block at row i, the self-similarity in the same-view block at row i.
        for (cross, same) in [(&mut self.ab, &mut self.aa), (&mut self.ba, &mut self.bb)] {
            let cols = cross
                .as_mut_slice()
                .chunks_exact_mut(n.max(1))
                .zip(same.as_mut_slice().chunks_exact_mut(n.max(1)));
            for (i, (c, s)) in cols.enumerate() {
                let m = scale_max(c, inv_tau, None).max(scale_max(s, inv_tau, Some(i)));
                let pos = c[i];
                let sum = exp_shifted(c, m, None) + exp_shifted(s, m, Some(i));
                total += m + sum.ln_() - pos;
                let inv = T::one() / sum;
                for x in c.iter_mut() {
                    *x *= inv;
                }
                for x in s.iter_mut() {
                    *x *= inv;
                }
            }
        }
        total / T::of_usize(2 * n)
    }
}

impl<T: Real, K: Dim, B: Dim> PairLoss<T, K, B> for NtXent<T, K, B>
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
        let n = self.ab.nrows();
        let scale = T::one() / (T::of_usize(2 * n) * self.tau);
        for m in [&mut self.ab, &mut self.ba] {
            for i in 0..n {
                m[(i, i)] -= T::one();
            }
        }
        for m in [&mut self.ab, &mut self.aa, &mut self.ba, &mut self.bb] {
            for x in m.as_mut_slice().iter_mut() {
                *x *= scale;
            }
        }
        // Same-view blocks act in both directions: G_aa + G_aaᵀ (likewise bb). Cross blocks:
        // H[j, i] = G_ab[j, i] + G_ba[i, j] couples b_j with a_i.
        symmetrize(self.aa.as_mut_slice(), n);
        symmetrize(self.bb.as_mut_slice(), n);
        add_transposed(self.ab.as_mut_slice(), self.ba.as_slice(), n);
        // grad_a[:, i] = Σ_j H[j, i] b_j + Σ_j Aaa[j, i] a_j
        grad_a.as_mut_slice().fill(T::zero());
        add_mul(grad_a, &self.v.b, &self.ab);
        add_mul(grad_a, &self.v.a, &self.aa);
        // grad_b[:, j] = Σ_i H[j, i] a_i + Σ_i Abb[i, j] b_i   (H used transposed)
        self.ab.transpose_to(&mut self.ba);
        grad_b.as_mut_slice().fill(T::zero());
        add_mul(grad_b, &self.v.a, &self.ba);
        add_mul(grad_b, &self.v.b, &self.bb);
        self.v.backward(grad_a, grad_b, self.eps);
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}

/// Tile edge for the transposing loops: two 16 × 16 tiles stay in L1 while rows and columns are
/// swapped, so a `B × B` block larger than the cache is read once instead of once per row.
const TILE: usize = 16;

/// In place on a column-major `n × n` matrix `m`: for every `j < i`,
/// `m[j, i] = m[i, j] = m[j, i] + m[i, j]` (the diagonal is left alone). Tiled; each entry is
/// computed exactly as by the plain double loop.
fn symmetrize<T: Real>(m: &mut [T], n: usize) {
    for ib in (0..n).step_by(TILE) {
        for jb in (0..=ib).step_by(TILE) {
            for i in ib..(ib + TILE).min(n) {
                for j in jb..(jb + TILE).min(i) {
                    let (x, y) = (i * n + j, j * n + i);
                    let s = m[x] + m[y];
                    m[x] = s;
                    m[y] = s;
                }
            }
        }
    }
}

/// `out[j, i] += m[i, j]` for all `i, j` of column-major `n × n` matrices (`out += mᵀ`), tiled.
fn add_transposed<T: Real>(out: &mut [T], m: &[T], n: usize) {
    for ib in (0..n).step_by(TILE) {
        for jb in (0..n).step_by(TILE) {
            for i in ib..(ib + TILE).min(n) {
                for j in jb..(jb + TILE).min(n) {
                    out[i * n + j] += m[j * n + i];
                }
            }
        }
    }
}
