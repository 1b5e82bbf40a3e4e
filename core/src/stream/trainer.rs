//! [`StreamTrainer`]: on-device training from a sensor stream, in fixed memory.
//!
//! A `StreamTrainer` is what a sensor node keeps in RAM: a linear encoder trained by the
//! core [`Trainer`] with one-directional InfoNCE whose denominators also hold a MoCo queue of
//! past embeddings ([`InfoNceQueue`], streaming log-sum-exp: no `B × B` matrix), and a
//! [`Reservoir`] of the samples seen so far. Samples arrive one at a time
//! ([`StreamTrainer::observe`]) from a [`Source`]; every training step first takes
//! `arrivals_per_step` new samples, then draws a batch of `B` distinct samples from the
//! reservoir, makes two augmented views and takes one SGD step. Everything comes from one
//! generator seeded by [`StreamConfig::seed`] (sensor samples, reservoir decisions, batch
//! draws, augmentations), in a fixed order, so the run is a pure function of the
//! configuration and gives the same bits on every target (`examples/` compares a Cortex-M, a
//! WebAssembly module and the host).
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::augment::Pipeline;
//! use selfsup_core::stream::{StreamConfig, StreamTrainer, ring_source};
//! let cfg = StreamConfig {
//!     name: "ring",
//!     seed: 7,
//!     epochs: 2,
//!     steps_per_epoch: 4,
//!     arrivals_per_step: 16,
//!     tau: 0.2,
//!     lr: 5e-2,
//!     weight_decay: 1e-4,
//!     init_std: 0.1,
//!     augment: Pipeline::reference_ring(),
//! };
//! // 2 → 2 encoder, batches of 16, reservoir of 64, queue of 32: all on the stack
//! let mut t = StreamTrainer::<f32, _, _, _, _, _>::with_dims(&cfg, (Const::<2>, Const::<2>, Const::<16>, Const::<64>, Const::<32>));
//! t.fill(&mut ring_source::<f32>);
//! let loss = t.epoch(&cfg, &mut ring_source::<f32>);
//! assert!(loss.is_finite());
//! ```

use super::{Reservoir, Source};
use crate::Real;
use crate::augment::Pipeline;
use crate::dims::{Batch, Dims, Mat, Vector, zeros};
use crate::encoder::{Bias, Init, Linear};
use crate::loss::{InfoNceQueue, PairLoss};
use crate::optim::Optimizer;
use crate::rng::{Rng, seeded};
use crate::train::{Learner, Trainer};
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// Hyper-parameters of a streaming run.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamConfig {
    /// Name printed in the header.
    pub name: &'static str,
    /// Seed of the one generator behind everything.
    pub seed: u64,
    /// Number of epochs (one printed line each).
    pub epochs: usize,
    /// Training steps per epoch.
    pub steps_per_epoch: usize,
    /// New sensor samples offered to the reservoir before each step.
    pub arrivals_per_step: usize,
    /// InfoNCE temperature τ.
    pub tau: f64,
    /// SGD learning rate.
    pub lr: f64,
    /// SGD (L2) weight decay.
    pub weight_decay: f64,
    /// Standard deviation of the encoder's initial weights.
    pub init_std: f64,
    /// How the two views are made.
    pub augment: Pipeline,
}

/// The core [`Trainer`] of a [`StreamTrainer`]: a linear encoder with the queue InfoNCE loss.
pub type QueueTrainer<T, D, K, B, Q> = Trainer<T, D, K, B, Linear<T, K, D>, InfoNceQueue<T, K, B, Q>>;

/// What a device keeps to learn from a stream: the trainer (encoder, queue loss, optimizer
/// state, step buffers), the reservoir, the generator and one batch.
pub struct StreamTrainer<T, D, K, B, C, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    C: Dim,
    Q: Dim,
    DefaultAllocator: Dims<K, D, B> + Allocator<D, C> + Allocator<K, Q>,
{
    /// Encoder, loss (with its queue), optimizer and step buffers.
    pub trainer: QueueTrainer<T, D, K, B, Q>,
    /// The samples kept from the stream.
    pub reservoir: Reservoir<T, D, C>,
    /// The generator behind sensor samples, reservoir, batches and augmentations.
    pub rng: Rng,
    batch: Batch<T, D, B>,
    sample: Vector<T, D>,
}

impl<T, D, K, B, C, Q> StreamTrainer<T, D, K, B, C, Q>
where
    T: Real,
    D: Dim,
    K: Dim,
    B: Dim,
    C: Dim,
    Q: Dim,
    DefaultAllocator: Dims<K, D, B> + Allocator<D, C> + Allocator<K, Q>,
{
    /// A fresh trainer: generator seeded with `cfg.seed`, encoder `Init::Normal` (no bias)
    /// drawn from it first.
    pub fn with_dims(cfg: &StreamConfig, (d, k, b, c, q): (D, K, B, C, Q)) -> Self {
        let mut rng = seeded(cfg.seed);
        let encoder = Linear::new(k, d, Init::Normal { std: cfg.init_std }, Bias::No, &mut rng);
        let trainer = Trainer::new(
            encoder,
            InfoNceQueue::new(cfg.tau, k, b, q),
            Optimizer::sgd(cfg.lr, 0.0, cfg.weight_decay),
            cfg.augment.clone(),
            (d, k, b),
        );
        Self { trainer, reservoir: Reservoir::new(d, c), rng, batch: zeros(d, b), sample: zeros(d, U1) }
    }

    /// One sensor sample arrives: read it from `source` and offer it to the reservoir.
    pub fn observe<S: Source<T> + ?Sized>(&mut self, source: &mut S) {
        source.sample(&mut self.rng, self.sample.as_mut_slice());
        self.reservoir.push(self.sample.as_slice(), &mut self.rng);
    }

    /// Offers samples until the reservoir is full (a device's warm-up).
    pub fn fill<S: Source<T> + ?Sized>(&mut self, source: &mut S) {
        while self.reservoir.len() < self.reservoir.capacity() {
            self.observe(source);
        }
    }

    /// One training step on a batch drawn from the reservoir. Returns the loss, or `None` if
    /// the reservoir holds fewer than `B` samples (nothing is done then).
    ///
    /// Never inlined: the training loop and a firmware's stack measurement then run the same
    /// machine code, so the measured peak stack of a step is the one training uses.
    #[inline(never)]
    pub fn step(&mut self) -> Option<T> {
        if !self.reservoir.draw(&mut self.rng, &mut self.batch) {
            return None;
        }
        Some(self.trainer.step(&self.batch, &mut self.rng))
    }

    /// One epoch: `steps_per_epoch` times, `arrivals_per_step` new samples then a step.
    /// Returns the mean loss of the steps taken (NaN if none could be taken).
    pub fn epoch<S: Source<T> + ?Sized>(&mut self, cfg: &StreamConfig, source: &mut S) -> T {
        let (mut total, mut steps) = (T::zero(), 0usize);
        for _ in 0..cfg.steps_per_epoch {
            for _ in 0..cfg.arrivals_per_step {
                self.observe(source);
            }
            if let Some(l) = self.step() {
                total += l;
                steps += 1;
            }
        }
        if steps == 0 { T::of_f64(f64::NAN) } else { total / T::of_usize(steps) }
    }

    /// Held-out evaluation of the current encoder: the mean in-batch InfoNCE (the queue is
    /// emptied first, so chance is `ln B`) over `batches` batches of fresh samples from
    /// `source`, two views each by `cfg.augment`. Samples and views come from a separate
    /// generator seeded with `cfg.seed + 1`, so every call sees the same data and training is
    /// not disturbed. Uses the trainer's batch buffer and three temporaries (`D × B`, two
    /// `K × B`) on the stack.
    pub fn evaluate<S: Source<T> + ?Sized>(
        &mut self,
        cfg: &StreamConfig,
        source: &mut S,
        batches: usize,
    ) -> T {
        let mut rng = seeded(cfg.seed.wrapping_add(1));
        let (d, b) = self.batch.shape_generic();
        let k = self.trainer.encoder.w.shape_generic().0;
        let mut view = zeros::<T, D, B>(d, b);
        let (mut z1, mut z2) = (zeros::<T, K, B>(k, b), zeros::<T, K, B>(k, b));
        self.trainer.loss.queue_mut().clear();
        let mut total = T::zero();
        let dn = d.value();
        for _ in 0..batches {
            for col in self.batch.as_mut_slice().chunks_exact_mut(dn.max(1)) {
                source.sample(&mut rng, col);
            }
            cfg.augment.apply(&self.batch, &mut view, &mut rng);
            self.trainer.encoder.forward(&view, &mut z1);
            cfg.augment.apply(&self.batch, &mut view, &mut rng);
            self.trainer.encoder.forward(&view, &mut z2);
            total += self.trainer.loss.loss(&z1, &z2);
        }
        total / T::of_usize(batches.max(1))
    }

    /// Batch size `B`.
    pub fn batch_size(&self) -> usize {
        self.batch.ncols()
    }

    /// The encoder's weights.
    pub fn weights(&self) -> &Mat<T, K, D> {
        &self.trainer.encoder.w
    }
}
