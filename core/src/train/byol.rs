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
//! Like the contrastive [`Trainer`](super::Trainer), a `Byol` owns its optimizer, learning-rate
//! [`Schedule`] and the augmentation that makes its two [`Views`], and is driven through
//! [`Learner`]. Nothing is allocated after [`Byol::new`] for `Const` sizes: all batches,
//! caches, gradients and optimizer states live in the struct.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::augment::Pipeline;
//! use selfsup_core::encoder::{Bias, Init, Linear};
//! use selfsup_core::optim::Optimizer;
//! use selfsup_core::rng::seeded;
//! use selfsup_core::train::{Learner, byol::Byol};
//! type L = Linear<f64, Const<2>, Const<2>>;
//! let mut rng = seeded(7);
//! let online = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let pred = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let opt = Optimizer::adam(1e-2, 0.0);
//! let aug = Pipeline::reference_ring();
//! let mut byol = Byol::<f64, Const<2>, Const<2>, Const<4>, L, L>::new(
//!     online, pred, opt, aug, (Const, Const, Const), 0.99, 100);
//! assert_eq!(byol.momentum(), 0.99); // τ_0 = τ_base
//! let x = SMatrix::<f64, 2, 4>::new(1.0, 0.0, -1.0, 0.5, 0.0, 1.0, 0.5, -1.0);
//! let loss = byol.step(&x, &mut rng);
//! assert!((0.0..=8.0).contains(&loss));
//! assert_eq!(byol.steps(), 1);
//! ```

use super::{Learner, Schedule, Views};
use crate::augment::Pipeline;
use crate::dims::{Batch, Dims, Mat, zeros};
use crate::encoder::{Ema, Encoder};
use crate::loss::{SymNegCos, Symmetric};
use crate::optim::Optimizer;
use crate::rng::Rng;
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

/// A BYOL learner: online network, predictor, target network, optimizer, augmentation, and
/// every buffer of a step.
pub struct Byol<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B>,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    /// The online network `f_θ` (encoder + projector): trained.
    pub online: F,
    /// The predictor `q_θ`: trained.
    pub predictor: Q,
    /// The target network `f_ξ`: moving average of `online`.
    pub target: F,
    /// Base momentum `τ_base`.
    pub tau_base: T,
    /// Total number of steps `K` of the momentum schedule.
    pub total_steps: usize,
    /// The loss (form [`Symmetric::Byol`] by default).
    pub loss: SymNegCos<T, K, B>,
    /// Optimizer of the online network and the predictor; its learning rate is the base rate
    /// of [`Byol::schedule`].
    pub optimizer: Optimizer<T>,
    /// Learning-rate schedule (constant by default).
    pub schedule: Schedule,
    /// The two views and how they are made.
    pub views: Views<T, D, B>,
    steps: u64,
    grad_online: F,
    grad_pred: Q,
    state_online: F::OptState,
    state_pred: Q::OptState,
    cache_a: F::Cache,
    cache_b: F::Cache,
    cache_t: F::Cache,
    pcache_a: Q::Cache,
    pcache_b: Q::Cache,
    z_a: Mat<T, K, B>,
    z_b: Mat<T, K, B>,
    p_a: Mat<T, K, B>,
    p_b: Mat<T, K, B>,
    t_a: Mat<T, K, B>,
    t_b: Mat<T, K, B>,
    g_a: Mat<T, K, B>,
    g_b: Mat<T, K, B>,
}

impl<T, D, K, B, F, Q> Byol<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B> + Ema<T> + Clone,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    /// A learner whose target starts as a copy of `online`, for inputs of `d` features,
    /// projections of size `k` and batches of `b`, with momentum from `tau_base` to 1 over
    /// `total_steps` steps. The optimizer state starts fresh; the learning-rate schedule is
    /// constant (set [`Byol::schedule`] to change it).
    pub fn new(
        online: F,
        predictor: Q,
        optimizer: Optimizer<T>,
        augment: Pipeline,
        (d, k, b): (D, K, B),
        tau_base: f64,
        total_steps: usize,
    ) -> Self {
        let m = || zeros::<T, K, B>(k, b);
        Self {
            optimizer,
            schedule: Schedule::Constant,
            views: Views::new(augment, d, b),
            target: online.clone(),
            grad_online: online.zeros_like(),
            grad_pred: predictor.zeros_like(),
            state_online: online.new_opt_state(),
            state_pred: predictor.new_opt_state(),
            cache_a: online.new_cache(b),
            cache_b: online.new_cache(b),
            cache_t: online.new_cache(b),
            pcache_a: predictor.new_cache(b),
            pcache_b: predictor.new_cache(b),
            online,
            predictor,
            tau_base: lit(tau_base),
            total_steps,
            steps: 0,
            loss: SymNegCos::new(Symmetric::Byol, k, b),
            z_a: m(),
            z_b: m(),
            p_a: m(),
            p_b: m(),
            t_a: m(),
            t_b: m(),
            g_a: m(),
            g_b: m(),
        }
    }

    /// The momentum `τ` the next step will use.
    pub fn momentum(&self) -> T {
        let step = usize::try_from(self.steps).unwrap_or(usize::MAX);
        momentum_schedule(self.tau_base, step, self.total_steps)
    }

    /// The loss of two views, and its gradients with respect to the online network and the
    /// predictor (available through [`Byol::grads`]); changes no parameter.
    ///
    /// # Panics
    /// If a view is not `D × B` as given to [`Byol::new`] (only possible with `Dyn` sizes).
    pub fn loss_grad(&mut self, x_a: &Batch<T, D, B>, x_b: &Batch<T, D, B>) -> T {
        self.views.set(x_a, x_b);
        self.views_loss_grad()
    }

    /// [`Byol::loss_grad`] of the views in [`Byol::views`].
    fn views_loss_grad(&mut self) -> T {
        let (x_a, x_b) = self.views.pair();
        self.online.forward(x_a, &mut self.z_a, &mut self.cache_a);
        self.online.forward(x_b, &mut self.z_b, &mut self.cache_b);
        self.predictor.forward(&self.z_a, &mut self.p_a, &mut self.pcache_a);
        self.predictor.forward(&self.z_b, &mut self.p_b, &mut self.pcache_b);
        self.target.forward(x_a, &mut self.t_a, &mut self.cache_t);
        self.target.forward(x_b, &mut self.t_b, &mut self.cache_t);
        // The target outputs are constants here: only p gets a gradient.
        let loss =
            self.loss.loss_grad(&self.p_a, &self.p_b, &self.t_a, &self.t_b, &mut self.g_a, &mut self.g_b);
        self.grad_online.clear();
        self.grad_pred.clear();
        // dz = q'ᵀ dp, written over the p buffers (no longer needed).
        self.predictor.backward(
            &self.z_a,
            &mut self.pcache_a,
            &self.g_a,
            &mut self.grad_pred,
            Some(&mut self.p_a),
        );
        self.predictor.backward(
            &self.z_b,
            &mut self.pcache_b,
            &self.g_b,
            &mut self.grad_pred,
            Some(&mut self.p_b),
        );
        self.online.backward(x_a, &mut self.cache_a, &self.p_a, &mut self.grad_online, None);
        self.online.backward(x_b, &mut self.cache_b, &self.p_b, &mut self.grad_online, None);
        loss
    }

    /// The gradients of the last [`Byol::loss_grad`]: `(∂L/∂θ_online, ∂L/∂θ_predictor)`.
    pub fn grads(&self) -> (&F, &Q) {
        (&self.grad_online, &self.grad_pred)
    }

    /// The online projections `(z_a, z_b)` of the last step (for collapse monitoring).
    pub fn projections(&self) -> (&Mat<T, K, B>, &Mat<T, K, B>) {
        (&self.z_a, &self.z_b)
    }

    /// One training step on two given views (no augmentation): loss and gradients, an
    /// optimizer update of the online network and the predictor with the scheduled learning
    /// rate, then the target's moving average with the scheduled `τ`. Returns the loss before
    /// the update.
    ///
    /// # Panics
    /// If a view is not `D × B` as given to [`Byol::new`] (only possible with `Dyn` sizes).
    pub fn step_views(&mut self, x_a: &Batch<T, D, B>, x_b: &Batch<T, D, B>) -> T {
        self.views.set(x_a, x_b);
        self.learn()
    }

    /// Loss, gradients and updates on the views in [`Byol::views`].
    fn learn(&mut self) -> T {
        let loss = self.views_loss_grad();
        let opt = self.schedule.optimizer_at(&self.optimizer, self.steps);
        self.online.apply_update(&opt, &mut self.state_online, &self.grad_online);
        self.predictor.apply_update(&opt, &mut self.state_pred, &self.grad_pred);
        let tau = self.momentum();
        self.target.ema_update(&self.online, tau);
        self.steps += 1;
        loss
    }
}

impl<T, D, K, B, F, Q> Learner<T, D, B> for Byol<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B> + Ema<T> + Clone,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    fn batch_shape(&self) -> (D, B) {
        self.views.shape()
    }

    /// Two augmented views of `x` (view 1 drawn fully before view 2), then
    /// [`Byol::step_views`]' update.
    fn step(&mut self, x: &Batch<T, D, B>, rng: &mut Rng) -> T {
        self.views.draw(x, rng);
        self.learn()
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}
