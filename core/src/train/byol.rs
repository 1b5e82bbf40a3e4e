//! BYOL, "Bootstrap Your Own Latent" (Grill et al., 2020): an online network learns to
//! predict a slowly moving target network's projection of another view; no negatives.
//!
//! Networks: the **online** network `f_θ` (encoder and projection head, usually a
//! [`WithHead`](crate::encoder::WithHead)) with a **predictor** `q_θ`, and the **target**
//! network `f_ξ` of the same shape. For two views `x_a`, `x_b` of a batch:
//!
//! `p_a = q_θ(f_θ(x_a))`, `p_b = q_θ(f_θ(x_b))`, `t_a = f_ξ(x_a)`, `t_b = f_ξ(x_b)`,
//!
//! `L = mean_i (2 − 2 cos(p_a,i, sg t_b,i)) + mean_i (2 − 2 cos(p_b,i, sg t_a,i))`
//!
//! (the paper's eq. 2 symmetrized, [`Symmetric::Byol`]; `sg` = stop-gradient: the target
//! gets no gradient). Only `θ` is trained; after each optimizer step the target follows by
//! exponential moving average, `ξ ← τ ξ + (1 − τ) θ`, with the cosine momentum schedule
//!
//! `τ_k = 1 − (1 − τ_base) (cos(π k / K) + 1) / 2`   (`k` = step, `K` = total steps),
//!
//! rising from `τ_base` to 1 (paper §3.2).
//!
//! Defaults and their source:
//! - `τ_base = 0.99` ([`TAU_BASE`]): DeepMind's BYOL configuration for short (≤ 300 epoch)
//!   schedules, which lightly's benchmark `benchmarks/imagenet/resnet50/byol.py` adopts
//!   (`cosine_schedule(step, max_steps, 0.99, 1.0)`); the paper's 0.996 is for 1000 epochs
//!   with batch 4096. Our runs are a few thousand steps, so the faster-moving target is the
//!   right end of that range.
//! - Loss form: the paper's `2 − 2 cos` ([`Symmetric::Byol`]). lightly's benchmark computes
//!   `2·negcos(t_a, p_b) + 2·negcos(t_b, p_a)`, the same up to the constant 4; lightly's
//!   examples use `½ [negcos + negcos]` ([`Symmetric::Lightly`]), `(L − 4) / 4`: the
//!   gradient differs by a factor of 4 only, which Adam ignores.
//! - Predictor: an MLP `K → H → K` like the projector (paper: 256 → 4096 → 256). For small
//!   `K` the probe uses `H = max(2K, 32)`; see the probe's documentation.
//!
//! A BYOL learner is a [`Siamese`] made by [`Siamese::byol`], whose target is a
//! [`MovingTarget`].
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::augment::Pipeline;
//! use selfsup_core::encoder::{Bias, Init, Linear};
//! use selfsup_core::optim::Optimizer;
//! use selfsup_core::rng::seeded;
//! use selfsup_core::train::{Learner, Siamese};
//! type L = Linear<f64, Const<2>, Const<2>>;
//! let mut rng = seeded(7);
//! let online = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let pred = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let opt = Optimizer::adam(1e-2, 0.0);
//! let aug = Pipeline::reference_ring();
//! let mut byol = Siamese::<f64, Const<2>, Const<2>, Const<4>, L, L>::byol(
//!     online, pred, opt, aug, (Const, Const, Const), 0.99, 100);
//! assert_eq!(byol.momentum(), Some(0.99)); // τ_0 = τ_base
//! let x = SMatrix::<f64, 2, 4>::new(1.0, 0.0, -1.0, 0.5, 0.0, 1.0, 0.5, -1.0);
//! let loss = byol.step(&x, &mut rng);
//! assert!((0.0..=8.0).contains(&loss));
//! assert_eq!(byol.steps(), 1);
//! ```

#[cfg(doc)]
use super::Siamese;
use crate::dims::{Dims, Mat};
use crate::encoder::Encoder;
#[cfg(doc)]
use crate::loss::Symmetric;
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim};

/// Default base momentum of the target network (DeepMind's short-schedule value, lightly's
/// benchmark).
pub const TAU_BASE: f64 = 0.99;

/// BYOL's cosine momentum schedule: `τ_k = 1 − (1 − τ_base)(cos(πk/K) + 1)/2`, `k` clamped to
/// `K` (so `τ = 1` after the last step).
pub fn momentum_schedule<T: Real>(tau_base: T, step: usize, total: usize) -> T {
    if total == 0 {
        return T::one();
    }
    let frac = T::of_usize(step.min(total)) / T::of_usize(total);
    let c = (T::pi() * frac).cos_();
    T::one() - (T::one() - tau_base) * (c + T::one()) * lit(0.5)
}

/// BYOL's target network `f_ξ`, the moving average of the online network, with its momentum
/// schedule and the buffers of its forward passes.
pub struct MovingTarget<T, D, K, B, F>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B>,
    DefaultAllocator: Dims<K, D, B>,
{
    /// The target network `f_ξ`: moving average of the online network.
    pub net: F,
    /// Base momentum `τ_base`.
    pub tau_base: T,
    /// Total number of steps `K` of the momentum schedule.
    pub total_steps: usize,
    pub(super) cache: F::Cache,
    pub(super) t_a: Mat<T, K, B>,
    pub(super) t_b: Mat<T, K, B>,
}
