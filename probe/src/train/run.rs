//! The one training loop, shared by `probe`, `probe compare` and every later command: build
//! the learner ([`super::build`]), then per epoch core's [`Learner::epoch`](selfsup_core::train::learner::Learner::epoch) (shuffle the
//! training rows with the run's seeded generator, cut them into `⌊n / B⌋` full batches — a
//! partial last batch is dropped —, one step per batch: two augmented views, forward, loss,
//! exact gradient, one optimizer update), then the divergence check and the collapse guard.
//!
//! - **The input first**: before any step, the encoders' input must be finite with squares
//!   that are finite in the training precision; otherwise training stops with an error that
//!   blames the input (the value and its row and feature), not the learning rate.
//! - **Divergence**: a non-finite epoch loss, or one whose magnitude exceeds 1000× a reference
//!   scale, stops training with one error line saying what to change. The scale is the first
//!   epoch's loss, at least 1: losses near zero or negative ones (BYOL, SimSiam) are judged by
//!   scale, and a contrastive loss that starts near its minimum may rise to its usual size (a
//!   one-class NT-Xent at τ = 0.02 on two rows: 10⁻³ in the first epoch, 1.0 later) without
//!   being called divergence, while an exploding one (10¹⁷) still is. For the autoencoder the
//!   scale is also at most the loss of reconstructing every row as zero, `½ mean ‖x‖²` (at
//!   least 10⁻³): an autoencoder that explodes within its first epoch is caught too.
//!   The message tells the two causes apart by the input's largest magnitude: beyond
//!   [`INPUT_EXTREME`] (standardized features are within `±√n` of their mean, and ordinary ones
//!   within a few units) a few extreme cells are the likely cause; below it, the step size,
//!   and the advice names what is in use (a lower `--lr`; Adam only when SGD runs; a larger
//!   `--tau` only for the methods that have one).
//! - **Collapse guard** ([`super::collapse`]): after every epoch the representation `f(x)` and,
//!   with a head, the projection `g(f(x))` of the first [`MONITOR_ROWS`] training rows.
//!
//! The loss of an epoch is the mean of its batch losses, summed in the training precision.

use super::build::{AnyLearner, build};
use super::collapse::CollapseLog;
use super::trained::Trained;
use crate::error::{ProbeError, Result, number};
use crate::eval::diagnostics::effective_rank;
use crate::settings::{Method, OptimizerKind, Precision, Settings};
use selfsup_core::Real;
use selfsup_core::rng::seeded;

/// Monitor rows of the collapse guard (the first ones of the training split).
pub const MONITOR_ROWS: usize = 256;

/// Largest magnitude of the encoders' input below which a divergence is blamed on the step
/// size rather than on the input (standardized features have mean 0 and std 1 on train).
pub const INPUT_EXTREME: f64 = 1e3;

/// The largest magnitude of the encoders' input: `(|x|, row, feature)`; NaN wins.
fn input_peak(x: &[f64], d: usize) -> (f64, usize, usize) {
    let mut peak = (0.0, 0, 0);
    for (k, v) in x.iter().enumerate() {
        if v.is_nan() || v.abs() > peak.0 {
            peak = (v.abs(), k / d.max(1), k % d.max(1));
            if v.is_nan() {
                break;
            }
        }
    }
    peak
}

/// Trains one run with `seed` on row-major `x` (`n × d`, the encoders' input) in the
/// precision of `s`. `progress(epoch, loss)` is called after each epoch; `warn` receives the
/// collapse guard's warnings.
pub fn train(
    x: &[f64],
    d: usize,
    s: &Settings,
    seed: u64,
    progress: &mut dyn FnMut(usize, f64),
    warn: &mut dyn FnMut(&str),
) -> Result<Trained> {
    match s.precision {
        Precision::F32 => train_in::<f32>(x, d, s, seed, progress, warn),
        Precision::F64 => train_in::<f64>(x, d, s, seed, progress, warn),
    }
}

/// The encoder a run with `seed` on `n` training rows of `d` features starts from (what
/// [`train`] returns as `Trained::initial`): the same learner built from the same seeded
/// generator, without training it. The run evaluates this random (or `--init`) encoder while
/// the pretraining runs.
pub fn initial(n: usize, d: usize, s: &Settings, seed: u64) -> Result<crate::network::Embedder> {
    match s.precision {
        Precision::F32 => Ok(build::<f32>(d, n, s, &mut seeded(seed))?.encoder()),
        Precision::F64 => Ok(build::<f64>(d, n, s, &mut seeded(seed))?.encoder()),
    }
}

fn train_in<T: Real>(
    x: &[f64],
    d: usize,
    s: &Settings,
    seed: u64,
    progress: &mut dyn FnMut(usize, f64),
    warn: &mut dyn FnMut(&str),
) -> Result<Trained> {
    let n = x.len() / d.max(1);
    if s.batch < 2 || n < s.batch {
        return Err(ProbeError::usage(
            format!("cannot train with batch {} on {n} rows", s.batch),
            "use a batch of at least 2 rows and at most the number of training rows",
        ));
    }
    let peak = input_peak(x, d);
    let square = T::of_f64(peak.0) * T::of_f64(peak.0);
    if !square.to_f64().is_finite() {
        return Err(ProbeError::training(
            format!(
                "the encoders' input holds {:e} (training row {}, feature {}), whose square is not finite in {}: the input, not the learning rate, is the problem",
                peak.0,
                peak.1 + 1,
                peak.2 + 1,
                if T::of_f64(1e300).to_f64().is_finite() { "f64" } else { "f32" }
            ),
            "standardize the features first (probe does when it loads a CSV), or check that value, remove its row or --drop its column",
        ));
    }
    let data: Vec<T> = x.iter().map(|&v| T::of_f64(v)).collect();
    let mut rng = seeded(seed);
    let mut learner: AnyLearner<T> = build(d, n, s, &mut rng)?;
    let initial = learner.encoder();
    let monitor = &x[..n.min(MONITOR_ROWS) * d];
    let mut collapse = CollapseLog::new(s.dim, effective_rank(monitor, d));
    let mut order: Vec<usize> = (0..n).collect();
    let mut losses = Vec::with_capacity(s.epochs);
    let zero_map = (s.method == Method::Ae).then(|| 0.5 * x.iter().map(|v| v * v).sum::<f64>() / n as f64);
    for epoch in 0..s.epochs {
        let loss = learner.learner().epoch(&data, &mut order, &mut rng).to_f64();
        let scale = match (losses.first().map(|f: &f64| f.abs().max(1.0)), zero_map) {
            (Some(f), Some(z)) => Some(f.min(z.max(1e-3))),
            (f, z) => f.or(z.map(|z| z.max(1e-3))),
        };
        check_divergence(loss, scale, epoch, s, peak)?;
        losses.push(loss);
        let z = learner.encoder().apply(monitor, d);
        let p = learner.head().map(|h| h.apply(&z, s.dim));
        if let Some(w) = collapse.observe(epoch + 1, &z, p.as_deref()) {
            warn(&w);
        }
        progress(epoch + 1, loss);
    }
    Ok(Trained { initial, trained: learner.encoder(), losses, collapse, net: learner.weights() })
}

/// The divergence check (see the module docs): `Err` when `loss` is not finite or exceeds
/// 1000× the reference `scale`, worded by the input's `peak` `(|x|, row, feature)` and by the
/// optimizer and method of `s`.
fn check_divergence(
    loss: f64,
    scale: Option<f64>,
    epoch: usize,
    s: &Settings,
    peak: (f64, usize, usize),
) -> Result<()> {
    let exploded = scale.is_some_and(|f| loss.abs() > 1000.0 * f);
    if loss.is_finite() && !exploded {
        return Ok(());
    }
    let what = if loss.is_finite() {
        format!(
            "training diverged at epoch {}: loss {loss:.3e} is over 1000× its scale {:.3e} (the first epoch's loss, or for the autoencoder the loss of reconstructing zeros)",
            epoch + 1,
            scale.unwrap_or(f64::NAN)
        )
    } else {
        format!("training diverged at epoch {}: the loss became {loss}", epoch + 1)
    };
    if peak.0 > INPUT_EXTREME {
        return Err(ProbeError::training(
            format!(
                "{what}; the encoders' input reaches {:.3e} (training row {}, feature {}), so a few extreme cells, not the learning rate, are the likely cause",
                peak.0,
                peak.1 + 1,
                peak.2 + 1
            ),
            "check the extreme cells (probe's outlier warnings name them), remove those rows or --drop the column",
        ));
    }
    // A tenth of the rate, to 3 significant digits (a tenth of 1e30 is 1.0000000000000001e29).
    let lower: f64 = format!("{:.2e}", s.lr / 10.0).parse().unwrap_or(s.lr / 10.0);
    let mut fix = format!("lower the learning rate (now --lr {}), e.g. --lr {}", number(s.lr), number(lower));
    fix.push_str(match s.optimizer {
        OptimizerKind::Sgd => ", or switch from --optimizer sgd to --optimizer adam",
        OptimizerKind::Adam => " (--optimizer adam is in use)",
    });
    if matches!(s.method, Method::Infonce | Method::Ntxent) {
        fix.push_str(&format!("; a larger --tau (now {}) also calms training", number(s.tau)));
    }
    Err(ProbeError::training(
        format!("{what}; the input is not the cause (its largest magnitude is {:.3})", peak.0),
        fix,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DataKind;
    use crate::network::{EncoderKind, HeadKind};
    use crate::settings::ModelOptions;

    fn settings(method: Method, encoder: EncoderKind, head: HeadKind) -> Settings {
        Settings {
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
            repeats: 1,
            seeds: vec![1],
            precision: Precision::F64,
            init: None,
            model: ModelOptions::defaults_for(4, encoder, 16, head),
            chosen: Vec::new(),
            out_dir: Default::default(),
            threads: 1,
        }
    }

    fn data() -> Vec<f64> {
        (0..64 * 6)
            .map(|i| (((i * 37) % 23) as f64 - 11.0) / 6.0 + if i % 6 < 3 { 1.0 } else { -1.0 })
            .collect()
    }

    fn quiet(x: &[f64], s: &Settings) -> Result<Trained> {
        train(x, 6, s, s.seed, &mut |_, _| {}, &mut |_| {})
    }

    #[test]
    fn every_method_trains_deterministically_in_both_precisions() {
        let x = data();
        for m in [
            Method::Infonce,
            Method::Ntxent,
            Method::Barlow,
            Method::Vicreg,
            Method::Byol,
            Method::Simsiam,
            Method::Ae,
        ] {
            let archs: &[(EncoderKind, HeadKind)] = if m == Method::Ae {
                &[(EncoderKind::Linear, HeadKind::None)]
            } else {
                &[(EncoderKind::Linear, HeadKind::None), (EncoderKind::Mlp, HeadKind::Mlp)]
            };
            for &(e, h) in archs {
                for p in [Precision::F32, Precision::F64] {
                    let s = Settings { precision: p, ..settings(m, e, h) };
                    let a = quiet(&x, &s).unwrap();
                    let b = quiet(&x, &s).unwrap();
                    assert_eq!(a.trained, b.trained, "{m:?}");
                    assert_eq!(a.losses, b.losses, "{m:?}");
                    assert_ne!(a.trained, a.initial, "{m:?}");
                    assert_eq!(initial(64, 6, &s, s.seed).unwrap(), a.initial, "{m:?} {e:?} {p:?}");
                    assert_eq!(a.losses.len(), 20);
                    assert!(a.losses.iter().all(|l| l.is_finite()));
                    assert_eq!(a.collapse.per_epoch.len(), 20);
                    assert_eq!(a.trained.dim(6), 4);
                }
            }
        }
    }

    #[test]
    fn the_loss_falls_and_every_method_starts_from_the_same_encoder() {
        let x = data();
        let mut first = None;
        for m in [Method::Ntxent, Method::Infonce, Method::Ae, Method::Byol] {
            let s = settings(m, EncoderKind::Linear, HeadKind::None);
            let r = quiet(&x, &s).unwrap();
            assert!(r.losses[19] < r.losses[0], "{m:?}: {:?}", r.losses);
            let init = first.get_or_insert_with(|| r.initial.clone());
            assert_eq!(&r.initial, init, "{m:?}");
        }
    }

    #[test]
    fn divergence_is_reported() {
        let x: Vec<f64> = data().iter().map(|v| v * 100.0).collect();
        let mut s = settings(Method::Ae, EncoderKind::Linear, HeadKind::None);
        s.optimizer = OptimizerKind::Sgd;
        s.lr = 10.0;
        s.epochs = 50;
        let e = quiet(&x, &s).unwrap_err().to_string();
        assert!(e.contains("diverged"), "{e}");
        assert!(e.contains("lower the learning rate (now --lr 10), e.g. --lr 1"), "{e}");
        assert!(e.contains("switch from --optimizer sgd to --optimizer adam"), "{e}");
        assert!(e.contains("the input is not the cause"), "{e}");
    }

    /// With Adam in use, the advice does not offer Adam; a divergence on an input with extreme
    /// values blames the input; an input whose squares overflow is refused before training.
    #[test]
    fn divergence_is_told_apart_from_the_input() {
        let s = Settings {
            optimizer: OptimizerKind::Adam,
            ..settings(Method::Byol, EncoderKind::Linear, HeadKind::None)
        };
        let e = check_divergence(f64::NAN, Some(1.0), 3, &s, (2.5, 0, 0)).unwrap_err().to_string();
        assert!(e.contains("(--optimizer adam is in use)"), "{e}");
        assert!(!e.contains("switch") && !e.contains("--tau"), "{e}");
        let e = check_divergence(f64::NAN, Some(1.0), 3, &s, (1e150, 4, 2)).unwrap_err().to_string();
        assert!(e.contains("reaches 1.000e150 (training row 5, feature 3)"), "{e}");
        assert!(!e.contains("learning rate (now"), "{e}");
        let mut x = data();
        x[7] = 1e200;
        let e = quiet(&x, &s).unwrap_err().to_string();
        assert!(e.contains("the input, not the learning rate"), "{e}");
        assert!(e.contains("training row 2, feature 2"), "{e}");
        x[7] = 1e30;
        let f32s = Settings { precision: Precision::F32, ..s.clone() };
        let e = quiet(&x, &f32s).unwrap_err().to_string();
        assert!(e.contains("not finite in f32"), "{e}");
    }

    /// SimSiam with its predictor and stop-gradient removed collapses, and the guard flags it
    /// (and warns during training); SimSiam proper on the same data is not flagged.
    #[test]
    fn collapse_guard_flags_simsiam_without_predictor_and_stop_gradient() {
        let x = data();
        // Strong augmentation (noise of one standard deviation): only a constant is invariant.
        let strong = crate::augment::parse("noise:1.0", 6, &DataKind::Tabular).unwrap();
        let mut s = settings(Method::Simsiam, EncoderKind::Mlp, HeadKind::Mlp);
        s.epochs = 60;
        s.aug = strong.clone();
        s.model.predictor = false;
        s.model.stop_gradient = false;
        let mut warnings = Vec::new();
        let run = train(&x, 6, &s, 1, &mut |_, _| {}, &mut |w| warnings.push(w.to_string())).unwrap();
        assert!(
            run.collapse.flagged,
            "{:?} {:?}",
            run.collapse.per_epoch.last(),
            run.collapse.projection.last()
        );
        assert!(run.collapse.verdict.as_deref().unwrap().starts_with("complete collapse"));
        assert!(warnings.iter().any(|w| w.contains("complete collapse")), "{warnings:?}");
        let mut ok = settings(Method::Simsiam, EncoderKind::Mlp, HeadKind::Mlp);
        ok.epochs = 60;
        ok.aug = strong;
        let run = quiet(&x, &ok).unwrap();
        assert!(!run.collapse.flagged, "{:?}", run.collapse.per_epoch.last());
    }
}
