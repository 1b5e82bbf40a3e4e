//! Symmetric NT-Xent (SimCLR / lightly, see [`NtXent`](super::NtXent)) with streaming
//! log-sum-exp: every anchor (`a_i` and `b_j`) keeps a running maximum and sum, logits are
//! recomputed where needed and never stored, so working memory is `O(B·K)`. NT-Xent's cross
//! block `a_i · b_j` serves two anchors at once: it updates row `i` (anchor `a_i`) and column
//! `j` (anchor `b_j`) in the same sweep. Agreement with the dense form and costs: see
//! [`streaming`](super::streaming).
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

use super::lse::{LseMode, axpy, col, lowest, online_push, raise, weight};
use super::streaming::{Streaming, StreamingForm};
use crate::Real;
use crate::dims::{Vector, zeros};
use crate::kernels::dot;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, U1};

/// Symmetric NT-Xent with streaming log-sum-exp over rows (anchors `a_i`) and columns
/// (anchors `b_j`): `O(B·K)` working memory.
pub type StreamingNtXent<T, K, B> = Streaming<T, K, B, BothDirections<T, B>>;

/// The symmetric form's state: the maximum and sum of every anchor `a_i` (`ma`, `sa`) and
/// `b_j` (`mb`, `sb`).
#[derive(Clone, Debug)]
pub struct BothDirections<T: Real, B: Dim>
where
    DefaultAllocator: Allocator<B>,
{
    ma: Vector<T, B>,
    sa: Vector<T, B>,
    mb: Vector<T, B>,
    sb: Vector<T, B>,
}

impl<T: Real, B: Dim> StreamingForm<T, B> for BothDirections<T, B>
where
    DefaultAllocator: Allocator<B>,
{
    const NAME: &'static str = "streaming NT-Xent";

    fn new(b: B) -> Self {
        Self { ma: zeros(b, U1), sa: zeros(b, U1), mb: zeros(b, U1), sb: zeros(b, U1) }
    }

    fn forward(&mut self, a: &[T], b: &[T], k: usize, tau: T, mode: LseMode, _unit: bool) -> T {
        let n = self.ma.len();
        let inv_tau = T::one() / tau;
        let (ma, sa) = (self.ma.as_mut_slice(), self.sa.as_mut_slice());
        let (mb, sb) = (self.mb.as_mut_slice(), self.sb.as_mut_slice());
        ma.fill(lowest());
        mb.fill(lowest());
        sa.fill(T::zero());
        sb.fill(T::zero());
        let logit = |x: &[T], i: usize, y: &[T], j: usize| dot(col(x, k, i), col(y, k, j)) * inv_tau;
        match mode {
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
                        raise(&mut ma[i], x);
                        raise(&mut mb[j], x);
                    }
                }
                for (v, m) in [(a, &mut *ma), (b, &mut *mb)] {
                    for i in 0..n {
                        for j in (0..n).filter(|&j| j != i) {
                            raise(&mut m[i], logit(v, i, v, j));
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

    fn backward(&self, a: &[T], b: &[T], k: usize, tau: T, ga: &mut [T], gb: &mut [T]) {
        let n = self.ma.len();
        let inv_tau = T::one() / tau;
        let scale = T::one() / (T::of_usize(2 * n) * tau);
        let (ma, mb) = (self.ma.as_slice(), self.mb.as_slice());
        let (sa, sb) = (self.sa.as_slice(), self.sb.as_slice());
        ga.fill(T::zero());
        gb.fill(T::zero());
        let logit = |x: &[T], i: usize, y: &[T], j: usize| dot(col(x, k, i), col(y, k, j)) * inv_tau;
        // The weight of candidate logit `x` for the anchor with maximum `m` and sum `s`.
        let w = |x: T, m: T, s: T, positive: bool| weight(x, m, T::one() / s, positive, scale);
        // Cross pairs (a_i, b_j) couple anchor a_i (candidate b_j) and anchor b_j (candidate a_i).
        for i in 0..n {
            for j in 0..n {
                let x = logit(a, i, b, j);
                let h = w(x, ma[i], sa[i], i == j) + w(x, mb[j], sb[j], i == j);
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
                        w(x, m[i], s[i], false) + w(x, m[j], s[j], false)
                    };
                    axpy(&mut g[i * k..(i + 1) * k], h, col(v, k, j));
                }
            }
        }
    }
}
