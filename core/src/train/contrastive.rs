//! The contrastive training step: two augmented views → encoder → pair loss (InfoNCE, NT-Xent,
//! or any [`PairLoss`]; the L2 normalization is inside the loss) → backward → optimizer update.
//!
//! For a batch `X` (`D × B`, samples are columns), one [`Trainer::step`] computes
//!
//! 1. `V₁ = aug(X)`, `V₂ = aug(X)` (the [`Pipeline`], view 1 drawn fully before view 2);
//! 2. `Z₁ = f(V₁)`, `Z₂ = f(V₂)` with the shared encoder `f`;
//! 3. `L, ∂L/∂Z₁, ∂L/∂Z₂` from the loss;
//! 4. `∇θ = ∂L/∂θ` through both branches (view 1's contribution first, then view 2's);
//! 5. one optimizer update with the scheduled learning rate;
//!
//! and returns `L` (before the update). Every buffer (the gathered batch, both views, both
//! embeddings and their gradients, the encoder's caches and gradient, the optimizer state) is
//! allocated once by [`Trainer::new`]; with `Const` dimensions everything is inline in the
//! struct and a step allocates nothing. With `Dyn` dimensions the buffers are heap-allocated
//! once and reused.
//!
//! This reproduces the seed's ring program: a linear 2→2 encoder without bias, `Init::Normal
//! { std: 0.1 }`, plain SGD (lr 5e-2, weight decay 1e-4), one-directional InfoNCE with τ = 0.2,
//! `B = 64`, the augmentation rotate `U(−0.25, 0.25)` then noise `N(0, 0.05²)`, data reshuffled
//! every epoch ([`Trainer::epoch`]).
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::{augment::Pipeline, encoder::{Bias, Init, Linear}, loss::InfoNce, optim::Optimizer};
//! use selfsup_core::{rng::seeded, synth::fill_ring, train::{Learner, Trainer, identity_order}};
//! let mut rng = seeded(1);
//! let mut data = [0.0f32; 2 * 256];
//! fill_ring(&mut rng, &mut data, None);
//! let enc = Linear::<f32, Const<2>, Const<2>>::new(Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
//! let mut t = Trainer::new(
//!     enc,
//!     InfoNce::new(0.2, Const, Const::<32>),
//!     Optimizer::sgd(5e-2, 0.0, 1e-4),
//!     Pipeline::reference_ring(),
//!     (Const::<2>, Const::<2>, Const::<32>),
//! );
//! let mut order = [0usize; 256];
//! identity_order(&mut order);
//! let first = t.epoch(&data, &mut order, &mut rng);
//! let mut last = first;
//! for _ in 0..30 {
//!     last = t.epoch(&data, &mut order, &mut rng);
//! }
//! assert!(last < first && last < 32f32.ln()); // learns, and beats chance (log B)
//! ```

use super::{Learner, Schedule, Views};
use crate::Real;
use crate::augment::Pipeline;
use crate::dims::{Batch, Dims, zeros};
use crate::encoder::Encoder;
use crate::loss::PairLoss;
use crate::optim::Optimizer;
use crate::rng::Rng;
use nalgebra::{DefaultAllocator, Dim};

/// An encoder, a pair loss, an optimizer and an augmentation pipeline, with every buffer a
/// training step needs. See the [module docs](self).
pub struct Trainer<T, D, K, B, E, L>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    E: Encoder<T, D, K, B>,
    L: PairLoss<T, K, B>,
    DefaultAllocator: Dims<K, D, B>,
{
    /// The encoder being trained.
    pub encoder: E,
    /// The objective (holds its own working buffers).
    pub loss: L,
    /// Optimizer hyper-parameters; its learning rate is the base rate of [`Trainer::schedule`].
    pub optimizer: Optimizer<T>,
    /// The two views and how they are made.
    pub views: Views<T, D, B>,
    /// Learning-rate schedule (constant by default).
    pub schedule: Schedule,
    opt_state: E::OptState,
    grad: E,
    cache_a: E::Cache,
    cache_b: E::Cache,
    z_a: Batch<T, K, B>,
    z_b: Batch<T, K, B>,
    g_a: Batch<T, K, B>,
    g_b: Batch<T, K, B>,
    steps: u64,
}

impl<T, D, K, B, E, L> Trainer<T, D, K, B, E, L>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    E: Encoder<T, D, K, B>,
    L: PairLoss<T, K, B>,
    DefaultAllocator: Dims<K, D, B>,
{
    /// A trainer for inputs of `d` features, embeddings of size `k` and batches of `b`
    /// (`loss` must have been built for the same `k` and `b`). The optimizer state starts
    /// fresh; the schedule is constant (set [`Trainer::schedule`] to change it). For a
    /// user-given augmentation spec, check it against the data first with
    /// [`Pipeline::validate`].
    pub fn new(
        encoder: E,
        loss: L,
        optimizer: Optimizer<T>,
        augment: Pipeline,
        (d, k, b): (D, K, B),
    ) -> Self {
        Self {
            opt_state: encoder.new_opt_state(),
            grad: encoder.zeros_like(),
            cache_a: encoder.new_cache(b),
            cache_b: encoder.new_cache(b),
            views: Views::new(augment, d, b),
            z_a: zeros(k, b),
            z_b: zeros(k, b),
            g_a: zeros(k, b),
            g_b: zeros(k, b),
            encoder,
            loss,
            optimizer,
            schedule: Schedule::Constant,
            steps: 0,
        }
    }

    /// One training step on two given views (no augmentation). Returns the loss before the
    /// update.
    ///
    /// # Panics
    /// If a view is not `D × B` as given to [`Trainer::new`] (only possible with `Dyn` sizes).
    pub fn step_views(&mut self, v1: &Batch<T, D, B>, v2: &Batch<T, D, B>) -> T {
        self.views.set(v1, v2);
        self.learn()
    }

    /// The two views of the last step.
    pub fn views(&self) -> (&Batch<T, D, B>, &Batch<T, D, B>) {
        self.views.pair()
    }

    /// The two views' embeddings (before normalization) of the last step.
    pub fn embeddings(&self) -> (&Batch<T, K, B>, &Batch<T, K, B>) {
        (&self.z_a, &self.z_b)
    }

    /// The encoder gradient of the last step (before weight decay).
    pub fn gradient(&self) -> &E {
        &self.grad
    }

    /// The learning rate the next step will use.
    pub fn learning_rate(&self) -> T {
        self.schedule.optimizer_at(&self.optimizer, self.steps).lr()
    }

    /// Forward, loss, backward and update on the views in `view_a`, `view_b`.
    fn learn(&mut self) -> T {
        let (view_a, view_b) = self.views.pair();
        self.encoder.forward(view_a, &mut self.z_a, &mut self.cache_a);
        self.encoder.forward(view_b, &mut self.z_b, &mut self.cache_b);
        let loss = self.loss.loss_grad(&self.z_a, &self.z_b, &mut self.g_a, &mut self.g_b);
        self.grad.clear();
        self.encoder.backward(view_a, &mut self.cache_a, &self.g_a, &mut self.grad, None);
        self.encoder.backward(view_b, &mut self.cache_b, &self.g_b, &mut self.grad, None);
        let opt = self.schedule.optimizer_at(&self.optimizer, self.steps);
        self.encoder.apply_update(&opt, &mut self.opt_state, &self.grad);
        self.steps += 1;
        loss
    }
}

impl<T, D, K, B, E, L> Learner<T, D, B> for Trainer<T, D, K, B, E, L>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    E: Encoder<T, D, K, B>,
    L: PairLoss<T, K, B>,
    DefaultAllocator: Dims<K, D, B>,
{
    fn batch_shape(&self) -> (D, B) {
        self.views.shape()
    }

    /// Two augmented views of `x` (view 1 drawn fully before view 2), loss, backward, update.
    fn step(&mut self, x: &Batch<T, D, B>, rng: &mut Rng) -> T {
        self.views.draw(x, rng);
        self.learn()
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::{Bias, Init, Linear};
    use crate::loss::{InfoNce, NtXent};
    use crate::rng::{fill_normal, seeded};
    use crate::train::identity_order;
    use nalgebra::{Const, SMatrix};

    type Lin = Linear<f64, Const<3>, Const<4>>;

    fn trainer<L: PairLoss<f64, Const<3>, Const<8>>>(
        loss: L,
    ) -> Trainer<f64, Const<4>, Const<3>, Const<8>, Lin, L> {
        let enc = Lin::new(Const, Const, Init::XavierNormal, Bias::Yes, &mut seeded(5));
        let aug: Pipeline = "noise:0.1,mask:0.1".parse().unwrap();
        Trainer::new(enc, loss, Optimizer::sgd(0.1, 0.9, 1e-4), aug, (Const, Const, Const))
    }

    /// `step` is exactly: view 1 = aug(x), view 2 = aug(x) from the same generator, then
    /// `step_views`.
    #[test]
    fn step_is_augment_twice_then_step_views() {
        let mut x = SMatrix::<f64, 4, 8>::zeros();
        fill_normal(&mut seeded(1), x.as_mut_slice(), 0.0, 1.0);
        let mut t1 = trainer(NtXent::new(0.5, Const, Const));
        let mut t2 = trainer(NtXent::new(0.5, Const, Const));
        let (mut r1, mut r2) = (seeded(9), seeded(9));
        for _ in 0..3 {
            let l1 = t1.step(&x, &mut r1);
            let (mut v1, mut v2) = (x, x);
            t2.views.augment.apply(&x, &mut v1, &mut r2);
            t2.views.augment.apply(&x, &mut v2, &mut r2);
            let l2 = t2.step_views(&v1, &v2);
            assert_eq!(l1.to_bits(), l2.to_bits());
        }
        assert_eq!(t1.encoder, t2.encoder);
        assert_eq!(t1.steps(), 3);
        assert_ne!(t1.encoder, trainer(NtXent::new(0.5, Const, Const)).encoder, "weights moved");
    }

    /// The update is plain SGD on the summed two-branch gradient: check one step by hand.
    #[test]
    fn one_step_is_one_sgd_update_of_both_branches() {
        let mut v1 = SMatrix::<f64, 4, 8>::zeros();
        let mut v2 = SMatrix::<f64, 4, 8>::zeros();
        fill_normal(&mut seeded(2), v1.as_mut_slice(), 0.0, 1.0);
        fill_normal(&mut seeded(3), v2.as_mut_slice(), 0.0, 1.0);
        let mut t = trainer(InfoNce::new(0.2, Const, Const));
        t.optimizer = Optimizer::sgd(0.1, 0.0, 0.0);
        let w0 = t.encoder.clone();
        let loss = t.step_views(&v1, &v2);
        // by hand
        let mut l = InfoNce::<f64, Const<3>, Const<8>>::new(0.2, Const, Const);
        let (mut z1, mut z2) = (SMatrix::<f64, 3, 8>::zeros(), SMatrix::<f64, 3, 8>::zeros());
        w0.forward(&v1, &mut z1);
        w0.forward(&v2, &mut z2);
        let (mut g1, mut g2) = (z1, z2);
        let want = l.loss_grad(&z1, &z2, &mut g1, &mut g2);
        assert_eq!(loss, want);
        let mut grad = w0.zeros_like();
        w0.backward(&v1, &g1, &mut grad);
        w0.backward(&v2, &g2, &mut grad);
        assert_eq!(t.gradient(), &grad);
        for (w, (w0, g)) in t.encoder.w.iter().zip(w0.w.iter().zip(grad.w.iter())) {
            assert_eq!(*w, w0 - 0.1 * g);
        }
    }

    #[test]
    fn epoch_drops_the_partial_batch_and_needs_one_batch() {
        let mut data = [0.0f64; 4 * 21];
        fill_normal(&mut seeded(4), &mut data, 0.0, 1.0);
        let mut t = trainer(InfoNce::new(0.2, Const, Const));
        let mut order = [0usize; 21];
        identity_order(&mut order);
        let l = t.epoch(&data, &mut order, &mut seeded(6));
        assert!(l.is_finite());
        assert_eq!(t.steps(), 2, "21 samples make 2 batches of 8");
        let mut sorted = order;
        sorted.sort_unstable();
        assert_eq!(sorted, core::array::from_fn::<usize, 21, _>(|i| i), "order stays a permutation");
        let mut few = [0usize; 5];
        identity_order(&mut few);
        assert!(t.epoch(&data[..4 * 5], &mut few, &mut seeded(6)).is_nan());
        assert_eq!(t.steps(), 2);
    }

    #[test]
    fn cosine_schedule_sets_the_learning_rate() {
        let mut t = trainer(InfoNce::new(0.2, Const, Const));
        t.schedule = Schedule::Cosine { total_steps: 4, warmup_steps: 0, min_factor: 0.0 };
        assert_eq!(t.learning_rate(), 0.1);
        let x = SMatrix::<f64, 4, 8>::from_fn(|i, j| (i * 8 + j) as f64 * 0.1);
        let mut rng = seeded(1);
        t.step(&x, &mut rng);
        assert!((t.learning_rate() - 0.1 * 0.5 * (1.0 + (core::f64::consts::PI / 4.0).cos())).abs() < 1e-15);
        for _ in 0..3 {
            t.step(&x, &mut rng);
        }
        assert!(t.learning_rate().abs() < 1e-15);
    }
}
