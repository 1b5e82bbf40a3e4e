//! [`Siamese`]: the one learner of the predictor methods, BYOL ([`byol`](super::byol)) and
//! SimSiam ([`simsiam`](super::simsiam)). SimSiam is "BYOL without the target network" (Chen &
//! He, 2021, §5), so one step serves both; they differ only in where the loss's targets come
//! from ([`Target`]) and in the loss's constant form ([`Symmetric`]).
//!
//! A step on two views `x_a`, `x_b`, with the network `f` (encoder + projector) and the
//! predictor `q`:
//!
//! 1. `z_a = f(x_a)`, `z_b = f(x_b)`; `p_a = q(z_a)`, `p_b = q(z_b)` (or `p = z` with
//!    [`Prediction::Off`]);
//! 2. targets `t_a`, `t_b`: the moving-average network's `f_ξ(x_a)`, `f_ξ(x_b)` (BYOL,
//!    [`Target::Moving`]) or the projections `z_a`, `z_b` themselves (SimSiam,
//!    [`Target::Online`]);
//! 3. `L = SymNegCos(p_a, p_b; sg t_a, sg t_b)` and its gradient, back through `q` and `f`
//!    (with [`StopGradient::Off`] also through the targets `z`);
//! 4. one optimizer update of `f` and `q` (of `f` only without prediction) with the scheduled
//!    learning rate, then, for BYOL, `ξ ← τ ξ + (1 − τ) θ` with the scheduled momentum.
//!
//! Like the contrastive [`Trainer`](super::Trainer), a `Siamese` owns its optimizer,
//! learning-rate [`Schedule`] and the augmentation that makes its two [`Views`], and is driven
//! through [`Learner`]. Nothing is allocated after its constructor for `Const` sizes: all
//! batches, caches, gradients and optimizer states live in the struct.
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
//! let f = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let q = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let opt = Optimizer::adam(1e-2, 0.0);
//! let mut s = Siamese::<f64, Const<2>, Const<2>, Const<4>, L, L>::simsiam(
//!     f, q, opt, Pipeline::reference_ring(), (Const, Const, Const));
//! assert_eq!(s.momentum(), None); // no target network
//! let x = SMatrix::<f64, 2, 4>::new(1.0, 0.0, -1.0, 0.5, 0.0, 1.0, 0.5, -1.0);
//! assert!((-1.0..=1.0).contains(&s.step(&x, &mut rng)));
//! ```

use super::byol::{MovingTarget, momentum_schedule};
use super::simsiam::{Prediction, StopGradient};
use super::{Learner, Schedule, Views};
use crate::augment::Pipeline;
use crate::dims::{Batch, Dims, Mat, zeros};
use crate::encoder::{Ema, Encoder};
use crate::loss::{SymNegCos, Symmetric};
use crate::optim::Optimizer;
use crate::rng::Rng;
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim};

/// Where the targets of the prediction loss come from.
#[derive(Clone, Debug)]
pub enum Target<M> {
    /// The network's own projections `z` (SimSiam), with or without the stop-gradient.
    Online(StopGradient),
    /// A moving-average copy of the network (BYOL): it gets no gradient.
    Moving(M),
}

/// A predictor learner (BYOL or SimSiam): network, predictor, target, optimizer,
/// augmentation, and every buffer of a step.
pub struct Siamese<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B>,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    /// The network `f_θ` (encoder + projector; BYOL's online network): trained.
    pub net: F,
    /// The predictor `q_θ`: trained while [`Siamese::prediction`] is on.
    pub predictor: Q,
    /// Where the targets come from: the projections (SimSiam) or a moving average (BYOL).
    pub target: Target<MovingTarget<T, D, K, B, F>>,
    /// Apply the predictor ([`Prediction::On`]: both papers).
    pub prediction: Prediction,
    /// The loss ([`Symmetric::Byol`] for BYOL, [`Symmetric::Lightly`] for SimSiam).
    pub loss: SymNegCos<T, K, B>,
    /// Optimizer of the network and the predictor; its learning rate is the base rate of
    /// [`Siamese::schedule`].
    pub optimizer: Optimizer<T>,
    /// Learning-rate schedule (constant by default).
    pub schedule: Schedule,
    /// The two views and how they are made.
    pub views: Views<T, D, B>,
    steps: u64,
    grad_net: F,
    grad_pred: Q,
    state_net: F::OptState,
    state_pred: Q::OptState,
    cache_a: F::Cache,
    cache_b: F::Cache,
    pcache_a: Q::Cache,
    pcache_b: Q::Cache,
    z_a: Mat<T, K, B>,
    z_b: Mat<T, K, B>,
    p_a: Mat<T, K, B>,
    p_b: Mat<T, K, B>,
    g_a: Mat<T, K, B>,
    g_b: Mat<T, K, B>,
}

impl<T, D, K, B, F, Q> Siamese<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B> + Ema<T> + Clone,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    /// BYOL ([`byol`](super::byol)): the target starts as a copy of `online` and follows it
    /// with momentum from `tau_base` to 1 over `total_steps` steps; loss [`Symmetric::Byol`].
    /// For inputs of `d` features, projections of size `k` and batches of `b`. The optimizer
    /// state starts fresh; the learning-rate schedule is constant (set [`Siamese::schedule`]).
    pub fn byol(
        online: F,
        predictor: Q,
        optimizer: Optimizer<T>,
        augment: Pipeline,
        (d, k, b): (D, K, B),
        tau_base: f64,
        total_steps: usize,
    ) -> Self {
        let target = MovingTarget {
            net: online.clone(),
            tau_base: lit(tau_base),
            total_steps,
            cache: online.new_cache(b),
            t_a: zeros(k, b),
            t_b: zeros(k, b),
        };
        Self::new(online, predictor, Target::Moving(target), Symmetric::Byol, optimizer, augment, (d, k, b))
    }

    /// SimSiam ([`simsiam`](super::simsiam)): the targets are the projections, with the
    /// stop-gradient; loss [`Symmetric::Lightly`]. Sizes, optimizer and schedule as
    /// [`Siamese::byol`].
    pub fn simsiam(
        net: F,
        predictor: Q,
        optimizer: Optimizer<T>,
        augment: Pipeline,
        shape: (D, K, B),
    ) -> Self {
        let target = Target::Online(StopGradient::On);
        Self::new(net, predictor, target, Symmetric::Lightly, optimizer, augment, shape)
    }

    fn new(
        net: F,
        predictor: Q,
        target: Target<MovingTarget<T, D, K, B, F>>,
        form: Symmetric,
        optimizer: Optimizer<T>,
        augment: Pipeline,
        (d, k, b): (D, K, B),
    ) -> Self {
        let m = || zeros::<T, K, B>(k, b);
        Self {
            optimizer,
            schedule: Schedule::Constant,
            views: Views::new(augment, d, b),
            steps: 0,
            grad_net: net.zeros_like(),
            grad_pred: predictor.zeros_like(),
            state_net: net.new_opt_state(),
            state_pred: predictor.new_opt_state(),
            cache_a: net.new_cache(b),
            cache_b: net.new_cache(b),
            pcache_a: predictor.new_cache(b),
            pcache_b: predictor.new_cache(b),
            net,
            predictor,
            target,
            prediction: Prediction::On,
            loss: SymNegCos::new(form, k, b),
            z_a: m(),
            z_b: m(),
            p_a: m(),
            p_b: m(),
            g_a: m(),
            g_b: m(),
        }
    }

    /// The momentum `τ` the next step will give the target network (`None` without one).
    pub fn momentum(&self) -> Option<T> {
        match &self.target {
            Target::Moving(t) => {
                let step = usize::try_from(self.steps).unwrap_or(usize::MAX);
                Some(momentum_schedule(t.tau_base, step, t.total_steps))
            }
            Target::Online(_) => None,
        }
    }

    /// The loss of two views, and its gradients with respect to the network and the
    /// predictor (available through [`Siamese::grads`]); changes no parameter.
    ///
    /// # Panics
    /// If a view is not `D × B` as given to the constructor (only possible with `Dyn` sizes).
    pub fn loss_grad(&mut self, x_a: &Batch<T, D, B>, x_b: &Batch<T, D, B>) -> T {
        self.views.set(x_a, x_b);
        self.views_loss_grad()
    }

    /// [`Siamese::loss_grad`] of the views in [`Siamese::views`].
    fn views_loss_grad(&mut self) -> T {
        let (x_a, x_b) = self.views.pair();
        self.net.forward(x_a, &mut self.z_a, &mut self.cache_a);
        self.net.forward(x_b, &mut self.z_b, &mut self.cache_b);
        let predicts = self.prediction == Prediction::On;
        if predicts {
            self.predictor.forward(&self.z_a, &mut self.p_a, &mut self.pcache_a);
            self.predictor.forward(&self.z_b, &mut self.p_b, &mut self.pcache_b);
        } else {
            self.p_a.copy_from(&self.z_a);
            self.p_b.copy_from(&self.z_b);
        }
        let (t_a, t_b) = match &mut self.target {
            Target::Moving(t) => {
                t.net.forward(x_a, &mut t.t_a, &mut t.cache);
                t.net.forward(x_b, &mut t.t_b, &mut t.cache);
                (&t.t_a, &t.t_b)
            }
            Target::Online(_) => (&self.z_a, &self.z_b),
        };
        // The targets are constants here: only p gets a gradient.
        let loss = self.loss.loss_grad(&self.p_a, &self.p_b, t_a, t_b, &mut self.g_a, &mut self.g_b);
        self.grad_net.clear();
        self.grad_pred.clear();
        if predicts {
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
        } else {
            self.p_a.copy_from(&self.g_a);
            self.p_b.copy_from(&self.g_b);
        }
        if let Target::Online(StopGradient::Off) = self.target {
            let (sa, sb) = self.loss.stopped_grad();
            self.p_a += sa;
            self.p_b += sb;
        }
        self.net.backward(x_a, &mut self.cache_a, &self.p_a, &mut self.grad_net, None);
        self.net.backward(x_b, &mut self.cache_b, &self.p_b, &mut self.grad_net, None);
        loss
    }

    /// The gradients of the last [`Siamese::loss_grad`]: `(∂L/∂θ_f, ∂L/∂θ_q)`.
    pub fn grads(&self) -> (&F, &Q) {
        (&self.grad_net, &self.grad_pred)
    }

    /// The projections `(z_a, z_b)` of the last step (for collapse monitoring).
    pub fn projections(&self) -> (&Mat<T, K, B>, &Mat<T, K, B>) {
        (&self.z_a, &self.z_b)
    }

    /// One training step on two given views (no augmentation): loss and gradients, an
    /// optimizer update with the scheduled learning rate, then the target's moving average
    /// with the scheduled `τ` (BYOL). Returns the loss before the update.
    ///
    /// # Panics
    /// If a view is not `D × B` as given to the constructor (only possible with `Dyn` sizes).
    pub fn step_views(&mut self, x_a: &Batch<T, D, B>, x_b: &Batch<T, D, B>) -> T {
        self.views.set(x_a, x_b);
        self.learn()
    }

    /// Loss, gradients and updates on the views in [`Siamese::views`].
    fn learn(&mut self) -> T {
        let loss = self.views_loss_grad();
        let opt = self.schedule.optimizer_at(&self.optimizer, self.steps);
        self.net.apply_update(&opt, &mut self.state_net, &self.grad_net);
        if self.prediction == Prediction::On {
            self.predictor.apply_update(&opt, &mut self.state_pred, &self.grad_pred);
        }
        if let (Some(tau), Target::Moving(t)) = (self.momentum(), &mut self.target) {
            t.net.ema_update(&self.net, tau);
        }
        self.steps += 1;
        loss
    }
}

impl<T, D, K, B, F, Q> Learner<T, D, B> for Siamese<T, D, K, B, F, Q>
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
    /// [`Siamese::step_views`]' update.
    fn step(&mut self, x: &Batch<T, D, B>, rng: &mut Rng) -> T {
        self.views.draw(x, rng);
        self.learn()
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}
