//! On-device training from a sensor stream: the one routine that the Cortex-M firmware
//! (`examples/cortex-m`), the WebAssembly module (`examples/wasm`) and the host test
//! (`tests/tests/device_bits.rs`) all run, so their printed outputs can be compared bit for bit.
//!
//! A [`StreamTrainer`] is what a sensor node keeps in RAM: a linear encoder trained by the
//! core [`Trainer`] with one-directional InfoNCE whose denominators also hold a MoCo queue of
//! past embeddings ([`InfoNceQueue`], streaming log-sum-exp: no `B × B` matrix), and a
//! [`Reservoir`] of the samples seen so far. Samples arrive one at a time
//! ([`StreamTrainer::observe`]); every training step first takes `arrivals_per_step` new
//! samples, then draws a batch of `B` distinct samples from the reservoir, makes two augmented
//! views and takes one SGD step. Everything comes from one generator seeded by
//! [`StreamConfig::seed`] (sensor samples, reservoir decisions, batch draws, augmentations), in
//! a fixed order, so the run is a pure function of the configuration.
//!
//! Two configurations are provided, `f32` with `Const` sizes (no allocation):
//!
//! - [`RingStream`] ([`StreamConfig::ring`]): the seed's ring problem (2→2, `B = 64`, τ = 0.2,
//!   SGD lr 5e-2, weight decay 1e-4, rotate `U(−0.25, 0.25)` then noise `N(0, 0.05²)`), the
//!   ring points generated on the device by [`crate::synth::ring_point`]; reservoir of 256,
//!   queue of 64 keys (chance level `ln 128 = 4.85`).
//! - [`WideStream`] ([`StreamConfig::wide`]): 64→16, `B = 32`, for footprint measurements: the
//!   ring embedded in `R⁶⁴` by a fixed random projection plus noise ([`ProjectedRing`]).
//!
//! [`run`] prints a header, the held-out loss before training, one line per epoch (mean loss
//! and its bits), the held-out loss after training and the final weight bits (column-major) to
//! any `core::fmt::Write`:
//!
//! ```
//! use selfsup_core::demo::{RingStream, StreamConfig, ring_source, run};
//! let mut cfg = StreamConfig::ring();
//! cfg.epochs = 2;
//! let mut t = RingStream::new(&cfg);
//! let mut out = String::new();
//! run(&mut t, &cfg, &mut ring_source, &mut out).unwrap();
//! assert_eq!(out.lines().count(), 1 + 1 + 2 + 1 + 1);
//! assert!(out.lines().nth(2).unwrap().starts_with("epoch 1 loss "));
//! ```

use crate::augment::Pipeline;
use crate::dims::{Batch, Dims, Mat, Vector, zeros};
use crate::encoder::{Init, Linear};
use crate::loss::{InfoNceQueue, PairLoss};
use crate::optim::Optimizer;
use crate::rng::{Rng, fill_normal, normal, seeded};
use crate::stream::Reservoir;
use crate::synth::ring_point;
use crate::train::{Learner, Trainer};
use crate::{Real, lit};
use core::fmt::{self, Write};
use nalgebra::{Const, DefaultAllocator, Dim, U1, U2, allocator::Allocator};

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

impl StreamConfig {
    /// The seed's ring problem on a stream (see the [module docs](self)): 20 epochs of 16
    /// steps, 16 new samples per step.
    pub fn ring() -> Self {
        Self {
            name: "ring-stream",
            seed: 2026,
            epochs: 16,
            steps_per_epoch: 4,
            arrivals_per_step: 16,
            tau: 0.2,
            lr: 5e-2,
            weight_decay: 1e-4,
            init_std: 0.1,
            augment: Pipeline::seed_ring(),
        }
    }

    /// The 64→16 footprint configuration: 3 epochs of 8 steps, 16 new samples per step,
    /// augmentation `noise:0.05,uscale:0.1`.
    pub fn wide() -> Self {
        Self {
            name: "wide-stream",
            seed: 2026,
            epochs: 3,
            steps_per_epoch: 8,
            arrivals_per_step: 16,
            tau: 0.2,
            lr: 5e-2,
            weight_decay: 1e-4,
            init_std: 0.1,
            augment: Pipeline::parse("noise:0.05,uscale:0.1").unwrap_or_default(),
        }
    }
}

/// A source of sensor samples: fills one sample (`D` values) from the generator.
pub trait Source<T> {
    /// Writes the next sample into `x`.
    fn sample(&mut self, rng: &mut Rng, x: &mut [T]);
}

impl<T, F: FnMut(&mut Rng, &mut [T])> Source<T> for F {
    fn sample(&mut self, rng: &mut Rng, x: &mut [T]) {
        self(rng, x)
    }
}

/// The ring sensor: one [`ring_point`] per sample (labels dropped).
pub fn ring_source<T: Real>(rng: &mut Rng, x: &mut [T]) {
    x[..2].copy_from_slice(&ring_point::<T, _>(rng).0);
}

/// The ring seen through a fixed random linear map `P: D × 2` (entries `N(0, 1/2)`), plus
/// `N(0, 0.05²)` noise on every coordinate: a `D`-dimensional sensor whose signal lives on a
/// circle in a 2-D subspace.
#[derive(Clone, Debug)]
pub struct ProjectedRing<T: Real, D: Dim>
where
    DefaultAllocator: Allocator<D, U2>,
{
    /// The projection, `D × 2`.
    pub p: Mat<T, D, U2>,
}

impl<T: Real, D: Dim> ProjectedRing<T, D>
where
    DefaultAllocator: Allocator<D, U2>,
{
    /// A projection drawn from `rng`.
    pub fn new(d: D, rng: &mut Rng) -> Self {
        let mut p = zeros(d, U2);
        fill_normal(rng, p.as_mut_slice(), T::zero(), lit::<T>(0.5).sqrt_());
        Self { p }
    }
}

impl<T: Real, D: Dim> Source<T> for ProjectedRing<T, D>
where
    DefaultAllocator: Allocator<D, U2>,
{
    fn sample(&mut self, rng: &mut Rng, x: &mut [T]) {
        let ([u, v], _) = ring_point::<T, _>(rng);
        let d = self.p.nrows();
        let (p0, p1) = self.p.as_slice().split_at(d);
        for ((xi, &a), &b) in x.iter_mut().zip(p0).zip(p1) {
            *xi = a * u + b * v + lit::<T>(0.05) * normal::<T, _>(rng);
        }
    }
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
        let encoder = Linear::new(k, d, Init::Normal { std: cfg.init_std }, false, &mut rng);
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

    /// The encoder's weights.
    pub fn weights(&self) -> &Mat<T, K, D> {
        &self.trainer.encoder.w
    }
}

/// The ring configuration's trainer: `f32`, 2→2, `B = 64`, reservoir 256, queue 64.
pub type RingStream = StreamTrainer<f32, U2, U2, Const<64>, Const<256>, Const<64>>;

/// The footprint configuration's trainer: `f32`, 64→16, `B = 32`, reservoir 64, queue 64.
pub type WideStream = StreamTrainer<f32, Const<64>, Const<16>, Const<32>, Const<64>, Const<64>>;

impl RingStream {
    /// A fresh ring trainer.
    pub fn new(cfg: &StreamConfig) -> Self {
        Self::with_dims(cfg, (Const, Const, Const, Const, Const))
    }
}

impl WideStream {
    /// A fresh 64→16 trainer.
    pub fn new(cfg: &StreamConfig) -> Self {
        Self::with_dims(cfg, (Const, Const, Const, Const, Const))
    }
}

/// Writes `x`'s IEEE bits in hex (8 digits for `f32`, 16 for `f64`).
fn hex<T: Real, W: Write>(out: &mut W, x: T) -> fmt::Result {
    write!(out, "{:01$x}", x.bits(), 2 * core::mem::size_of::<T>())
}

/// Held-out batches of [`StreamTrainer::evaluate`] in [`run`].
pub const EVAL_BATCHES: usize = 8;

/// The whole run: header; `eval untrained` (the held-out in-batch InfoNCE of the initial
/// encoder, [`StreamTrainer::evaluate`]); [`StreamTrainer::fill`]; `cfg.epochs` epochs each
/// printed as `epoch E loss L bits XXXXXXXX` (mean training loss, queue negatives included);
/// `eval trained` (the same held-out evaluation); `w` and the weight bits (column-major).
pub fn run<T, D, K, B, C, Q, S, W>(
    t: &mut StreamTrainer<T, D, K, B, C, Q>,
    cfg: &StreamConfig,
    source: &mut S,
    out: &mut W,
) -> fmt::Result
where
    T: Real + fmt::Display,
    D: Dim,
    K: Dim,
    B: Dim,
    C: Dim,
    Q: Dim,
    S: Source<T> + ?Sized,
    W: Write,
    DefaultAllocator: Dims<K, D, B> + Allocator<D, C> + Allocator<K, Q>,
{
    let (k, d) = t.weights().shape();
    writeln!(
        out,
        "{} {} D={} K={} B={} reservoir={} queue={} tau={} lr={} seed={} augment={}",
        cfg.name,
        core::any::type_name::<T>(),
        d,
        k,
        t.batch.ncols(),
        t.reservoir.capacity(),
        t.trainer.loss.queue().capacity(),
        cfg.tau,
        cfg.lr,
        cfg.seed,
        cfg.augment,
    )?;
    let untrained = t.evaluate(cfg, source, EVAL_BATCHES);
    write!(out, "eval untrained loss {untrained} bits ")?;
    hex(out, untrained)?;
    writeln!(out)?;
    t.fill(source);
    for e in 1..=cfg.epochs {
        let l = t.epoch(cfg, source);
        write!(out, "epoch {e} loss {l} bits ")?;
        hex(out, l)?;
        writeln!(out)?;
    }
    let trained = t.evaluate(cfg, source, EVAL_BATCHES);
    write!(out, "eval trained loss {trained} bits ")?;
    hex(out, trained)?;
    writeln!(out)?;
    out.write_str("w")?;
    for &x in t.weights().iter() {
        out.write_char(' ')?;
        hex(out, x)?;
    }
    writeln!(out)
}

/// [`run`] of the ring configuration ([`StreamConfig::ring`]) on a trainer the caller owns
/// (a device keeps it wherever it likes: stack or static).
pub fn run_ring<W: Write>(t: &mut RingStream, out: &mut W) -> fmt::Result {
    run(t, &StreamConfig::ring(), &mut ring_source::<f32>, out)
}

/// [`run`] of the 64→16 configuration ([`StreamConfig::wide`]); the projection is drawn from
/// the trainer's generator after the encoder.
pub fn run_wide<W: Write>(t: &mut WideStream, out: &mut W) -> fmt::Result {
    let mut source = ProjectedRing::new(Const::<64>, &mut t.rng);
    run(t, &StreamConfig::wide(), &mut source, out)
}

/// Runs an encoder exported by `probe --export` (the `const` arrays of its `encoder.rs`) on
/// `n` samples of the seed's plane data (drawn from a generator seeded with `seed`, padded or
/// cut to `D` features): standardizes each sample with `mean`/`scale`, embeds it with a
/// `Linear<f32, Const<K>, Const<D>>` built straight from `w` (column-major, no parsing) and
/// `bias`, and prints one line per sample with the embedding's bits. The firmware and the host
/// test call it on the same committed export, so a device provably loads exported weights.
pub fn run_exported<const K: usize, const D: usize, W: Write>(
    w: &[f32],
    bias: Option<&[f32; K]>,
    mean: &[f32; D],
    scale: &[f32; D],
    n: usize,
    seed: u64,
    out: &mut W,
) -> fmt::Result {
    let mut enc = Linear::<f32, Const<K>, Const<D>>::from_weights(nalgebra::SMatrix::from_column_slice(w));
    if let Some(b) = bias {
        enc.b = nalgebra::SVector::from_column_slice(b);
        enc.bias = true;
    }
    writeln!(out, "exported encoder K={K} D={D} bias={}", bias.is_some())?;
    let mut rng = seeded(seed);
    let mut x = nalgebra::SMatrix::<f32, D, 1>::zeros();
    let mut z = nalgebra::SMatrix::<f32, K, 1>::zeros();
    for i in 0..n {
        let (p, _) = crate::synth::plane_point::<f32, _>(&mut rng);
        for (j, xj) in x.iter_mut().enumerate() {
            *xj = (p.get(j).copied().unwrap_or(0.0) - mean[j]) / scale[j];
        }
        enc.forward(&x, &mut z);
        write!(out, "sample {i} z")?;
        for &v in z.iter() {
            out.write_char(' ')?;
            hex(out, v)?;
        }
        writeln!(out)?;
    }
    Ok(())
}
