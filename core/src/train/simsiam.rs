//! SimSiam, "Exploring Simple Siamese Representation Learning" (Chen & He, 2021): BYOL
//! without the target network. One network `f` (encoder + projector) and a predictor `h`;
//! the stop-gradient alone prevents collapse.
//!
//! For two views: `z_a = f(x_a)`, `z_b = f(x_b)`, `p_a = h(z_a)`, `p_b = h(z_b)`,
//!
//! `L = ½ [negcos(p_a, sg z_b) + negcos(p_b, sg z_a)]`   (paper eq. 2–4, [`Symmetric::Lightly`])
//!
//! with `negcos(p, z) = −mean_i cos(p_i, z_i)` (lightly's `NegativeCosineSimilarity`, as its
//! SimSiam example uses it: `0.5 * (criterion(z0, p1) + criterion(z1, p0))` with `z`
//! detached). Gradients reach `f` only through the predictions.
//!
//! The paper's §4.1 shows that removing the stop-gradient makes the output collapse to a
//! constant (loss → −1, per-dimension std of `z/‖z‖` → 0), and §4.2 that removing the
//! predictor does too. Both switches exist here ([`SimSiam::stop_gradient`] =
//! [`StopGradient::Off`], [`SimSiam::prediction`] = [`Prediction::Off`]) to reproduce that
//! failure and test the collapse guard.
//!
//! Defaults and their source: the paper's predictor is a bottleneck MLP 2048 → 512 → 2048
//! (hidden = K/4). With K = 8…64 a K/4 bottleneck has 2–16 units, too narrow to carry the
//! representation, so the probe uses `H = max(2K, 32)` instead. lightly's example uses the
//! same loss and `SGD(lr = 0.06)`; the probe uses Adam (see its documentation).
//!
//! Like the contrastive [`Trainer`](super::Trainer), a `SimSiam` owns its optimizer,
//! learning-rate [`Schedule`] and the augmentation that makes its two [`Views`], and is driven
//! through [`Learner`]. Nothing is allocated after [`SimSiam::new`] for `Const` sizes.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::augment::Pipeline;
//! use selfsup_core::encoder::{Bias, Init, Linear};
//! use selfsup_core::optim::Optimizer;
//! use selfsup_core::rng::seeded;
//! use selfsup_core::train::{Learner, simsiam::SimSiam};
//! type L = Linear<f64, Const<2>, Const<2>>;
//! let mut rng = seeded(7);
//! let f = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let h = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let opt = Optimizer::adam(1e-2, 0.0);
//! let mut s = SimSiam::<f64, Const<2>, Const<2>, Const<4>, L, L>::new(
//!     f, h, opt, Pipeline::reference_ring(), (Const, Const, Const));
//! let x = SMatrix::<f64, 2, 4>::new(1.0, 0.0, -1.0, 0.5, 0.0, 1.0, 0.5, -1.0);
//! let loss = s.step(&x, &mut rng);
//! assert!((-1.0..=1.0).contains(&loss));
//! ```

use super::{Learner, Schedule, Views};
use crate::Real;
use crate::augment::Pipeline;
use crate::dims::{Batch, Dims, Mat, zeros};
use crate::encoder::Encoder;
use crate::loss::{SymNegCos, Symmetric};
use crate::optim::Optimizer;
use crate::rng::Rng;
use nalgebra::{DefaultAllocator, Dim};

/// Whether the loss's targets `z` are constants for the gradient (SimSiam) or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopGradient {
    /// `sg(z)`: gradients reach `f` through the predictions only (SimSiam).
    On,
    /// Gradients also flow through `z` (the paper's §4.1 ablation: collapses).
    Off,
}

/// Whether the predictor `h` is applied (SimSiam) or `p = z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prediction {
    /// `p = h(z)` (SimSiam).
    On,
    /// `p = z`, the predictor is neither used nor trained (the paper's §4.2 ablation:
    /// collapses).
    Off,
}

/// A SimSiam learner: network, predictor, optimizer, augmentation and every buffer of a step.
pub struct SimSiam<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B>,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    /// The network `f` (encoder + projector).
    pub net: F,
    /// The predictor `h`.
    pub predictor: Q,
    /// Stop the gradient through the projections `z` ([`StopGradient::On`]: SimSiam).
    pub stop_gradient: StopGradient,
    /// Apply the predictor ([`Prediction::On`]: SimSiam).
    pub prediction: Prediction,
    /// The loss ([`Symmetric::Lightly`]).
    pub loss: SymNegCos<T, K, B>,
    /// Optimizer of the network and the predictor; its learning rate is the base rate of
    /// [`SimSiam::schedule`].
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

impl<T, D, K, B, F, Q> SimSiam<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B>,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    /// A learner with stop-gradient and predictor on, for inputs of `d` features, projections
    /// of size `k` and batches of `b`. The optimizer state starts fresh; the learning-rate
    /// schedule is constant (set [`SimSiam::schedule`] to change it).
    pub fn new(
        net: F,
        predictor: Q,
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
            stop_gradient: StopGradient::On,
            prediction: Prediction::On,
            loss: SymNegCos::new(Symmetric::Lightly, k, b),
            z_a: m(),
            z_b: m(),
            p_a: m(),
            p_b: m(),
            g_a: m(),
            g_b: m(),
        }
    }

    /// The loss of two views and its gradients (see [`SimSiam::grads`]); changes no parameter.
    ///
    /// # Panics
    /// If a view is not `D × B` as given to [`SimSiam::new`] (only possible with `Dyn` sizes).
    pub fn loss_grad(&mut self, x_a: &Batch<T, D, B>, x_b: &Batch<T, D, B>) -> T {
        self.views.set(x_a, x_b);
        self.views_loss_grad()
    }

    /// [`SimSiam::loss_grad`] of the views in [`SimSiam::views`].
    fn views_loss_grad(&mut self) -> T {
        let (x_a, x_b) = self.views.pair();
        self.net.forward(x_a, &mut self.z_a, &mut self.cache_a);
        self.net.forward(x_b, &mut self.z_b, &mut self.cache_b);
        if self.prediction == Prediction::On {
            self.predictor.forward(&self.z_a, &mut self.p_a, &mut self.pcache_a);
            self.predictor.forward(&self.z_b, &mut self.p_b, &mut self.pcache_b);
        } else {
            self.p_a.copy_from(&self.z_a);
            self.p_b.copy_from(&self.z_b);
        }
        let loss =
            self.loss.loss_grad(&self.p_a, &self.p_b, &self.z_a, &self.z_b, &mut self.g_a, &mut self.g_b);
        self.grad_net.clear();
        self.grad_pred.clear();
        if self.prediction == Prediction::On {
            // dz = h'ᵀ dp, written over the p buffers (no longer needed).
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
        if self.stop_gradient == StopGradient::Off {
            let (sa, sb) = self.loss.stopped_grad();
            self.p_a += sa;
            self.p_b += sb;
        }
        self.net.backward(x_a, &mut self.cache_a, &self.p_a, &mut self.grad_net, None);
        self.net.backward(x_b, &mut self.cache_b, &self.p_b, &mut self.grad_net, None);
        loss
    }

    /// The gradients of the last [`SimSiam::loss_grad`]: `(∂L/∂θ_f, ∂L/∂θ_h)`.
    pub fn grads(&self) -> (&F, &Q) {
        (&self.grad_net, &self.grad_pred)
    }

    /// The projections `(z_a, z_b)` of the last step (for collapse monitoring).
    pub fn projections(&self) -> (&Mat<T, K, B>, &Mat<T, K, B>) {
        (&self.z_a, &self.z_b)
    }

    /// One training step on two given views (no augmentation): loss, gradients and an
    /// optimizer update with the scheduled learning rate. Returns the loss before the update.
    ///
    /// # Panics
    /// If a view is not `D × B` as given to [`SimSiam::new`] (only possible with `Dyn` sizes).
    pub fn step_views(&mut self, x_a: &Batch<T, D, B>, x_b: &Batch<T, D, B>) -> T {
        self.views.set(x_a, x_b);
        self.learn()
    }

    /// Loss, gradients and update on the views in [`SimSiam::views`].
    fn learn(&mut self) -> T {
        let loss = self.views_loss_grad();
        let opt = self.schedule.optimizer_at(&self.optimizer, self.steps);
        self.net.apply_update(&opt, &mut self.state_net, &self.grad_net);
        if self.prediction == Prediction::On {
            self.predictor.apply_update(&opt, &mut self.state_pred, &self.grad_pred);
        }
        self.steps += 1;
        loss
    }
}

impl<T, D, K, B, F, Q> Learner<T, D, B> for SimSiam<T, D, K, B, F, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, K, B>,
    Q: Encoder<T, K, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<K, K, B>,
{
    fn batch_shape(&self) -> (D, B) {
        self.views.shape()
    }

    /// Two augmented views of `x` (view 1 drawn fully before view 2), then
    /// [`SimSiam::step_views`]' update.
    fn step(&mut self, x: &Batch<T, D, B>, rng: &mut Rng) -> T {
        self.views.draw(x, rng);
        self.learn()
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}
