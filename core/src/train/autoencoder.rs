//! Training the linear autoencoder ([`LinearAutoencoder`], the first reference program): one
//! batch in, no views, forward, reconstruction loss with its exact gradient, one optimizer
//! update of both layers.
//!
//! [`AeTrainer`] holds the model, the optimizer with one state per parameter block, the
//! gradient and the working buffers for batches of `B`, and is driven through [`Learner`]
//! like every other method. The reference program also trains on its partial last batch
//! (`N mod B` samples); [`AeTrainer::step_batch`] takes a batch of any size with its own
//! buffers for that, sharing the optimizer state.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::encoder::{Bias, Init};
//! use selfsup_core::loss::autoencoder::{LinearAutoencoder, pca_optimum};
//! use selfsup_core::optim::Optimizer;
//! use selfsup_core::rng::seeded;
//! use selfsup_core::synth::fill_plane;
//! use selfsup_core::train::{AeTrainer, Learner};
//!
//! let mut rng = seeded(42);
//! let mut x = SMatrix::<f64, 3, 64>::zeros();
//! fill_plane(&mut rng, x.as_mut_slice(), None);
//! let ae = LinearAutoencoder::<f64, Const<2>, Const<3>>::new(
//!     Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
//! // the reference program's SGD: lr 1e-2, weight decay 1e-4; buffers on the stack
//! let mut trainer = AeTrainer::new(ae, Optimizer::sgd(1e-2, 0.0, 1e-4), Const::<64>);
//! let first = trainer.step(&x, &mut rng);
//! let mut last = first;
//! for _ in 0..2000 {
//!     last = trainer.step(&x, &mut rng);
//! }
//! let best = pca_optimum(&x, 2).unwrap();
//! assert!(last < 0.1 * first && last >= best);
//! ```

use super::{Learner, Schedule};
use crate::Real;
use crate::dims::{Batch, Dims};
use crate::encoder::Bias;
use crate::loss::autoencoder::{AeBuffers, LinearAutoencoder};
use crate::optim::{OptState, Optimizer};
use crate::rng::Rng;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, U1};

/// The optimizer state of every parameter block and the gradient container; independent of
/// the batch size.
#[derive(Clone, Debug)]
struct AeState<T: Real, K: Dim, D: Dim>
where
    DefaultAllocator: Allocator<K, D> + Allocator<D, K> + Allocator<K> + Allocator<D>,
{
    grad: LinearAutoencoder<T, K, D>,
    enc_w: OptState<T, K, D>,
    enc_b: OptState<T, K, U1>,
    dec_w: OptState<T, D, K>,
    dec_b: OptState<T, D, U1>,
}

impl<T: Real, K: Dim, D: Dim> AeState<T, K, D>
where
    DefaultAllocator: Allocator<K, D> + Allocator<D, K> + Allocator<K> + Allocator<D>,
{
    fn new(ae: &LinearAutoencoder<T, K, D>) -> Self {
        Self {
            grad: ae.zeros_like(),
            enc_w: OptState::for_param(&ae.enc.w),
            enc_b: OptState::for_param(&ae.enc.b),
            dec_w: OptState::for_param(&ae.dec.w),
            dec_b: OptState::for_param(&ae.dec.b),
        }
    }

    /// Forward, loss, exact backward, one update of both layers with `opt`. Returns the loss
    /// before the update.
    fn step<B: Dim>(
        &mut self,
        ae: &mut LinearAutoencoder<T, K, D>,
        opt: &Optimizer<T>,
        x: &Batch<T, D, B>,
        buf: &mut AeBuffers<T, K, D, B>,
    ) -> T
    where
        DefaultAllocator: Dims<K, D, B>,
    {
        let loss = ae.loss_grad(x, &mut self.grad, buf);
        opt.update(&mut self.enc_w, &mut ae.enc.w, &self.grad.enc.w);
        opt.update(&mut self.dec_w, &mut ae.dec.w, &self.grad.dec.w);
        if ae.enc.bias == Bias::Yes {
            opt.update(&mut self.enc_b, &mut ae.enc.b, &self.grad.enc.b);
        }
        if ae.dec.bias == Bias::Yes {
            opt.update(&mut self.dec_b, &mut ae.dec.b, &self.grad.dec.b);
        }
        loss
    }
}

/// The linear autoencoder with its optimizer, schedule and buffers for batches of `B`. See
/// the [module docs](self).
#[derive(Clone, Debug)]
pub struct AeTrainer<T: Real, K: Dim, D: Dim, B: Dim>
where
    DefaultAllocator: Dims<K, D, B>,
{
    /// The model being trained.
    pub ae: LinearAutoencoder<T, K, D>,
    /// Optimizer hyper-parameters; its learning rate is the base rate of
    /// [`AeTrainer::schedule`].
    pub optimizer: Optimizer<T>,
    /// Learning-rate schedule (constant by default).
    pub schedule: Schedule,
    state: AeState<T, K, D>,
    buf: AeBuffers<T, K, D, B>,
    steps: u64,
}

impl<T: Real, K: Dim, D: Dim, B: Dim> AeTrainer<T, K, D, B>
where
    DefaultAllocator: Dims<K, D, B>,
{
    /// A trainer of `ae` for batches of `b` samples, with a fresh optimizer state and a
    /// constant schedule.
    pub fn new(ae: LinearAutoencoder<T, K, D>, optimizer: Optimizer<T>, b: B) -> Self {
        let (k, d) = ae.enc.w.shape_generic();
        Self {
            state: AeState::new(&ae),
            buf: AeBuffers::new(k, d, b),
            ae,
            optimizer,
            schedule: Schedule::Constant,
            steps: 0,
        }
    }

    /// One step on a batch of any size `B2` (e.g. the reference program's partial last
    /// batch) with the caller's buffers for that size; the optimizer state and step counter
    /// are shared with [`Learner::step`]. Returns the loss before the update.
    pub fn step_batch<B2: Dim>(&mut self, x: &Batch<T, D, B2>, buf: &mut AeBuffers<T, K, D, B2>) -> T
    where
        DefaultAllocator: Dims<K, D, B2>,
    {
        let opt = self.schedule.optimizer_at(&self.optimizer, self.steps);
        self.steps += 1;
        self.state.step(&mut self.ae, &opt, x, buf)
    }

    /// The gradient of the last step.
    pub fn gradient(&self) -> &LinearAutoencoder<T, K, D> {
        &self.state.grad
    }

    /// The code and residual buffers of the last [`Learner::step`].
    pub fn buffers(&self) -> &AeBuffers<T, K, D, B> {
        &self.buf
    }
}

impl<T: Real, K: Dim, D: Dim, B: Dim> Learner<T, D, B> for AeTrainer<T, K, D, B>
where
    DefaultAllocator: Dims<K, D, B>,
{
    fn batch_shape(&self) -> (D, B) {
        self.buf.residual().shape_generic()
    }

    /// Forward, loss, backward and update on `x` itself (`rng` is not used: no views).
    fn step(&mut self, x: &Batch<T, D, B>, _rng: &mut Rng) -> T {
        let opt = self.schedule.optimizer_at(&self.optimizer, self.steps);
        self.steps += 1;
        self.state.step(&mut self.ae, &opt, x, &mut self.buf)
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}
