//! Pretraining of any encoder / head / objective combination with selfsup-core on `Dyn` sizes:
//! the contrastive losses (InfoNCE, NT-Xent) and Barlow Twins and VICReg through core's
//! `Trainer`, BYOL and SimSiam through core's learners, with the collapse guard
//! ([`super::collapse`]) watching the encoder after every epoch.
//!
//! One epoch, as core's `Trainer::epoch`: shuffle the training rows (seeded), cut them into
//! `⌊n / B⌋` full batches, draw two augmented views of each batch (core's augmentation
//! pipeline, view a then view b), one training step per batch. The evaluated encoder is `f`
//! alone, never the head or the predictor.
//!
//! Defaults for small embeddings: [`ModelOptions`].

use super::collapse::CollapseLog;
use super::trained::{Pretrained, SslRun};
use crate::augment::Pipeline;
use crate::error::{ProbeError, Result};
use crate::network::{Embedder, EncoderKind, HeadKind, Layer, Net};
use crate::settings::{Method, ModelOptions, OptimizerKind, PretrainConfig};
use crate::weights::NetWeights;
use crate::weights::init::InitWeights;
use nalgebra::Dyn;
use selfsup_core::Real;
use selfsup_core::dims::Mat;
use selfsup_core::encoder::{Encoder, WithHead};
use selfsup_core::loss::{BarlowTwins, InfoNce, NtXent, PairLoss, VicReg};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{Rng, seeded, shuffle};
use selfsup_core::train::byol::Byol;
use selfsup_core::train::simsiam::SimSiam;
use selfsup_core::train::{Trainer, gather};

/// Monitor rows for the collapse guard (the first ones of the training split).
pub const MONITOR_ROWS: usize = 256;

/// Everything one pretraining run needs.
#[derive(Clone, Debug)]
pub struct SslConfig {
    /// Objective (not `ae`).
    pub method: Method,
    /// Representation size `K` (output of the encoder; the head keeps it).
    pub dim: usize,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// InfoNCE / NT-Xent temperature.
    pub tau: f64,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Weight decay.
    pub weight_decay: f64,
    /// Augmentations.
    pub aug: Pipeline,
    /// Seed.
    pub seed: u64,
    /// Architecture and method settings.
    pub model: ModelOptions,
}

/// Builds `f`, `g` (and `q`) for inputs of size `d`.
fn build<T: Real>(d: usize, cfg: &SslConfig, rng: &mut Rng) -> (Net<T>, Layer<T>) {
    let (k, m) = (cfg.dim, &cfg.model);
    let f = match m.encoder {
        EncoderKind::Linear => Layer::linear(d, k, true, rng),
        EncoderKind::Mlp => Layer::mlp(d, m.hidden, k, rng),
    };
    let g = match m.head {
        HeadKind::None => Layer::Identity(k),
        HeadKind::Linear => Layer::linear(k, k, false, rng),
        HeadKind::Mlp => Layer::mlp(k, m.head_hidden, k, rng),
    };
    let q = Layer::mlp(k, m.predictor_hidden, k, rng);
    (WithHead::new(f, g, Dyn(k)), q)
}

/// A pair loss chosen at run time.
enum AnyLoss<T: Real> {
    InfoNce(InfoNce<T, Dyn, Dyn>),
    NtXent(NtXent<T, Dyn, Dyn>),
    Barlow(BarlowTwins<T, Dyn, Dyn>),
    VicReg(VicReg<T, Dyn, Dyn>),
}

impl<T: Real> PairLoss<T, Dyn, Dyn> for AnyLoss<T> {
    fn loss_grad(
        &mut self,
        a: &Mat<T, Dyn, Dyn>,
        b: &Mat<T, Dyn, Dyn>,
        ga: &mut Mat<T, Dyn, Dyn>,
        gb: &mut Mat<T, Dyn, Dyn>,
    ) -> T {
        match self {
            AnyLoss::InfoNce(l) => l.loss_grad(a, b, ga, gb),
            AnyLoss::NtXent(l) => l.loss_grad(a, b, ga, gb),
            AnyLoss::Barlow(l) => l.loss_grad(a, b, ga, gb),
            AnyLoss::VicReg(l) => l.loss_grad(a, b, ga, gb),
        }
    }

    fn loss(&mut self, a: &Mat<T, Dyn, Dyn>, b: &Mat<T, Dyn, Dyn>) -> T {
        match self {
            AnyLoss::InfoNce(l) => l.loss(a, b),
            AnyLoss::NtXent(l) => l.loss(a, b),
            AnyLoss::Barlow(l) => l.loss(a, b),
            AnyLoss::VicReg(l) => l.loss(a, b),
        }
    }
}

type PairTrainer<T> = Trainer<T, Dyn, Dyn, Dyn, Net<T>, AnyLoss<T>>;
type ByolLearner<T> = Byol<T, Dyn, Dyn, Dyn, Net<T>, Layer<T>>;
type SimSiamLearner<T> = SimSiam<T, Dyn, Dyn, Dyn, Net<T>, Layer<T>>;

/// The three kinds of learner.
enum Learner<T: Real> {
    Pair(Box<PairTrainer<T>>),
    Byol(Box<ByolLearner<T>>),
    SimSiam(Box<SimSiamLearner<T>>),
}

impl<T: Real> Learner<T> {
    fn net(&self) -> &Net<T> {
        match self {
            Learner::Pair(t) => &t.encoder,
            Learner::Byol(b) => &b.online,
            Learner::SimSiam(s) => &s.net,
        }
    }
}

/// Whether `method` is trained here (everything but the autoencoder).
pub fn supports(method: Method) -> bool {
    method != Method::Ae
}

/// Pretrains on row-major `x` (`n × d`) in precision `T`. `progress(epoch, loss)` is called
/// after each epoch; `warn` receives the collapse guard's warnings.
pub fn pretrain<T: Real>(
    x: &[f64],
    d: usize,
    cfg: &SslConfig,
    progress: &mut dyn FnMut(usize, f64),
    warn: &mut dyn FnMut(&str),
) -> Result<SslRun> {
    pretrain_from::<T>(x, d, cfg, None, progress, warn).map(|(run, _)| run)
}

/// [`pretrain`] starting from `init` (checked against the run's architecture) instead of the
/// random encoder (and head, if `init` has one; the random draws still happen, so batches and
/// augmentations are those of a run without `init`). Returns the trained network as well.
pub fn pretrain_from<T: Real>(
    x: &[f64],
    d: usize,
    cfg: &SslConfig,
    init: Option<&InitWeights>,
    progress: &mut dyn FnMut(usize, f64),
    warn: &mut dyn FnMut(&str),
) -> Result<(SslRun, NetWeights)> {
    let n = x.len() / d;
    let (k, b) = (cfg.dim, cfg.batch);
    if !supports(cfg.method) || b < 2 || n < b {
        return Err(ProbeError::usage(
            format!("cannot pretrain {:?} with batch {b} on {n} rows", cfg.method),
            "use a batch of at least 2 rows and at most the number of training rows",
        ));
    }
    let data: Vec<T> = x.iter().map(|&v| T::of_f64(v)).collect();
    let mut rng: Rng = seeded(cfg.seed);
    let (mut net, pred) = build::<T>(d, cfg, &mut rng);
    if let Some(i) = init {
        i.apply(&mut net);
    }
    let initial = net.encoder.embedder();
    let opt: Optimizer<T> = match cfg.optimizer {
        OptimizerKind::Adam => Optimizer::adam(cfg.lr, cfg.weight_decay),
        OptimizerKind::Sgd => Optimizer::sgd(cfg.lr, 0.9, cfg.weight_decay),
    };
    let steps = cfg.epochs * (n / b);
    let pair = |l: AnyLoss<T>, net: Net<T>| {
        let t = Trainer::new(net, l, opt, cfg.aug.clone(), (Dyn(d), Dyn(k), Dyn(b)));
        Learner::Pair(Box::new(t))
    };
    let mut learner = match cfg.method {
        Method::Infonce => pair(AnyLoss::InfoNce(InfoNce::new(cfg.tau, Dyn(k), Dyn(b))), net),
        Method::Ntxent => pair(AnyLoss::NtXent(NtXent::new(cfg.tau, Dyn(k), Dyn(b))), net),
        Method::Barlow => {
            pair(AnyLoss::Barlow(BarlowTwins::new(cfg.model.barlow_lambda, Dyn(k), Dyn(b))), net)
        }
        Method::Vicreg => pair(AnyLoss::VicReg(VicReg::lightly(Dyn(k), Dyn(b))), net),
        Method::Byol => {
            Learner::Byol(Box::new(Byol::new(net, pred, Dyn(k), Dyn(b), cfg.model.tau_base, steps)))
        }
        Method::Simsiam => {
            let mut s = SimSiam::new(net, pred, Dyn(k), Dyn(b));
            s.stop_gradient = cfg.model.stop_gradient;
            s.use_predictor = cfg.model.predictor;
            Learner::SimSiam(Box::new(s))
        }
        Method::Ae => unreachable!("checked by supports()"),
    };
    let mut batch = Mat::<T, Dyn, Dyn>::zeros(d, b);
    let mut xa = Mat::<T, Dyn, Dyn>::zeros(d, b);
    let mut xb = Mat::<T, Dyn, Dyn>::zeros(d, b);
    let mut order: Vec<usize> = (0..n).collect();
    let monitor = &x[..n.min(MONITOR_ROWS) * d];
    let mut collapse = CollapseLog::new(k);
    let mut losses = Vec::with_capacity(cfg.epochs);
    for epoch in 0..cfg.epochs {
        let mean = match &mut learner {
            Learner::Pair(t) => t.epoch(&data, &mut order, &mut rng).to_f64(),
            other => {
                // The same batches and views as Trainer::epoch, for the predictor learners.
                shuffle(&mut rng, &mut order);
                let mut sum = 0.0;
                for idx in order.chunks_exact(b) {
                    gather(&data, d, idx, batch.as_mut_slice());
                    cfg.aug.apply(&batch, &mut xa, &mut rng);
                    cfg.aug.apply(&batch, &mut xb, &mut rng);
                    sum += match other {
                        Learner::Byol(l) => l.step(&xa, &xb, &opt),
                        Learner::SimSiam(l) => l.step(&xa, &xb, &opt),
                        Learner::Pair(_) => unreachable!(),
                    }
                    .to_f64();
                }
                sum / (n / b) as f64
            }
        };
        check_divergence(mean, losses.first().copied(), epoch, cfg)?;
        losses.push(mean);
        let net = learner.net();
        let z = net.encoder.embedder().apply(monitor, d);
        let p = (cfg.model.head != HeadKind::None).then(|| net.head.embedder().apply(&z, k));
        if let Some(w) = collapse.observe(epoch + 1, &z, p.as_deref()) {
            warn(&w);
        }
        progress(epoch + 1, mean);
    }
    let trained = learner.net().encoder.embedder();
    Ok((SslRun { initial, trained, losses, collapse }, NetWeights::of(learner.net())))
}

fn check_divergence(loss: f64, first: Option<f64>, epoch: usize, cfg: &SslConfig) -> Result<()> {
    let exploded = first.is_some_and(|f| loss.abs() > 1000.0 * f.abs().max(1e-3));
    if loss.is_finite() && !exploded {
        return Ok(());
    }
    Err(ProbeError::training(
        format!("training diverged at epoch {}: the loss became {loss:.3e}", epoch + 1),
        format!("lower the learning rate (now --lr {}), e.g. --lr {}", cfg.lr, cfg.lr / 10.0),
    ))
}

/// [`pretrain`] for the main run: from its configuration, in f64 or f32, as a
/// [`Pretrained`] (with a linear encoder, `initial` / `weights` hold its weights as usual).
pub fn pretrain_for_run(
    x: &[f64],
    d: usize,
    cfg: &PretrainConfig,
    model: &ModelOptions,
    double: bool,
    progress: &mut dyn FnMut(usize, f64),
    warn: &mut dyn FnMut(&str),
) -> Result<Pretrained> {
    if cfg.method == Method::Ae {
        return Err(ProbeError::usage(
            "--method ae trains the seed's linear autoencoder only",
            "drop --encoder mlp / --head, or use another --method",
        ));
    }
    let c = SslConfig {
        method: cfg.method,
        dim: cfg.dim,
        epochs: cfg.epochs,
        batch: cfg.batch,
        lr: cfg.lr,
        tau: cfg.tau,
        optimizer: cfg.optimizer,
        weight_decay: cfg.weight_decay,
        aug: cfg.aug.clone(),
        seed: cfg.seed,
        model: model.clone(),
    };
    let init = cfg.init.as_ref();
    let (run, net) = if double {
        pretrain_from::<f64>(x, d, &c, init, progress, warn)?
    } else {
        pretrain_from::<f32>(x, d, &c, init, progress, warn)?
    };
    let first = |e: &Embedder| e.layers.first().map(|l| l.w.clone()).unwrap_or_default();
    Ok(Pretrained {
        initial: first(&run.initial),
        weights: first(&run.trained),
        losses: run.losses.clone(),
        net,
        ssl: Some(run),
    })
}

/// Number of trainable parameters of `f` for inputs of size `d` (for the report).
pub fn encoder_params(d: usize, cfg: &SslConfig) -> usize {
    let (net, _) = build::<f64>(d, cfg, &mut seeded(0));
    Encoder::<f64, Dyn, Dyn, Dyn>::num_params(&net.encoder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DataKind;

    fn cfg(method: Method, encoder: EncoderKind, head: HeadKind) -> SslConfig {
        SslConfig {
            method,
            dim: 4,
            epochs: 20,
            batch: 16,
            lr: 3e-3,
            tau: 0.5,
            optimizer: OptimizerKind::Adam,
            weight_decay: 0.0,
            aug: crate::augment::parse("noise:0.2", 6, &DataKind::Tabular).unwrap(),
            seed: 1,
            model: ModelOptions::defaults_for(4, encoder, 16, head),
        }
    }

    fn data() -> Vec<f64> {
        (0..64 * 6)
            .map(|i| (((i * 37) % 23) as f64 - 11.0) / 6.0 + if i % 6 < 3 { 1.0 } else { -1.0 })
            .collect()
    }

    #[test]
    fn every_method_trains_deterministically() {
        let x = data();
        for m in
            [Method::Infonce, Method::Ntxent, Method::Barlow, Method::Vicreg, Method::Byol, Method::Simsiam]
        {
            for (e, h) in [(EncoderKind::Linear, HeadKind::None), (EncoderKind::Mlp, HeadKind::Mlp)] {
                let c = cfg(m, e, h);
                let a = pretrain::<f64>(&x, 6, &c, &mut |_, _| {}, &mut |_| {}).unwrap();
                let b = pretrain::<f64>(&x, 6, &c, &mut |_, _| {}, &mut |_| {}).unwrap();
                assert_eq!(a.trained, b.trained, "{m:?}");
                assert_ne!(a.trained, a.initial, "{m:?}");
                assert_eq!(a.losses.len(), 20);
                assert!(a.losses.iter().all(|l| l.is_finite()));
                assert_eq!(a.collapse.per_epoch.len(), 20);
                assert_eq!(a.trained.dim(6), 4);
            }
        }
    }

    /// SimSiam with its predictor and stop-gradient removed collapses, and the guard flags it
    /// (and warns during training); SimSiam proper on the same data is not flagged.
    #[test]
    fn collapse_guard_flags_simsiam_without_predictor_and_stop_gradient() {
        let x = data();
        // Strong augmentation (noise of one standard deviation): only a constant is invariant.
        let strong = crate::augment::parse("noise:1.0", 6, &DataKind::Tabular).unwrap();
        let mut c = cfg(Method::Simsiam, EncoderKind::Mlp, HeadKind::Mlp);
        c.epochs = 60;
        c.aug = strong.clone();
        c.model.predictor = false;
        c.model.stop_gradient = false;
        let mut warnings = Vec::new();
        let run = pretrain::<f64>(&x, 6, &c, &mut |_, _| {}, &mut |w| warnings.push(w.to_string())).unwrap();
        assert!(
            run.collapse.flagged,
            "{:?} {:?} {:?}",
            run.collapse.per_epoch.last(),
            run.collapse.projection.last(),
            &run.losses[50..]
        );
        assert!(run.collapse.verdict.as_deref().unwrap().starts_with("complete collapse"));
        assert!(warnings.iter().any(|w| w.contains("complete collapse")), "{warnings:?}");
        let mut ok = cfg(Method::Simsiam, EncoderKind::Mlp, HeadKind::Mlp);
        ok.epochs = 60;
        ok.aug = strong;
        let run = pretrain::<f64>(&x, 6, &ok, &mut |_, _| {}, &mut |_| {}).unwrap();
        assert!(!run.collapse.flagged, "{:?}", run.collapse.per_epoch.last());
    }
}
