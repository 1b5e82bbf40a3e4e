//! Both InfoNCE forms without the `B × B` logit matrix: log-sum-exp computed **streaming**,
//! anchor by anchor, so a training step's working memory is `O(B·K)` instead of `O(B²)`.
//!
//! The losses are exactly those of [`InfoNce`](super::InfoNce) (one-directional, the reference program's
//! form) and [`NtXent`](super::NtXent) (symmetric, SimCLR / lightly); see there for the
//! formulas. What changes is the evaluation order. With `a_i`, `b_j` the normalized embeddings
//! and `s_ij = a_i · b_j / τ`, each anchor keeps only a running maximum `m` and a running sum
//! `σ = Σ exp(s − m)`; logits are recomputed when needed (one `K`-long dot product each) and
//! never stored:
//!
//! 1. **Normalizer sweep** over all pairs. In [`LseMode::Online`] (the default; Milakov &
//!    Gimelshein, 2018, "Online normalizer calculation for softmax") one sweep updates, for
//!    every logit `x`, `if x > m { σ ← σ·exp(m − x) + 1; m ← x } else { σ ← σ + exp(x − m) }`.
//!    NT-Xent's cross block `a_i · b_j` serves two anchors at once: it updates row `i` (anchor
//!    `a_i`) and column `j` (anchor `b_j`) in the same sweep. [`LseMode::TwoPass`] takes one
//!    sweep for the maxima and one for the sums, as the dense code does.
//! 2. **Gradient sweep**: `p = exp(s − m) / σ`, `G = (p − δ_pos) / (N τ)` (`N = B` or `2B`
//!    rows), accumulated straight into `∂L/∂a_i += G b_j` and `∂L/∂b_j += G a_i`, then back
//!    through the L2 normalization ([`crate::normalize`]).
//!
//! Working memory: the normalized `a`, `b` (`K × B` each) and six length-`B` vectors. For the
//! ring configuration (`K = 2`, `B = 64`, `f32`) that is 2.5 KiB where the dense forms keep
//! a 16 KiB (InfoNCE) or 64 KiB (NT-Xent) logit matrix: it is what lets `B = 64` train in the
//! 16 KiB of RAM of a Cortex-M0.
//!
//! **Agreement with the dense forms.** [`LseMode::TwoPass`] reproduces the dense
//! one-directional loss and gradients **bit for bit** (the same shift, every sum taken in the
//! same eight-lane order, the same operations on each logit). The dense NT-Xent is fused over
//! its symmetric similarity matrix (each exponential computed once, with its own summation
//! order), so both streaming modes agree with it to a few ulps, as [`LseMode::Online`] does
//! with both dense forms (each rescale `σ·exp(m − x)` rounds once); tested: within `1e-6`
//! relative in `f32`. Either mode gives the same bits on every target, since both run the same
//! generic code.
//!
//! Cost: memory is traded for arithmetic. The online mode computes each logit twice (two
//! `K`-long dot products and two `exp` per pair), the two-pass mode three times (but only two
//! `exp`); the dense forms once, and store them. NT-Xent's same-view gradient evaluates both
//! directions of every pair where it is visited, to keep the dense form's summation order.
//! Measured `loss_grad`, `f32`, `Dyn`, best of 30 × 20 calls on the shared 2-core x86_64 build
//! host (release profile): `K = 2, B = 64` — InfoNCE dense 37 µs, online 82 µs, two-pass
//! 86 µs; NT-Xent dense 126 µs, online 548 µs, two-pass 570 µs. `K = 16, B = 256` — InfoNCE
//! dense 1.4 ms, online 5.2 ms, two-pass 3.0 ms; NT-Xent dense 4.6 ms, streaming 13.5 ms. (The
//! online sweep's data-dependent rescale branch and serial sum make it slower than two passes
//! at larger sizes.) Use the streaming forms where the `B × B` matrix does not fit.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{InfoNce, PairLoss, StreamingInfoNce};
//! let za = SMatrix::<f64, 2, 3>::new(1.0, 0.0, -1.0, 0.2, 1.0, 0.1);
//! let zb = SMatrix::<f64, 2, 3>::new(0.9, 0.1, -1.0, 0.3, 1.0, 0.0);
//! let mut dense = InfoNce::<f64, Const<2>, Const<3>>::new(0.2, Const, Const).unwrap();
//! let mut streaming = StreamingInfoNce::<f64, Const<2>, Const<3>>::new(0.2, Const, Const).unwrap();
//! let (l_dense, l_stream) = (dense.loss(&za, &zb), streaming.loss(&za, &zb));
//! assert!((l_dense - l_stream).abs() < 1e-14 * l_dense);
//! ```

// Pair sweeps index two anchors' state by `i` and `j` at once; index loops say it plainly.
#![allow(clippy::needless_range_loop)]

use super::{LaneSum, LossError, PairLoss, checks, fixed_shift_ok};
use crate::dims::{Batch, EmbedDims, Vector, zeros};
use crate::kernels::dot;
use crate::normalize::{NORM_EPS, NormalizedPair};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U1};

/// How the streaming losses compute each anchor's log-sum-exp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LseMode {
    /// One sweep with a running maximum and a rescaled running sum (fewest logit evaluations).
    #[default]
    Online,
    /// A sweep for the maxima, then a sweep for the sums: bit-identical to the dense losses.
    TwoPass,
}

/// The most negative finite value: the running maximum before any logit.
#[inline(always)]
pub(crate) fn lowest<T: Real>() -> T {
    T::min_value().unwrap_or(-T::max_value().unwrap_or(T::one()))
}

/// One step of the online normalizer: adds `exp(x)` to `exp(m) · σ`, keeping `m` the maximum.
#[inline(always)]
pub(crate) fn online_push<T: Real>(m: &mut T, s: &mut T, x: T) {
    if x > *m {
        *s = *s * (*m - x).exp_() + T::one();
        *m = x;
    } else {
        *s += (x - *m).exp_();
    }
}

/// Column `j` of a column-major slice with `k` rows.
#[inline(always)]
pub(crate) fn col<T>(m: &[T], k: usize, j: usize) -> &[T] {
    &m[j * k..(j + 1) * k]
}

/// `y += α x` (the same operation order as [`crate::kernels`]).
#[inline(always)]
pub(crate) fn axpy<T: Real>(y: &mut [T], alpha: T, x: &[T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// Forward sweep(s) of the one-directional loss with `n` anchors `a_i` (columns of `a`),
/// candidates `b_0 … b_{n−1}` (positive: `b_i`) and then the `extra` negatives (columns of
/// `extra`, e.g. a MoCo queue). Fills each anchor's maximum `m[i]` and sum `s[i]`; returns
/// `Σ_i (m_i + ln σ_i − s_ii)` (not yet divided by `n`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn onedir_forward<T: Real>(
    a: &[T],
    b: &[T],
    extra: &[T],
    k: usize,
    inv_tau: T,
    mode: LseMode,
    m: &mut [T],
    s: &mut [T],
) -> T {
    let n = m.len();
    let n_extra = extra.len().checked_div(k).unwrap_or(0);
    let mut total = T::zero();
    for i in 0..n {
        let ai = col(a, k, i);
        let logit = |j: usize| {
            let c = if j < n { col(b, k, j) } else { col(extra, k, j - n) };
            dot(ai, c) * inv_tau
        };
        let (mut mi, mut si) = (lowest::<T>(), T::zero());
        match mode {
            LseMode::Online => {
                for j in 0..n + n_extra {
                    online_push(&mut mi, &mut si, logit(j));
                }
            }
            LseMode::TwoPass => {
                if fixed_shift_ok(inv_tau) {
                    mi = inv_tau;
                } else {
                    for j in 0..n + n_extra {
                        let x = logit(j);
                        if x > mi {
                            mi = x;
                        }
                    }
                }
                let mut sum = LaneSum::new();
                for j in 0..n + n_extra {
                    sum.push((logit(j) - mi).exp_());
                }
                si = sum.sum();
            }
        }
        m[i] = mi;
        s[i] = si;
        total += mi + si.ln_() - logit(i);
    }
    total
}

/// Gradient sweep of the one-directional loss: `ga[:, i] = Σ_j G_ij c_j` over the batch and
/// the extra negatives, `gb[:, j] = Σ_i G_ij a_i` over the batch (extra negatives are
/// detached), with `G_ij = (exp(s_ij − m_i)/σ_i − δ_ij) · scale`. Overwrites `ga`, `gb`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn onedir_backward<T: Real>(
    a: &[T],
    b: &[T],
    extra: &[T],
    k: usize,
    inv_tau: T,
    scale: T,
    m: &[T],
    s: &[T],
    ga: &mut [T],
    gb: &mut [T],
) {
    let n = m.len();
    let n_extra = extra.len().checked_div(k).unwrap_or(0);
    ga.fill(T::zero());
    gb.fill(T::zero());
    for i in 0..n {
        let ai = col(a, k, i);
        let (mi, inv) = (m[i], T::one() / s[i]);
        let gai = &mut ga[i * k..(i + 1) * k];
        for j in 0..n {
            let bj = col(b, k, j);
            let mut p = (dot(ai, bj) * inv_tau - mi).exp_() * inv;
            if i == j {
                p -= T::one();
            }
            let g = p * scale;
            axpy(gai, g, bj);
            axpy(&mut gb[j * k..(j + 1) * k], g, ai);
        }
        for q in 0..n_extra {
            let nq = col(extra, k, q);
            let g = (dot(ai, nq) * inv_tau - mi).exp_() * inv * scale;
            axpy(&mut ga[i * k..(i + 1) * k], g, nq);
        }
    }
}

/// One-directional InfoNCE (the reference program's form, see [`InfoNce`](super::InfoNce)) with streaming
/// log-sum-exp: `O(B·K)` working memory.
#[derive(Clone, Debug)]
pub struct StreamingInfoNce<T: Real, K: Dim, B: Dim>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// Temperature `τ` (default in the reference program: 0.2).
    pub tau: T,
    /// Norm guard of the L2 normalization ([`NORM_EPS`] by default).
    pub eps: T,
    /// How the log-sum-exp is computed ([`LseMode::Online`] by default).
    pub mode: LseMode,
    v: NormalizedPair<T, K, B>,
    m: Vector<T, B>,
    s: Vector<T, B>,
}

impl<T: Real, K: Dim, B: Dim> StreamingInfoNce<T, K, B>
where
    DefaultAllocator: EmbedDims<K, B>,
{
    /// A loss for embeddings of size `k` in batches of `b`, temperature `tau`, online mode.
    ///
    /// # Errors
    /// [`LossError`] unless `k ≥ 1`, `b ≥ 2` (fewer has no negatives: the loss would be a constant) and `tau` is finite and
    /// `> 0`.
    pub fn new(tau: f64, k: K, b: B) -> Result<Self, LossError> {
        checks::sizes("streaming InfoNCE", k.value(), b.value(), 2)?;
        Ok(Self {
            tau: lit(checks::temperature("streaming InfoNCE", tau)?),
            eps: lit(NORM_EPS),
            mode: LseMode::Online,
            v: NormalizedPair::new(k, b),
            m: zeros(b, U1),
            s: zeros(b, U1),
        })
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
        let total = onedir_forward(
            self.v.a.as_slice(),
            self.v.b.as_slice(),
            &[],
            k,
            inv_tau,
            self.mode,
            self.m.as_mut_slice(),
            self.s.as_mut_slice(),
        );
        total / T::of_usize(n)
    }
}

impl<T: Real, K: Dim, B: Dim> PairLoss<T, K, B> for StreamingInfoNce<T, K, B>
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
        let scale = T::one() / (T::of_usize(n) * self.tau);
        onedir_backward(
            self.v.a.as_slice(),
            self.v.b.as_slice(),
            &[],
            k,
            inv_tau,
            scale,
            self.m.as_slice(),
            self.s.as_slice(),
            grad_a.as_mut_slice(),
            grad_b.as_mut_slice(),
        );
        self.v.backward(grad_a, grad_b, self.eps);
        loss
    }

    fn loss(&mut self, z_a: &Batch<T, K, B>, z_b: &Batch<T, K, B>) -> T {
        self.forward(z_a, z_b)
    }
}

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
