//! The two sweeps of one-directional InfoNCE with streaming log-sum-exp, shared by
//! [`StreamingInfoNce`](super::StreamingInfoNce) and [`InfoNceQueue`](super::InfoNceQueue):
//! the normalizer sweep ([`onedir_forward`]: each anchor's maximum and sum, in either
//! [`LseMode`]) and the gradient sweep ([`onedir_backward`]: `p = exp(s − m) / σ`,
//! `G = (p − δ_pos) · scale`, accumulated straight into both views' gradients). Logits are
//! recomputed (one `K`-long dot product each) and never stored. See
//! [`streaming`](super::streaming) for the formulas and costs.

// Pair sweeps index two anchors' state by `i` and `j` at once; index loops say it plainly.
#![allow(clippy::needless_range_loop)]

use super::LaneSum;
use super::fixed_shift_ok;
use super::lse::{LseMode, axpy, col, lowest, online_push, raise, weight};
use crate::Real;
use crate::kernels::dot;

/// Forward sweep(s) of the one-directional loss with `n` anchors `a_i` (columns of `a`),
/// candidates `b_0 … b_{n−1}` (positive: `b_i`) and then the `extra` negatives (columns of
/// `extra`, e.g. a MoCo queue). Fills each anchor's maximum `m[i]` and sum `s[i]`; returns
/// `Σ_i (m_i + ln σ_i − s_ii)` (not yet divided by `n`). `unit`: the columns are unit vectors,
/// so [`LseMode::TwoPass`] may take the fixed shift `1/τ`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn onedir_forward<T: Real>(
    a: &[T],
    b: &[T],
    extra: &[T],
    k: usize,
    inv_tau: T,
    mode: LseMode,
    unit: bool,
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
                if unit && fixed_shift_ok(inv_tau) {
                    mi = inv_tau;
                } else {
                    for j in 0..n + n_extra {
                        raise(&mut mi, logit(j));
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
            let g = weight(dot(ai, bj) * inv_tau, mi, inv, i == j, scale);
            axpy(gai, g, bj);
            axpy(&mut gb[j * k..(j + 1) * k], g, ai);
        }
        for q in 0..n_extra {
            let nq = col(extra, k, q);
            let g = weight(dot(ai, nq) * inv_tau, mi, inv, false, scale);
            axpy(&mut ga[i * k..(i + 1) * k], g, nq);
        }
    }
}
