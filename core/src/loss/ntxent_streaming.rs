//! Symmetric NT-Xent (SimCLR / lightly, see [`NtXent`](super::NtXent)) with streaming
//! log-sum-exp: every anchor (`a_i` and `b_j`) keeps a running maximum and sum, logits are
//! recomputed where needed and never stored, so working memory is `O(B·K)`. NT-Xent's cross
//! block `a_i · b_j` serves two anchors at once: it updates row `i` (anchor `a_i`) and column
//! `j` (anchor `b_j`) in the same sweep. Agreement with the dense form and costs: see
//! [`infonce_streaming`](super::infonce_streaming).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{NtXent, PairLoss, StreamingNtXent};
//! let za = SMatrix::<f64, 2, 3>::new(1.0, 0.0, -1.0, 0.2, 1.0, 0.1);
//! let zb = SMatrix::<f64, 2, 3>::new(0.9, 0.1, -1.0, 0.3, 1.0, 0.0);
//! let mut dense = NtXent::<f64, Const<2>, Const<3>>::new(0.5, Const, Const).unwrap();
//! let mut streaming = StreamingNtXent::<f64, Const<2>, Const<3>>::new(0.5, Const, Const).unwrap();
//! let (l_dense, l_stream) = (dense.loss(&za, &zb), streaming.loss(&za, &zb));
//! assert!((l_dense - l_stream).abs() < 1e-14 * l_dense);
//! ```

// Pair sweeps index two anchors' state by `i` and `j` at once; index loops say it plainly.
#![allow(clippy::needless_range_loop)]

use super::lse::{LseMode, axpy, col, lowest, online_push};
use super::{LossError, PairLoss, checks};
use crate::dims::{Batch, EmbedDims, Vector, zeros};
use crate::kernels::dot;
use crate::normalize::{NORM_EPS, Normalization, NormalizedPair};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U1};

/// Symmetric NT-Xent (SimCLR / lightly, see [`NtXent`](super::NtXent)) with streaming
/// log-sum-exp over rows (anchors `a_i`) and columns (anchors `b_j`): `O(B·K)` working memory.
#[derive(Clone, Debug)]
pub struct StreamingNtXent<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Temperature `τ` (lightly's default: 0.5).
    pub tau: T,
    /// Norm guard of the L2 normalization ([`NORM_EPS`] by default).
    pub eps: T,
    /// How the log-sum-exp is computed ([`LseMode::Online`] by default).
    pub mode: LseMode,
    v: NormalizedPair<T, K, B>,
    ma: Vector<T, B>,
    sa: Vector<T, B>,
    mb: Vector<T, B>,
    sb: Vector<T, B>,
}

impl<T: Real, K: Dim, B: Dim> StreamingNtXent<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss for embeddings of size `k` in batches of `b` (`2b` anchors), temperature `tau`,
    /// online mode.
    ///
    /// # Errors
    /// [`LossError`] unless `k ≥ 1`, `b ≥ 2` (fewer has no negatives: the loss would be a constant) and `tau` is finite and
    /// `> 0`.
    pub fn new(tau: f64, k: K, b: B) -> Result<Self, LossError> {
        checks::sizes("streaming NT-Xent", k.value(), b.value(), 2)?;
        Ok(Self {
            tau: lit(checks::temperature("streaming NT-Xent", tau)?),
            eps: lit(NORM_EPS),
            mode: LseMode::Online,
            v: NormalizedPair::new(k, b),
            ma: zeros(b, U1),
            sa: zeros(b, U1),
            mb: zeros(b, U1),
            sb: zeros(b, U1),
        })
    }

    /// The same loss on L2-normalized embeddings (the default) or on the embeddings as they
    /// are ([`Normalization::None`]).
    pub fn with_normalization(mut self, mode: Normalization) -> Self {
        self.v.mode = mode;
        self
    }

    /// The same loss with another [`LseMode`].
    pub fn with_mode(mut self, mode: LseMode) -> Self {
        self.mode = mode;
        self
    }

    fn forward(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.v.forward(z_a, z_b, self.eps);
        let (k, n) = self.v.a.shape();
        let inv_tau = T::one() / self.tau;
        let (a, b) = (self.v.a.as_slice(), self.v.b.as_slice());
        let (ma, sa) = (self.ma.as_mut_slice(), self.sa.as_mut_slice());
        let (mb, sb) = (self.mb.as_mut_slice(), self.sb.as_mut_slice());
        ma.fill(lowest());
        mb.fill(lowest());
        sa.fill(T::zero());
        sb.fill(T::zero());
        let logit = |x: &[T], i: usize, y: &[T], j: usize| dot(col(x, k, i), col(y, k, j)) * inv_tau;
        match self.mode {
            LseMode::Online => {
                for i in 0..n {
                    for j in 0..n {
                        let x = logit(a, i, b, j); // row i of a·bᵀ, column j of it for b_j
                        online_push(&mut ma[i], &mut sa[i], x);
                        online_push(&mut mb[j], &mut sb[j], x);
                    }
                }
                for (v, m, s) in [(a, &mut *ma, &mut *sa), (b, &mut *mb, &mut *sb)] {
                    for i in 0..n {
                        for j in (0..n).filter(|&j| j != i) {
                            online_push(&mut m[i], &mut s[i], logit(v, i, v, j));
                        }
                    }
                }
            }
            LseMode::TwoPass => {
                // Maxima: anchor a_i over (a_i·b_j, a_i·a_j≠i), anchor b_j over (a_i·b_j, b_j·b_i≠j).
                for i in 0..n {
                    for j in 0..n {
                        let x = logit(a, i, b, j);
                        if x > ma[i] {
                            ma[i] = x;
                        }
                        if x > mb[j] {
                            mb[j] = x;
                        }
                    }
                }
                for (v, m) in [(a, &mut *ma), (b, &mut *mb)] {
                    for i in 0..n {
                        for j in (0..n).filter(|&j| j != i) {
                            let x = logit(v, i, v, j);
                            if x > m[i] {
                                m[i] = x;
                            }
                        }
                    }
                }
                // Sums: the cross block's, then the same-view block's, added (as the dense form).
                for i in 0..n {
                    for j in 0..n {
                        let x = logit(a, i, b, j);
                        sa[i] += (x - ma[i]).exp_();
                        sb[j] += (x - mb[j]).exp_();
                    }
                }
                for (v, m, s) in [(a, &*ma, &mut *sa), (b, &*mb, &mut *sb)] {
                    for i in 0..n {
                        let mut same = T::zero();
                        for j in (0..n).filter(|&j| j != i) {
                            same += (logit(v, i, v, j) - m[i]).exp_();
                        }
                        s[i] += same;
                    }
                }
            }
        }
        let mut total = T::zero();
        for (m, s) in [(&*ma, &*sa), (&*mb, &*sb)] {
            for i in 0..n {
                total += m[i] + s[i].ln_() - logit(a, i, b, i);
            }
        }
        total / T::of_usize(2 * n)
    }
}

impl<T: Real, K: Dim, B: Dim> PairLoss<T, K, B> for StreamingNtXent<T, K, B>
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
        let (k, n) = self.v.a.shape();
        let inv_tau = T::one() / self.tau;
        let scale = T::one() / (T::of_usize(2 * n) * self.tau);
        let (a, b) = (self.v.a.as_slice(), self.v.b.as_slice());
        let (ma, mb) = (self.ma.as_slice(), self.mb.as_slice());
        let (sa, sb) = (self.sa.as_slice(), self.sb.as_slice());
        let (ga, gb) = (grad_a.as_mut_slice(), grad_b.as_mut_slice());
        ga.fill(T::zero());
        gb.fill(T::zero());
        let logit = |x: &[T], i: usize, y: &[T], j: usize| dot(col(x, k, i), col(y, k, j)) * inv_tau;
        // Softmax weight of candidate logit `x` for an anchor with maximum `m` and sum `s`,
        // minus 1 at the positive, times the mean's and the temperature's factor.
        let weight = |x: T, m: T, s: T, positive: bool| {
            let mut p = (x - m).exp_() * (T::one() / s);
            if positive {
                p -= T::one();
            }
            p * scale
        };
        // Cross pairs (a_i, b_j) couple anchor a_i (candidate b_j) and anchor b_j (candidate a_i).
        for i in 0..n {
            for j in 0..n {
                let x = logit(a, i, b, j);
                let h = weight(x, ma[i], sa[i], i == j) + weight(x, mb[j], sb[j], i == j);
                axpy(&mut ga[i * k..(i + 1) * k], h, col(b, k, j));
                axpy(&mut gb[j * k..(j + 1) * k], h, col(a, k, i));
            }
        }
        // Same-view pairs act in both directions: anchor v_i's weight of v_j plus v_j's of v_i.
        for (v, m, s, g) in [(a, ma, sa, &mut *ga), (b, mb, sb, &mut *gb)] {
            for i in 0..n {
                for j in 0..n {
                    let h = if i == j {
                        T::zero()
                    } else {
                        let x = logit(v, i, v, j);
                        weight(x, m[i], s[i], false) + weight(x, m[j], s[j], false)
                    };
                    axpy(&mut g[i * k..(i + 1) * k], h, col(v, k, j));
                }
            }
        }
        self.v.backward(grad_a, grad_b, self.eps);
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}
