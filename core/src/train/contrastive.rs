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
//! use selfsup_core::{augment::Pipeline, encoder::{Init, Linear}, loss::InfoNce, optim::Optimizer};
//! use selfsup_core::{rng::seeded, synth::fill_ring, train::{Trainer, identity_order}};
//! let mut rng = seeded(1);
//! let mut data = [0.0f32; 2 * 256];
//! fill_ring(&mut rng, &mut data, None);
//! let enc = Linear::<f32, Const<2>, Const<2>>::new(Const, Const, Init::Normal { std: 0.1 }, false, &mut rng);
//! let mut t = Trainer::new(
//!     enc,
//!     InfoNce::new(0.2, Const, Const::<32>),
//!     Optimizer::sgd(5e-2, 0.0, 1e-4),
//!     Pipeline::seed_ring(),
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

use super::Schedule;
use crate::Real;
use crate::augment::Pipeline;
use crate::dims::{Batch, Dims, zeros};
use crate::encoder::Encoder;
use crate::loss::PairLoss;
use crate::optim::Optimizer;
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
    /// How the two views are made.
    pub augment: Pipeline,
    /// Learning-rate schedule (constant by default).
    pub schedule: Schedule,
    opt_state: E::OptState,
    grad: E,
    cache_a: E::Cache,
    cache_b: E::Cache,
    batch: Batch<T, D, B>,
    view_a: Batch<T, D, B>,
    view_b: Batch<T, D, B>,
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
    /// fresh; the schedule is constant (set [`Trainer::schedule`] to change it).
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
            batch: zeros(d, b),
            view_a: zeros(d, b),
            view_b: zeros(d, b),
            z_a: zeros(k, b),
            z_b: zeros(k, b),
            g_a: zeros(k, b),
            g_b: zeros(k, b),
            encoder,
            loss,
            optimizer,
            augment,
            schedule: Schedule::Constant,
            steps: 0,
        }
    }

    /// One training step on the batch `x` (`D × B`): two augmented views, loss, backward,
    /// update. Returns the loss before the update.
    pub fn step<R: rand_core::Rng + ?Sized>(&mut self, x: &Batch<T, D, B>, rng: &mut R) -> T {
        self.augment.apply(x, &mut self.view_a, rng);
        self.augment.apply(x, &mut self.view_b, rng);
        self.learn()
    }

    /// One training step on two given views (no augmentation). Returns the loss before the
    /// update.
    pub fn step_views(&mut self, v1: &Batch<T, D, B>, v2: &Batch<T, D, B>) -> T {
        self.view_a.copy_from(v1);
        self.view_b.copy_from(v2);
        self.learn()
    }

    /// One pass over a dataset: shuffles `order` with `rng` (Fisher–Yates, as the seed programs
    /// do every epoch), then runs [`Trainer::step`] on the consecutive batches
    /// `order[0..B], order[B..2B], …` gathered from `data` (column-major, `D` rows per sample,
    /// `n = data.len() / D` samples). Returns the mean loss of the batches.
    ///
    /// `order` is a permutation of `0..n` kept by the caller between epochs (start it with
    /// [`super::identity_order`]); no allocation happens here. A partial last batch
    /// (`n mod B` samples) is **dropped**: the batch dimension is fixed (in the type for
    /// `Const`, in the loss's buffers for `Dyn`), and since `order` is reshuffled each epoch
    /// every sample still takes part. Returns NaN when `n < B` (no batch at all).
    ///
    /// # Panics
    /// If `order` holds an index `≥ n`.
    pub fn epoch<R: rand_core::Rng + ?Sized>(&mut self, data: &[T], order: &mut [usize], rng: &mut R) -> T {
        crate::rng::shuffle(rng, order);
        let (d, b) = self.batch.shape();
        let mut total = T::zero();
        let mut batches = 0usize;
        if b > 0 {
            for idx in order.chunks_exact(b) {
                super::gather(data, d, idx, self.batch.as_mut_slice());
                self.augment.apply(&self.batch, &mut self.view_a, rng);
                self.augment.apply(&self.batch, &mut self.view_b, rng);
                total += self.learn();
                batches += 1;
            }
        }
        if batches == 0 { T::of_f64(f64::NAN) } else { total / T::of_usize(batches) }
    }

    /// Number of optimizer updates so far (the schedule's step counter).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The two views of the last step.
    pub fn views(&self) -> (&Batch<T, D, B>, &Batch<T, D, B>) {
        (&self.view_a, &self.view_b)
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
        match self.schedule {
            Schedule::Constant => self.optimizer.lr(),
            s => self.optimizer.lr() * s.factor::<T>(self.steps),
        }
    }

    /// Forward, loss, backward and update on the views in `view_a`, `view_b`.
    fn learn(&mut self) -> T {
        self.encoder.forward(&self.view_a, &mut self.z_a, &mut self.cache_a);
        self.encoder.forward(&self.view_b, &mut self.z_b, &mut self.cache_b);
        let loss = self.loss.loss_grad(&self.z_a, &self.z_b, &mut self.g_a, &mut self.g_b);
        self.grad.clear();
        self.encoder.backward(&self.view_a, &self.cache_a, &self.g_a, &mut self.grad, None);
        self.encoder.backward(&self.view_b, &self.cache_b, &self.g_b, &mut self.grad, None);
        let opt = self.optimizer.with_lr(self.learning_rate());
        self.encoder.apply_update(&opt, &mut self.opt_state, &self.grad);
        self.steps += 1;
        loss
    }
}
