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
//!
//! **Fused evaluation.** The `2B × 2B` similarity matrix is symmetric, and for unit vectors
//! every logit is at most `1/τ`, so with the fixed shift `m = 1/τ` (exact, overflow-free; see
//! `fixed_shift_ok`) each pair's exponential `e_rc = exp(s_rc − m)`
//! serves both of its anchors: it is computed once, added to both row sums `S_r` and `S_c`, and
//! the pair's gradient weight is `(G + Gᵀ)_rc = (e_rc (1/S_r + 1/S_c) − 2·[c = pos(r)]) / (2Bτ)`.
//! Two `B × B` buffers hold the pairs: the cross block `a_i · b_j` (all of it), and the two
//! same-view triangles packed into one (`a_j · a_i` above the diagonal, `b_j · b_i` below);
//! the gradient products read each triangle as a full symmetric matrix in place.
//! Similarities are dot products eight at a time ([`tr_mul_rows`]), exponentials run over
//! contiguous columns (vectorized, [`crate::math`]), row sums in the fixed eight-lane order of
//! `lane_sum`. When `τ` is so small that `e^(−2/τ)` would underflow, each
//! anchor is shifted by its own maximum instead, and each pair then needs one exponential per
//! anchor.
//!
//! **Without normalization** ([`NtXent::with_normalization`]`(`[`Normalization::None`]`)`),
//! `u` holds the embeddings as they are: the same formula and gradient, with no normalization
//! backward, and since the logits are unbounded every anchor is shifted by its own maximum.
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

use super::{LossError, PairLoss, checks, fixed_shift_ok, lane_sum};
use crate::Real;
use crate::dims::{Batch, EmbedDims, Mat, Vector, zeros};
use crate::kernels::{add_mul, add_mul_sym, add_mul_tr, tr_mul_rows};
use crate::lit;
use crate::normalize::{NORM_EPS, Normalization, NormalizedPair};
use nalgebra::{DefaultAllocator, Dim, U1};

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
    /// `cross[j, i]`: the pair `(a_i, b_j)` — its logit, then its exponential, then its
    /// gradient weight.
    cross: Mat<T, B, B>,
    /// `same[j, i]`: the pair `(a_j, a_i)` for `j < i`, `(b_j, b_i)` for `j > i`; the diagonal
    /// keeps the positive logit `a_i · b_i / τ` (the loss's last term).
    same: Mat<T, B, B>,
    /// Per anchor `a_i` / `b_i`: the shift and the sum of shifted exponentials.
    shift_a: Vector<T, B>,
    shift_b: Vector<T, B>,
    sum_a: Vector<T, B>,
    sum_b: Vector<T, B>,
    fixed: bool,
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
            cross: zeros(b, b),
            same: zeros(b, b),
            shift_a: zeros(b, U1),
            shift_b: zeros(b, U1),
            sum_a: zeros(b, U1),
            sum_b: zeros(b, U1),
            fixed: true,
        })
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

    /// `log(2B − 1) − L`: the InfoNCE bound on the mutual information, with `2B − 1`
    /// candidates per anchor.
    pub fn mi_lower_bound(loss: T, batch: usize) -> T {
        T::of_usize(2 * batch - 1).ln_() - loss
    }

    fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.v.forward(z_a, z_b, self.eps);
        let (k, n) = self.v.a.shape();
        let (a, b) = (self.v.a.as_slice(), self.v.b.as_slice());
        let inv_tau = T::one() / self.tau;
        let cross = self.cross.as_mut_slice();
        let same = self.same.as_mut_slice();
        tr_mul_rows(cross, b, a, k, |_| 0..n); // cross[j, i] = b_j · a_i
        tr_mul_rows(same, a, a, k, |i| 0..i);
        tr_mul_rows(same, b, b, k, |i| i + 1..n);
        let (sum_a, sum_b) = (self.sum_a.as_mut_slice(), self.sum_b.as_mut_slice());
        let (shift_a, shift_b) = (self.shift_a.as_mut_slice(), self.shift_b.as_mut_slice());
        sum_a.fill(T::zero());
        sum_b.fill(T::zero());
        let n1 = n.max(1);
        for (i, (xc, yc)) in cross.chunks_exact_mut(n1).zip(same.chunks_exact_mut(n1)).enumerate() {
            for x in xc.iter_mut() {
                *x *= inv_tau;
            }
            for y in yc.iter_mut() {
                *y *= inv_tau;
            }
            yc[i] = xc[i];
        }
        self.fixed = self.v.unit() && fixed_shift_ok(inv_tau);
        if self.fixed {
            shift_a.fill(inv_tau);
            shift_b.fill(inv_tau);
            for (i, (xc, yc)) in cross.chunks_exact_mut(n1).zip(same.chunks_exact_mut(n1)).enumerate() {
                for x in xc.iter_mut() {
                    *x = (*x - inv_tau).exp_();
                }
                let pos = yc[i];
                for y in yc.iter_mut() {
                    *y = (*y - inv_tau).exp_();
                }
                yc[i] = pos;
                // Pair (a_i, b_j) counts for anchors a_i and b_j; (a_j, a_i) for a_i and a_j;
                // (b_j, b_i) for b_i and b_j.
                let (upper, lower) = yc.split_at(i);
                let lower = &lower[1..];
                sum_a[i] += lane_sum(xc);
                sum_a[i] += lane_sum(upper);
                for (s, &e) in sum_b.iter_mut().zip(xc.iter()) {
                    *s += e;
                }
                for (s, &e) in sum_a.iter_mut().zip(upper) {
                    *s += e;
                }
                sum_b[i] += lane_sum(lower);
                for (s, &e) in sum_b[i + 1..].iter_mut().zip(lower) {
                    *s += e;
                }
            }
        } else {
            // Each anchor's own maximum, then each pair's exponential once per anchor.
            let low = T::min_value().unwrap_or(-T::max_value().unwrap_or(T::one()));
            shift_a.fill(low);
            shift_b.fill(low);
            for i in 0..n {
                for j in 0..n {
                    let x = cross[i * n + j];
                    shift_a[i] = if x > shift_a[i] { x } else { shift_a[i] };
                    shift_b[j] = if x > shift_b[j] { x } else { shift_b[j] };
                    let y = same[i * n + j];
                    let (m, o) = if j < i { (&mut *shift_a, j) } else { (&mut *shift_b, j) };
                    if j != i {
                        m[i] = if y > m[i] { y } else { m[i] };
                        m[o] = if y > m[o] { y } else { m[o] };
                    }
                }
            }
            for i in 0..n {
                for j in 0..n {
                    let x = cross[i * n + j];
                    sum_a[i] += (x - shift_a[i]).exp_();
                    sum_b[j] += (x - shift_b[j]).exp_();
                    if j != i {
                        let y = same[i * n + j];
                        let (m, s) = if j < i { (&*shift_a, &mut *sum_a) } else { (&*shift_b, &mut *sum_b) };
                        s[i] += (y - m[i]).exp_();
                        s[j] += (y - m[j]).exp_();
                    }
                }
            }
        }
        let mut total = T::zero();
        for (m, s) in [(&*shift_a, &*sum_a), (&*shift_b, &*sum_b)] {
            for i in 0..n {
                total += m[i] + s[i].ln_() - same[i * n + i];
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
        let n = self.v.a.ncols();
        let n1 = n.max(1);
        let scale = T::one() / (T::of_usize(2 * n) * self.tau);
        let two = T::one() + T::one();
        for s in self.sum_a.iter_mut().chain(self.sum_b.iter_mut()) {
            *s = T::one() / *s;
        }
        let (ia, ib) = (self.sum_a.as_slice(), self.sum_b.as_slice());
        let (ma, mb) = (self.shift_a.as_slice(), self.shift_b.as_slice());
        let cross = self.cross.as_mut_slice();
        let same = self.same.as_mut_slice();
        // Gradient weights (G + Gᵀ) of every pair, in place of its exponential (or logit).
        for (i, (xc, yc)) in cross.chunks_exact_mut(n1).zip(same.chunks_exact_mut(n1)).enumerate() {
            let (upper, rest) = yc.split_at_mut(i);
            let lower = &mut rest[1..];
            if self.fixed {
                for (x, &ibj) in xc.iter_mut().zip(ib) {
                    *x = *x * (ia[i] + ibj) * scale;
                }
                for (y, &iaj) in upper.iter_mut().zip(ia) {
                    *y = *y * (ia[i] + iaj) * scale;
                }
                for (y, &ibj) in lower.iter_mut().zip(&ib[i + 1..]) {
                    *y = *y * (ib[i] + ibj) * scale;
                }
            } else {
                let w =
                    |x: T, m1: T, i1: T, m2: T, i2: T| ((x - m1).exp_() * i1 + (x - m2).exp_() * i2) * scale;
                for (j, x) in xc.iter_mut().enumerate() {
                    *x = w(*x, ma[i], ia[i], mb[j], ib[j]);
                }
                for (j, y) in upper.iter_mut().enumerate() {
                    *y = w(*y, ma[i], ia[i], ma[j], ia[j]);
                }
                for (j, y) in lower.iter_mut().enumerate() {
                    let j = j + i + 1;
                    *y = w(*y, mb[i], ib[i], mb[j], ib[j]);
                }
            }
            xc[i] -= two * scale;
        }
        // grad_a[:, i] = Σ_j W[j, i] b_j ;  grad_b[:, j] = Σ_i W[j, i] a_i. Then grad += v V,
        // V the symmetric matrix of one same-view triangle (zero diagonal), read in place.
        grad_a.as_mut_slice().fill(T::zero());
        add_mul(grad_a, &self.v.b, &self.cross);
        grad_b.as_mut_slice().fill(T::zero());
        add_mul_tr(grad_b, &self.v.a, &self.cross);
        add_mul_sym(grad_a, &self.v.a, self.same.as_slice(), true);
        add_mul_sym(grad_b, &self.v.b, self.same.as_slice(), false);
        self.v.backward(grad_a, grad_b, self.eps);
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}
