//! Resolving a run's options against the data, once: the embedding size, epochs, batch,
//! learning rate and augmentations default from the data (see `probe/README.md`), every value is
//! checked with a clear error, and every default chosen is recorded with its reason.

use super::model::ModelOptions;
use super::options::{Method, NormalizeKind, OptimizerKind, RunArgs};
use super::resolved::{Choice, Settings, choice};
use crate::augment::{self, default_spec};
use crate::dataset::{DataKind, Dataset};
use crate::error::{Loc, ProbeError, Result, number};
use crate::network::{EncoderKind, HeadKind};
use crate::weights;
use crate::weights::Precision;
use std::path::{Path, PathBuf};

/// Temperatures accepted by `--tau`. Below 10⁻³ the logits `cos/τ` exceed 1000 and the softmax is
/// a hard maximum whose gradient vanishes for every other pair (the encoder stays where it
/// started); above 10³ every pair weighs the same. SimCLR (Chen et al. 2020) uses 0.05–1.
pub const TAU_RANGE: (f64, f64) = (1e-3, 1e3);

/// The most epochs `--epochs` accepts: 2 000 times the MLP's default. A million epochs of the
/// MLP on iris (one batch per epoch) take about 4 minutes; on 100 000 rows (390 batches per
/// epoch) they would take weeks. The cap keeps a mistyped count from allocating its loss curve
/// (8 bytes per epoch) and running without end.
pub const MAX_EPOCHS: usize = 1_000_000;

/// The MLP encoder's default embedding size on data that is not 2-D, whatever the number of
/// features `d`. A linear encoder gains nothing from `K > d` (its image has rank at most `d`),
/// hence its `min(16, d)`; an MLP `d → 128 → K` is not bounded that way. On iris' validation
/// folds (4 features; 4 folds × 3 fold seeds, one training each) the MLP scores 90.2 / 91.5
/// (linear probe / weighted kNN-20) with `K = d = 4`, 94.5 / 91.6 with 8 and 92.9 / 92.2 with 16
/// (DECISIONS.md, "The search, step 5").
pub const MLP_DIM: usize = 16;

/// Resolves the options of a run against the data: every "auto" default is chosen here (and
/// recorded in [`Settings::chosen`] with the reason), every value is checked.
pub fn resolve(args: &RunArgs, data: &Dataset, path: &Path) -> Result<Settings> {
    let d = data.dim();
    let n = data.train.len();
    let mut chosen = Vec::new();
    let init = match &args.init {
        Some(p) => {
            let (m, _) = resolve_model(args, args.dim.unwrap_or(1));
            let arch = weights::Architecture {
                d,
                k: args.dim,
                encoder: args.encoder,
                hidden: args.hidden,
                head: m.head,
                head_hidden: m.head_hidden,
            };
            Some(weights::load_init(p, &arch)?)
        }
        None => None,
    };
    let dim = match args.dim {
        Some(k) => k,
        None if init.is_some() => {
            let k = init.as_ref().map_or(0, |w| w.k());
            chosen.push(choice("--dim", k, "the output size of the --init encoder"));
            k
        }
        None => {
            let (k, why) = if d == 2 {
                (2, "2-D data: a 2-D embedding keeps every direction and can be plotted as is")
            } else if args.encoder == EncoderKind::Mlp && args.method != Method::Ae {
                (
                    MLP_DIM,
                    "MLP encoder: 16 dimensions whatever d (a non-linear map is not bounded by d; iris' validation folds: K 16 or 8 ahead of K = d = 4, DECISIONS.md)",
                )
            } else {
                (d.min(16), "min(16, d): 16 dimensions as in the PyTorch study of the probe issue")
            };
            chosen.push(choice("--dim", k, why));
            k
        }
    };
    if dim == 0 {
        return Err(ProbeError::usage(
            "--dim 0: the embedding needs at least one dimension",
            "pass --dim 1 or more",
        ));
    }
    if args.method == Method::Ae && dim > d {
        return Err(ProbeError::usage(
            format!(
                "--dim {dim} is larger than the {d} features of {}: the autoencoder needs K ≤ d",
                path.display()
            ),
            format!("pass --dim {d} or less, or use --method ntxent"),
        ));
    }
    let epochs = match args.epochs {
        Some(e) => e,
        None => {
            // The batch is resolved below; the default one is min(256, n).
            let per_epoch = (n / args.batch.unwrap_or(256).clamp(1, n.max(1))).max(1);
            let e = 400usize.div_ceil(per_epoch).min(150);
            chosen.push(choice(
                "--epochs",
                e,
                &format!("about 400 optimizer steps ({per_epoch} batch(es) per epoch), at most 150 epochs: enough for a linear encoder, short enough not to overfit small sets (basic_motions: 40 rows)"),
            ));
            e
        }
    };
    if epochs == 0 {
        return Err(ProbeError::usage("--epochs 0: nothing to train", "pass --epochs 1 or more"));
    }
    if epochs > MAX_EPOCHS {
        return Err(ProbeError::usage(
            format!("--epochs {epochs} is more than {MAX_EPOCHS} (2000× the MLP's default of {MLP_EPOCHS})"),
            "pass fewer epochs (the defaults: up to 150 for a linear encoder, 500 for an MLP)",
        ));
    }
    let batch = match args.batch {
        Some(b) => {
            if b > n {
                return Err(ProbeError::input(
                    path,
                    Loc::default(),
                    format!("fewer training rows ({n}) than the batch size (--batch {b})"),
                    format!("pass --batch {n} or less, or add rows"),
                ));
            }
            b
        }
        None => {
            let b = n.min(256);
            chosen.push(choice(
                "--batch",
                b,
                if b == 256 {
                    "256 (more negatives per batch help contrastive losses)"
                } else {
                    "the whole training set (fewer than 256 rows)"
                },
            ));
            b
        }
    };
    if batch < 2 {
        return Err(ProbeError::input(
            path,
            Loc::default(),
            format!("batch size {batch}: contrastive losses need at least 2 rows per batch"),
            "pass --batch 2 or more, and have at least 2 training rows",
        ));
    }
    let lr = match args.lr {
        Some(lr) => lr,
        None => {
            let lr = if args.optimizer == OptimizerKind::Adam { 0.01 } else { 0.05 };
            chosen.push(choice(
                "--lr",
                lr,
                "default for the optimizer (adam 0.01, sgd 0.05 as the seed's ring program)",
            ));
            lr
        }
    };
    if !(lr.is_finite() && lr > 0.0) {
        return Err(ProbeError::usage(
            format!("--lr {} must be a positive number", number(lr)),
            "pass e.g. --lr 0.01",
        ));
    }
    if !(args.tau.is_finite() && args.tau > 0.0) {
        return Err(ProbeError::usage(
            format!("--tau {} must be a positive number", number(args.tau)),
            "pass e.g. --tau 0.5",
        ));
    }
    if !(TAU_RANGE.0..=TAU_RANGE.1).contains(&args.tau) {
        return Err(ProbeError::usage(
            format!(
                "--tau {} is outside [{}, {}]: the softmax saturates and the encoder hardly moves",
                number(args.tau),
                TAU_RANGE.0,
                TAU_RANGE.1
            ),
            "pass a temperature between 0.05 and 1 (SimCLR's range), e.g. --tau 0.5",
        ));
    }
    if args.represent == crate::network::Represent::Hidden && args.encoder != EncoderKind::Mlp {
        return Err(ProbeError::usage(
            "--represent hidden: a linear encoder has no hidden layer",
            "add --encoder mlp, or leave out --represent",
        ));
    }
    if args.encoder == EncoderKind::Mlp && args.hidden == 0 {
        return Err(ProbeError::usage(
            "--hidden 0: an MLP needs at least one hidden unit",
            "pass e.g. --hidden 128",
        ));
    }
    if !(args.weight_decay.is_finite() && args.weight_decay >= 0.0) {
        return Err(ProbeError::usage(
            format!("--weight-decay {} must be zero or positive", args.weight_decay),
            "pass e.g. --weight-decay 1e-4",
        ));
    }
    if args.repeats == 0 {
        return Err(ProbeError::usage("--repeats 0: nothing to run", "pass --repeats 1 or more"));
    }
    let spec = match (&args.aug, args.method) {
        (_, Method::Ae) => "none".to_string(),
        (Some(s), _) => s.clone(),
        (None, _) => {
            let s = default_spec(&data.kind);
            let why = match data.kind {
                DataKind::Points2d => "2-D points: small rotation and noise (the seed's ring program)",
                DataKind::Tabular => {
                    "tabular rows: Gaussian noise of 0.5 std (on validation folds of the training rows 0.3 and 0.5 tie, no noise collapses digits; DECISIONS.md)"
                }
                DataKind::Series { .. } => {
                    "time series: jitter 0.1, per-channel magnitude scaling 0.2 and a time shift of up to 5% of the length (best on basic_motions' validation folds, ahead of shift 0.03, no shift and none; DECISIONS.md)"
                }
                DataKind::Image { .. } => {
                    "images: Gaussian noise of 0.5 std, as tabular rows; translations are tried by the search (on digits' validation quarters they did not help; DECISIONS.md, step 7: images)"
                }
            };
            chosen.push(choice("--aug", s, why));
            s.to_string()
        }
    };
    let aug = augment::parse(&spec, d, &data.kind)?;
    let out_dir = match &args.out {
        Some(o) => o.clone(),
        None => {
            let stem =
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
            PathBuf::from("reports").join(stem)
        }
    };
    let threads = match args.threads {
        Some(0) => {
            return Err(ProbeError::usage("--threads 0: no thread to run on", "pass --threads 1 or more"));
        }
        Some(t) => t,
        None => crate::eval::parallel::threads(),
    };
    let seeds = (0..args.repeats as u64).map(|r| args.seed.wrapping_add(r)).collect();
    let (model, head_choice) = resolve_model(args, dim);
    chosen.extend(head_choice);
    if args.method == Method::Ae && (model.encoder != EncoderKind::Linear || model.head != HeadKind::None) {
        return Err(ProbeError::usage(
            "--method ae trains the reference programs' linear autoencoder only",
            "drop --encoder mlp / --head, or use another --method",
        ));
    }
    check_contrastive_options(args)?;
    let mut s = Settings {
        method: args.method,
        dim,
        epochs,
        batch,
        lr,
        tau: args.tau,
        optimizer: args.optimizer,
        weight_decay: args.weight_decay,
        aug,
        seed: args.seed,
        repeats: args.repeats,
        seeds,
        precision: if args.double { Precision::F64 } else { Precision::F32 },
        init,
        model,
        chosen,
        out_dir,
        threads,
    };
    adjust_defaults(args, data, &mut s)?;
    Ok(s)
}

/// `--normalize none` and `--queue` change InfoNCE / NT-Xent (the queue: InfoNCE only); with
/// another method they would be ignored, so they are refused.
fn check_contrastive_options(args: &RunArgs) -> Result<()> {
    if args.normalize == NormalizeKind::None && !matches!(args.method, Method::Infonce | Method::Ntxent) {
        return Err(ProbeError::usage(
            format!("--normalize none changes InfoNCE / NT-Xent, not --method {}", args.method.name()),
            "drop --normalize, or pass --method ntxent or infonce",
        ));
    }
    if args.queue > 0 && args.method != Method::Infonce {
        return Err(ProbeError::usage(
            format!(
                "--queue {} is a memory of negatives for InfoNCE, not --method {}",
                args.queue,
                args.method.name()
            ),
            "pass --method infonce with --queue, or drop --queue",
        ));
    }
    Ok(())
}

/// The MLP's default epochs (the PyTorch study's recipe), before the [`MLP_MAX_STEPS`] cap.
pub const MLP_EPOCHS: usize = 500;

/// The MLP's default budget in optimizer steps: 500 epochs, but no more than this many steps.
/// 500 epochs of every dataset in `data/` stay at or below it (digits: 9 batches of 128 per epoch,
/// 4,500 steps), so the cap only bounds the cost on large files (100k rows would otherwise take
/// 390,000 steps).
pub const MLP_MAX_STEPS: usize = 5_000;

/// Defaults for an MLP encoder, replacing the linear encoder's where the user gave no value
/// (and saying so in `chosen`): Adam 3e-3, 500 epochs, batch ≤ 128 and, for tabular rows,
/// `noise:0.1,scarf:0.4` — the PyTorch study's MLP recipe (Adam 3e-3, 500 epochs, noise 0.1 +
/// 40% SCARF corruption). The epoch count is the same for every kind of data: on validation
/// folds of basic_motions' training rows 500 epochs score 80.2 / 88.0 (linear probe / weighted
/// kNN-20) against 81.2 / 83.9 for 300 (`scripts/validation_study.sh`, DECISIONS.md "Defaults").
fn adjust_defaults(args: &RunArgs, data: &Dataset, cfg: &mut Settings) -> Result<()> {
    if args.encoder != EncoderKind::Mlp {
        return Ok(());
    }
    let set = |chosen: &mut Vec<Choice>, option: &str, value: &str, reason: &str| {
        chosen.retain(|c| c.option != option);
        chosen.push(choice(option, value, reason));
    };
    if args.lr.is_none() && args.optimizer == OptimizerKind::Adam {
        cfg.lr = 3e-3;
        set(&mut cfg.chosen, "--lr", "0.003", "MLP encoder: Adam 3e-3 as in the PyTorch study");
    }
    if args.epochs.is_none() {
        cfg.epochs = MLP_EPOCHS;
        set(
            &mut cfg.chosen,
            "--epochs",
            &MLP_EPOCHS.to_string(),
            "MLP encoder: 500 epochs as in the PyTorch study (on series too: 500 beat 300 on basic_motions' validation folds, DECISIONS.md)",
        );
    }
    if args.batch.is_none() && cfg.batch > 128 {
        cfg.batch = 128;
        set(&mut cfg.chosen, "--batch", "128", "MLP encoder: batches of 128 (more steps per epoch)");
    }
    let per_epoch = (data.train.len() / cfg.batch.max(1)).max(1);
    if args.epochs.is_none() && cfg.epochs * per_epoch > MLP_MAX_STEPS {
        cfg.epochs = MLP_MAX_STEPS.div_ceil(per_epoch);
        set(
            &mut cfg.chosen,
            "--epochs",
            &cfg.epochs.to_string(),
            &format!(
                "MLP encoder: 500 epochs capped at {MLP_MAX_STEPS} optimizer steps ({per_epoch} batches per epoch), so pretraining costs the same at 100k rows as at 10k"
            ),
        );
    }
    if args.aug.is_none() && matches!(data.kind, DataKind::Tabular) && cfg.method != Method::Ae {
        let spec = "noise:0.1,scarf:0.4";
        cfg.aug = augment::parse(spec, data.dim(), &data.kind)?;
        set(
            &mut cfg.chosen,
            "--aug",
            spec,
            "MLP encoder on tabular rows: noise 0.1 plus SCARF corruption of 40% of the features (the PyTorch study's MLP recipe)",
        );
    }
    Ok(())
}

/// The architecture and method settings of a run from the command line, with the defaults
/// that were chosen and why.
pub fn resolve_model(args: &RunArgs, k: usize) -> (ModelOptions, Vec<Choice>) {
    let mut chosen = Vec::new();
    let head = args.head.unwrap_or_else(|| {
        let (h, why) = match args.encoder {
            EncoderKind::Linear => (HeadKind::None, "linear encoder: no head (the seed's setting)"),
            EncoderKind::Mlp => (
                HeadKind::Mlp,
                "MLP encoder: an MLP head K → 64 → K as in the PyTorch study (SimCLR: evaluating before the head transfers better)",
            ),
        };
        let name = match h {
            HeadKind::None => "none",
            HeadKind::Linear => "linear",
            HeadKind::Mlp => "mlp",
        };
        chosen.push(choice("--head", name, why));
        h
    });
    let mut m = ModelOptions::defaults_for(k, args.encoder, args.hidden, head);
    m.normalize = args.normalize;
    m.queue = args.queue;
    m.represent = args.represent;
    (m, chosen)
}
