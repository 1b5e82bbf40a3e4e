//! Self-supervised pretraining of a linear encoder with selfsup-core on `Dyn` sizes.
//!
//! - **InfoNCE / NT-Xent**: core's [`Trainer`]: each epoch shuffles the training rows (seeded)
//!   and, for each of the `⌊n / B⌋` full batches (a partial last batch is dropped; the losses
//!   are sized for `B`), draws two augmented views, embeds them `Z = W X`, evaluates the loss
//!   and its exact gradient, back-propagates and takes one optimizer step.
//! - **autoencoder**: core's `LinearAutoencoder` (`L = (1/2B) Σ ‖W_dec W_enc x − x‖²`, the
//!   seed's first program) trained by core's `AeTrainer`, on the same shuffled full batches, no augmentation.
//!
//! The encoder is core's `Linear` without bias, initialised `N(0, 0.1²)` (the seed programs);
//! the random baseline of the evaluation is that same initialisation. The learning rate is
//! constant (the seed programs). The loss of an epoch is the mean of its batch losses. A
//! non-finite loss, or one 1000× above the first epoch's, stops training with a message saying
//! what to change.

use crate::cli::{Method, OptimizerKind};
use crate::error::{ProbeError, Result};
use nalgebra::Dyn;
use selfsup_core::Real;
use selfsup_core::augment::Pipeline;
use selfsup_core::dims::Mat;
use selfsup_core::encoder::{Bias, Init, Linear};
use selfsup_core::loss::{InfoNce, LinearAutoencoder, NtXent, PairLoss};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{Rng, seeded, shuffle};
use selfsup_core::train::{AeTrainer, Learner, Trainer, gather};

/// Initialisation of the encoder (and of the random baseline).
pub const INIT: Init = Init::Normal { std: 0.1 };
/// Human-readable [`INIT`] for the report.
pub const INIT_NAME: &str = "normal(0, 0.1^2), no bias";

/// Everything pretraining needs.
#[derive(Clone, Debug)]
pub struct PretrainConfig {
    /// Objective.
    pub method: Method,
    /// Embedding size `K`.
    pub dim: usize,
    /// Epochs.
    pub epochs: usize,
    /// Batch size `B`.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// Temperature of InfoNCE / NT-Xent.
    pub tau: f64,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Weight decay.
    pub weight_decay: f64,
    /// Augmentations (core's pipeline, channels set).
    pub aug: Pipeline,
    /// Seed of initialisation, batches and augmentations.
    pub seed: u64,
    /// Initial encoder weights, row-major `K × D` (`--init`), replacing the random ones (which
    /// are still drawn, so batches and augmentations match a run without `--init`).
    pub init: Option<Vec<f64>>,
}

/// The result of one pretraining run.
#[derive(Clone, Debug)]
pub struct Pretrained {
    /// Initial (random) encoder weights, row-major `K × D`, as f64.
    pub initial: Vec<f64>,
    /// Trained encoder weights, row-major `K × D`, as f64.
    pub weights: Vec<f64>,
    /// Mean loss of each epoch.
    pub losses: Vec<f64>,
    /// Runs of probe::methods (MLP encoders, heads, non-contrastive objectives): the frozen
    /// encoders and the collapse guard's record (`initial` / `weights` hold the first layer).
    pub ssl: Option<crate::methods::SslRun>,
}

/// Pretrains on row-major `x` (`n × d`, which is core's column-major `d × n`) in precision
/// `T`; `progress(epoch, loss)` is called after each epoch.
pub fn pretrain<T: Real>(
    x: &[f64],
    d: usize,
    cfg: &PretrainConfig,
    progress: &mut dyn FnMut(usize, f64),
) -> Result<Pretrained> {
    let data: Vec<T> = x.iter().map(|&v| T::of_f64(v)).collect();
    let mut rng: Rng = seeded(cfg.seed);
    let opt: Optimizer<T> = match cfg.optimizer {
        OptimizerKind::Adam => Optimizer::adam(cfg.lr, cfg.weight_decay),
        OptimizerKind::Sgd => Optimizer::sgd(cfg.lr, 0.9, cfg.weight_decay),
    };
    let (k, b) = (Dyn(cfg.dim), Dyn(cfg.batch));
    match cfg.method {
        Method::Ae => autoencoder(&data, d, cfg, opt, &mut rng, progress),
        Method::Infonce => contrastive(InfoNce::new(cfg.tau, k, b), &data, d, cfg, opt, &mut rng, progress),
        Method::Ntxent => contrastive(NtXent::new(cfg.tau, k, b), &data, d, cfg, opt, &mut rng, progress),
        _ => Err(ProbeError::usage(
            "this method is trained by probe::methods::pretrain_for_run",
            "call probe::methods::pretrain_for_run",
        )),
    }
}

fn contrastive<T: Real, L: PairLoss<T, Dyn, Dyn>>(
    loss: L,
    data: &[T],
    d: usize,
    cfg: &PretrainConfig,
    opt: Optimizer<T>,
    rng: &mut Rng,
    progress: &mut dyn FnMut(usize, f64),
) -> Result<Pretrained> {
    let mut enc = Linear::<T, Dyn, Dyn>::new(Dyn(cfg.dim), Dyn(d), INIT, Bias::No, rng);
    set_init(&mut enc.w, cfg);
    let initial = to_row_major(&enc.w);
    let mut trainer = Trainer::new(enc, loss, opt, cfg.aug.clone(), (Dyn(d), Dyn(cfg.dim), Dyn(cfg.batch)));
    let mut order: Vec<usize> = (0..data.len() / d).collect();
    let mut losses = Vec::with_capacity(cfg.epochs);
    for epoch in 0..cfg.epochs {
        let l = trainer.epoch(data, &mut order, rng).to_f64();
        check_divergence(l, losses.first().copied(), epoch, cfg)?;
        losses.push(l);
        progress(epoch + 1, l);
    }
    Ok(Pretrained { initial, weights: to_row_major(&trainer.encoder.w), losses, ssl: None })
}

fn autoencoder<T: Real>(
    data: &[T],
    d: usize,
    cfg: &PretrainConfig,
    opt: Optimizer<T>,
    rng: &mut Rng,
    progress: &mut dyn FnMut(usize, f64),
) -> Result<Pretrained> {
    let (k, b) = (cfg.dim, cfg.batch);
    let mut ae = LinearAutoencoder::<T, Dyn, Dyn>::new(Dyn(k), Dyn(d), INIT, Bias::No, rng);
    set_init(&mut ae.enc.w, cfg);
    let initial = to_row_major(&ae.enc.w);
    let mut trainer = AeTrainer::new(ae, opt, Dyn(b));
    let mut x = Mat::<T, Dyn, Dyn>::zeros(d, b);
    let mut order: Vec<usize> = (0..data.len() / d).collect();
    let mut losses = Vec::with_capacity(cfg.epochs);
    for epoch in 0..cfg.epochs {
        shuffle(rng, &mut order);
        let mut sum = 0.0;
        let mut batches = 0;
        for idx in order.chunks_exact(b) {
            gather(data, d, idx, x.as_mut_slice());
            sum += trainer.step(&x, rng).to_f64();
            batches += 1;
        }
        let l = sum / batches as f64;
        check_divergence(l, losses.first().copied(), epoch, cfg)?;
        losses.push(l);
        progress(epoch + 1, l);
    }
    Ok(Pretrained { initial, weights: to_row_major(&trainer.ae.enc.w), losses, ssl: None })
}

fn check_divergence(loss: f64, first: Option<f64>, epoch: usize, cfg: &PretrainConfig) -> Result<()> {
    let exploded = first.is_some_and(|f| loss > 1000.0 * f.abs().max(1e-12));
    if loss.is_finite() && !exploded {
        return Ok(());
    }
    let what = if loss.is_finite() {
        format!("training diverged at epoch {}: loss {loss:.3e} grew over 1000× the first epoch's", epoch + 1)
    } else {
        format!("training diverged at epoch {}: the loss became {loss}", epoch + 1)
    };
    Err(ProbeError::training(
        what,
        format!(
            "lower the learning rate (now --lr {}), e.g. --lr {}, or switch to --optimizer adam; with --method infonce/ntxent a larger --tau also calms training",
            cfg.lr,
            cfg.lr / 10.0
        ),
    ))
}

/// Overwrites the encoder weight with `cfg.init` (row-major `K × D`), if given.
fn set_init<T: Real>(w: &mut Mat<T, Dyn, Dyn>, cfg: &PretrainConfig) {
    if let Some(init) = &cfg.init {
        let d = w.ncols();
        for (i, row) in init.chunks_exact(d.max(1)).enumerate().take(w.nrows()) {
            for (j, &v) in row.iter().enumerate() {
                w[(i, j)] = T::of_f64(v);
            }
        }
    }
}

/// Row-major copy (as f64) of a column-major `K × D` matrix.
fn to_row_major<T: Real>(w: &Mat<T, Dyn, Dyn>) -> Vec<f64> {
    let (k, d) = w.shape();
    let mut out = Vec::with_capacity(k * d);
    for i in 0..k {
        for j in 0..d {
            out.push(w[(i, j)].to_f64());
        }
    }
    out
}

/// Embeds row-major `x` (`n × d`) with row-major weights `w` (`k × d`): `z_i = W x_i`.
pub fn embed(w: &[f64], k: usize, x: &[f64], d: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len() / d * k);
    for row in x.chunks_exact(d) {
        for wr in w.chunks_exact(d).take(k) {
            out.push(wr.iter().zip(row).map(|(a, b)| a * b).sum());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::parse;
    use crate::dataset::DataKind;

    fn cfg(method: Method) -> PretrainConfig {
        PretrainConfig {
            init: None,
            method,
            dim: 2,
            epochs: 3,
            batch: 8,
            lr: 0.01,
            tau: 0.5,
            optimizer: OptimizerKind::Adam,
            weight_decay: 0.0,
            aug: parse("noise:0.1", 3, &DataKind::Tabular).unwrap(),
            seed: 1,
        }
    }

    #[test]
    fn seeded_runs_are_identical_and_loss_falls() {
        let x: Vec<f64> = (0..96).map(|i| ((i * 37 % 17) as f64 - 8.0) / 5.0).collect();
        for m in [Method::Ntxent, Method::Infonce, Method::Ae] {
            let mut c = cfg(m);
            c.epochs = 30;
            let a = pretrain::<f64>(&x, 3, &c, &mut |_, _| {}).unwrap();
            let b = pretrain::<f64>(&x, 3, &c, &mut |_, _| {}).unwrap();
            assert_eq!(a.weights, b.weights);
            assert_eq!(a.losses.len(), 30);
            assert!(a.losses[29] < a.losses[0], "{m:?}: {:?}", a.losses);
            assert_ne!(a.weights, a.initial);
        }
    }

    #[test]
    fn divergence_is_reported() {
        let x: Vec<f64> = (0..96).map(|i| ((i * 37 % 17) as f64 - 8.0) * 100.0).collect();
        let mut c = cfg(Method::Ae);
        c.optimizer = OptimizerKind::Sgd;
        c.lr = 10.0;
        c.epochs = 50;
        let e = pretrain::<f64>(&x, 3, &c, &mut |_, _| {}).unwrap_err();
        assert!(e.to_string().contains("diverged"), "{e}");
        assert!(e.to_string().contains("--lr"), "{e}");
    }
}
