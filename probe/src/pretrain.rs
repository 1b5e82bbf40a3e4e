//! Self-supervised pretraining of a linear encoder with selfsup-core on `Dyn` sizes.
//!
//! One epoch: shuffle the training rows (seeded), cut them into `⌊n / B⌋` full batches (the
//! losses are sized for `B`), and for each batch
//!
//! - **InfoNCE / NT-Xent**: draw two augmented views `X_a`, `X_b` (`D × B`), embed
//!   `Z = W X` (`K × B`), compute the loss and its exact gradient on the unnormalized
//!   embeddings (core's `PairLoss`), back-propagate `∂L/∂W = G_a X_aᵀ + G_b X_bᵀ` and take one
//!   optimizer step;
//! - **autoencoder**: `X̂ = V W X`, `L = (1/B) Σ ½ ‖x̂ − x‖²` (the seed's linear autoencoder,
//!   no augmentation), gradients through decoder `V` and encoder `W`.
//!
//! The encoder is core's `Linear` without bias, initialised `N(0, 0.1²)` (the seed programs);
//! the random baseline of the evaluation is that same initialisation. The loss of an epoch is
//! the mean of its batch losses. A non-finite loss, or one 1000× above the first epoch's, stops
//! training with a message saying what to change.

use crate::augment::Pipeline;
use crate::cli::{Method, OptimizerKind};
use crate::error::{ProbeError, Result};
use nalgebra::Dyn;
use selfsup_core::Real;
use selfsup_core::dims::Mat;
use selfsup_core::encoder::{Init, Linear};
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use selfsup_core::optim::{OptState, Optimizer};
use selfsup_core::rng::{Rng, seeded, shuffle};

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
    /// Augmentations.
    pub aug: Pipeline,
    /// Seed of initialisation, batches and augmentations.
    pub seed: u64,
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
}

/// Pretrains on row-major `x` (`n × d`) in precision `T`; `progress(epoch, loss)` is called
/// after each epoch.
pub fn pretrain<T: Real>(
    x: &[f64],
    d: usize,
    cfg: &PretrainConfig,
    progress: &mut dyn FnMut(usize, f64),
) -> Result<Pretrained> {
    let n = x.len() / d;
    let (k, b) = (cfg.dim, cfg.batch);
    let data: Vec<T> = x.iter().map(|&v| T::of_f64(v)).collect();
    let mut rng: Rng = seeded(cfg.seed);
    let mut enc = Linear::<T, Dyn, Dyn>::new(Dyn(k), Dyn(d), INIT, false, &mut rng);
    let initial = to_row_major(&enc.w);
    let mut dec = Linear::<T, Dyn, Dyn>::new(Dyn(d), Dyn(k), INIT, false, &mut rng);
    let mut genc = enc.zeros_like();
    let mut gdec = dec.zeros_like();
    let opt: Optimizer<T> = match cfg.optimizer {
        OptimizerKind::Adam => Optimizer::adam(cfg.lr, cfg.weight_decay),
        OptimizerKind::Sgd => Optimizer::sgd(cfg.lr, 0.9, cfg.weight_decay),
    };
    let mut st_enc = OptState::for_param(&enc.w);
    let mut st_dec = OptState::for_param(&dec.w);
    let mut loss_fn: Option<Box<dyn PairLoss<T, Dyn, Dyn>>> = match cfg.method {
        Method::Infonce => Some(Box::new(InfoNce::new(cfg.tau, Dyn(k), Dyn(b)))),
        Method::Ntxent => Some(Box::new(NtXent::new(cfg.tau, Dyn(k), Dyn(b)))),
        Method::Ae => None,
    };
    let mut xa = Mat::<T, Dyn, Dyn>::zeros(d, b);
    let mut xb = Mat::<T, Dyn, Dyn>::zeros(d, b);
    let mut za = Mat::<T, Dyn, Dyn>::zeros(k, b);
    let mut zb = Mat::<T, Dyn, Dyn>::zeros(k, b);
    let mut ga = Mat::<T, Dyn, Dyn>::zeros(k, b);
    let mut gb = Mat::<T, Dyn, Dyn>::zeros(k, b);
    let mut xhat = Mat::<T, Dyn, Dyn>::zeros(d, b);
    let mut tmp = vec![T::zero(); d];
    let mut order: Vec<usize> = (0..n).collect();
    let mut losses = Vec::with_capacity(cfg.epochs);
    let batches = n / b;
    for epoch in 0..cfg.epochs {
        shuffle(&mut rng, &mut order);
        let mut sum = 0.0;
        for chunk in order.chunks_exact(b).take(batches) {
            for (j, &i) in chunk.iter().enumerate() {
                let row = &data[i * d..(i + 1) * d];
                xa.column_mut(j).copy_from_slice(row);
                xb.column_mut(j).copy_from_slice(row);
                if loss_fn.is_some() {
                    cfg.aug.apply(&mut rng, xa.column_mut(j).as_mut_slice(), &data, &mut tmp);
                    cfg.aug.apply(&mut rng, xb.column_mut(j).as_mut_slice(), &data, &mut tmp);
                }
            }
            genc.clear();
            let loss = match loss_fn.as_mut() {
                Some(lf) => {
                    enc.forward(&xa, &mut za);
                    enc.forward(&xb, &mut zb);
                    let l = lf.loss_grad(&za, &zb, &mut ga, &mut gb);
                    enc.backward(&xa, &ga, &mut genc);
                    enc.backward(&xb, &gb, &mut genc);
                    l
                }
                None => {
                    // Autoencoder: X̂ = V W X, L = (1/B) Σ ½‖x̂ − x‖².
                    enc.forward(&xa, &mut za);
                    dec.forward(&za, &mut xhat);
                    let inv_b = T::one() / T::of_usize(b);
                    let mut l = T::zero();
                    for (h, &t) in xhat.iter_mut().zip(xa.iter()) {
                        let e = *h - t;
                        l += e * e;
                        *h = e * inv_b; // now ∂L/∂X̂
                    }
                    gdec.clear();
                    dec.backward(&za, &xhat, &mut gdec);
                    dec.backward_input(&xhat, &mut ga);
                    enc.backward(&xa, &ga, &mut genc);
                    opt.update(&mut st_dec, &mut dec.w, &gdec.w);
                    l * lit_half::<T>() * inv_b
                }
            };
            opt.update(&mut st_enc, &mut enc.w, &genc.w);
            sum += loss.to_f64();
        }
        let mean = sum / batches as f64;
        check_divergence(mean, losses.first().copied(), epoch, cfg)?;
        losses.push(mean);
        progress(epoch + 1, mean);
    }
    Ok(Pretrained { initial, weights: to_row_major(&enc.w), losses })
}

fn lit_half<T: Real>() -> T {
    T::of_f64(0.5)
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
    use crate::dataset::DataKind;

    fn cfg(method: Method) -> PretrainConfig {
        PretrainConfig {
            method,
            dim: 2,
            epochs: 3,
            batch: 8,
            lr: 0.01,
            tau: 0.5,
            optimizer: OptimizerKind::Adam,
            weight_decay: 0.0,
            aug: Pipeline::parse("noise:0.1", 3, &DataKind::Tabular).unwrap(),
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
