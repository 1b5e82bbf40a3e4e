//! The text every target prints in the device comparison, and the two stream configurations
//! it runs: the one place the Cortex-M firmware (`examples/cortex-m`), the WebAssembly module
//! (`examples/wasm`) and the host test (`tests/tests/device_bits.rs`) share, so their outputs
//! can be compared byte for byte (`examples/expected/`, `.ci/device.sh`).
//!
//! - Configurations: [`ring_config`] / [`RingStream`] (the reference ring problem on a
//!   stream: 2→2, `B = 64`, τ = 0.2, SGD lr 5e-2, weight decay 1e-4, rotate `U(−0.25, 0.25)`
//!   then noise `N(0, 0.05²)`, the ring points generated on the device; reservoir of 256,
//!   queue of 64 keys, chance level `ln 128 = 4.85`) and [`wide_config`] / [`WideStream`]
//!   (64→16, `B = 32`, for footprint measurements: the ring embedded in `R⁶⁴` by a fixed
//!   random projection plus noise).
//! - [`run`] prints a header, the held-out loss before training, one line per epoch (mean
//!   loss and its bits), the held-out loss after training and the final weight bits
//!   (column-major) to any `core::fmt::Write`; [`run_exported`] and [`run_exported_mlp`] print
//!   the embeddings of a linear and an MLP encoder exported by `probe --export`;
//!   [`run_anomaly`] prints the on-device anomaly detector's scores and flags.
//!
//! Every number is followed by its IEEE bits in hex, so a comparison of the text is a
//! comparison of the bits.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod anomaly;
mod exported_mlp;
pub use anomaly::{Summary, run_anomaly};
pub use exported_mlp::run_exported_mlp;

use core::fmt::{self, Write};
use nalgebra::{Const, DefaultAllocator, Dim, allocator::Allocator};
use selfsup_core::Real;
use selfsup_core::augment::Pipeline;
use selfsup_core::dims::Dims;
use selfsup_core::encoder::Bias;
use selfsup_core::fixed::{SBatch, SInfoNceQueue, SLinear, SStreamTrainer};
use selfsup_core::loss::LossError;
use selfsup_core::rng::seeded;
use selfsup_core::stream::{ProjectedRing, Source, StreamConfig, StreamTrainer, ring_source};

/// The reference ring problem on a stream (see the [crate docs](crate)): 16 epochs of 4
/// steps, 16 new samples per step.
pub fn ring_config() -> StreamConfig {
    StreamConfig {
        name: "ring-stream",
        seed: 2026,
        epochs: 16,
        steps_per_epoch: 4,
        arrivals_per_step: 16,
        tau: 0.2,
        lr: 5e-2,
        weight_decay: 1e-4,
        init_std: 0.1,
        augment: Pipeline::reference_ring(),
    }
}

/// The 64→16 footprint configuration: 3 epochs of 8 steps, 16 new samples per step,
/// augmentation `noise:0.05,uscale:0.1`.
pub fn wide_config() -> StreamConfig {
    StreamConfig {
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

/// The ring configuration's trainer: `f32`, 2→2, `B = 64`, reservoir 256, queue 64.
pub type RingStream = SStreamTrainer<f32, 2, 2, 64, 256, 64>;

/// The footprint configuration's trainer: `f32`, 64→16, `B = 32`, reservoir 64, queue 64.
pub type WideStream = SStreamTrainer<f32, 64, 16, 32, 64, 64>;

/// The ring trainer's loss (queue InfoNCE, 2-D embeddings, `B = 64`, queue of 64).
pub type RingLoss = SInfoNceQueue<f32, 2, 64, 64>;

/// The 64→16 trainer's loss (queue InfoNCE, 16-D embeddings, `B = 32`, queue of 64).
pub type WideLoss = SInfoNceQueue<f32, 16, 32, 64>;

/// The ring trainer's loss for `cfg`; an error only if `cfg.tau` is not finite and `> 0`.
pub fn ring_loss(cfg: &StreamConfig) -> Result<RingLoss, LossError> {
    RingStream::loss(cfg, Const, Const, Const)
}

/// The 64→16 trainer's loss for `cfg`; an error only if `cfg.tau` is not finite and `> 0`.
pub fn wide_loss(cfg: &StreamConfig) -> Result<WideLoss, LossError> {
    WideStream::loss(cfg, Const, Const, Const)
}

/// A fresh ring trainer for `cfg` with its checked `loss` ([`ring_loss`]). Infallible, so the
/// trainer is built in place (a `Result` of the whole trainer would cost a device a second
/// copy of it on the stack).
pub fn ring_stream(cfg: &StreamConfig, loss: RingLoss) -> RingStream {
    StreamTrainer::new(cfg, loss, (Const, Const, Const, Const))
}

/// A fresh 64→16 trainer for `cfg` with its checked `loss` ([`wide_loss`]).
pub fn wide_stream(cfg: &StreamConfig, loss: WideLoss) -> WideStream {
    StreamTrainer::new(cfg, loss, (Const, Const, Const, Const))
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
        t.batch_size(),
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

/// [`run`] of the ring configuration ([`ring_config`]) on a trainer the caller owns
/// (a device keeps it wherever it likes: stack or static).
pub fn run_ring<W: Write>(t: &mut RingStream, out: &mut W) -> fmt::Result {
    run(t, &ring_config(), &mut ring_source::<f32>, out)
}

/// [`run`] of the 64→16 configuration ([`wide_config`]); the projection is drawn from
/// the trainer's generator after the encoder.
pub fn run_wide<W: Write>(t: &mut WideStream, out: &mut W) -> fmt::Result {
    let mut source = ProjectedRing::new(Const::<64>, &mut t.rng);
    run(t, &wide_config(), &mut source, out)
}

/// Runs an encoder exported by `probe --export` (the `const` arrays of its `encoder.rs`) on
/// `n` samples of the reference programs' plane data (drawn from a generator seeded with `seed`, padded or
/// cut to `D` features): standardizes each sample with `mean`/`scale`, embeds it with a
/// `SLinear<f32, K, D>` built straight from `w` (column-major, no parsing) and
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
    let enc: SLinear<f32, K, D> = dense(w, bias);
    writeln!(out, "exported encoder K={K} D={D} bias={}", bias.is_some())?;
    embed_samples((mean, scale), n, seed, out, |x, z| enc.forward(x, z))
}

/// A dense layer `O × I` from column-major weights `w` and, if given, a bias (then
/// [`Bias::Yes`]), as `probe --export` writes them.
fn dense<const O: usize, const I: usize>(w: &[f32], bias: Option<&[f32; O]>) -> SLinear<f32, O, I> {
    let mut l = SLinear::<f32, O, I>::from_weights(nalgebra::SMatrix::from_column_slice(w));
    if let Some(b) = bias {
        l.b = nalgebra::SVector::from_column_slice(b);
        l.bias = Bias::Yes;
    }
    l
}

/// The sample loop of [`run_exported`] and [`run_exported_mlp`]: `n` plane samples from a
/// generator seeded with `seed`, padded or cut to `D` features, standardized with
/// `(mean, scale)`, embedded by `embed` and printed one line per sample with the embedding's
/// bits.
fn embed_samples<const K: usize, const D: usize, W: Write>(
    (mean, scale): (&[f32; D], &[f32; D]),
    n: usize,
    seed: u64,
    out: &mut W,
    mut embed: impl FnMut(&SBatch<f32, D, 1>, &mut SBatch<f32, K, 1>),
) -> fmt::Result {
    let mut rng = seeded(seed);
    let mut x = SBatch::<f32, D, 1>::zeros();
    let mut z = SBatch::<f32, K, 1>::zeros();
    for i in 0..n {
        let (p, _) = selfsup_core::synth::plane_point::<f32, _>(&mut rng);
        for (j, xj) in x.iter_mut().enumerate() {
            *xj = (p.get(j).copied().unwrap_or(0.0) - mean[j]) / scale[j];
        }
        embed(&x, &mut z);
        write!(out, "sample {i} z")?;
        for &v in z.iter() {
            out.write_char(' ')?;
            hex(out, v)?;
        }
        writeln!(out)?;
    }
    Ok(())
}
