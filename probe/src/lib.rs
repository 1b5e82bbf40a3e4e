//! # probe
//!
//! Pretrain a self-supervised encoder (selfsup-core) on any CSV, then evaluate the frozen
//! embedding by linear probing and kNN retrieval, side by side with raw features, a random
//! encoder and PCA, and write a report.
//!
//! The binary is a thin wrapper around [`run_cli`], so tests drive exactly what users run:
//!
//! ```no_run
//! let mut out = Vec::new();
//! let mut err = Vec::new();
//! let code = probe::run_cli(["probe", "data/ring.csv", "--quiet"], &mut out, &mut err);
//! assert_eq!(code, 0);
//! ```
//!
//! One concept per module: [`cli`] (options), [`error`] (the one error type), [`dataset`]
//! (CSV loading, split, standardization, data kind), [`synth`] (`probe gen`), [`augment`],
//! [`pretrain`], [`lbfgs`] and [`linear_probe`], [`knn`], [`pca`], [`diagnostics`],
//! [`evaluate`] (the four representations), [`report`] and [`plot`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anomaly;
pub mod augment;
pub mod cli;
pub mod collapse;
pub mod compare;
pub mod dataset;
pub mod diagnostics;
pub mod error;
pub mod evaluate;
pub mod export;
pub mod knn;
pub mod lbfgs;
pub mod linear_probe;
pub mod methods;
pub mod network;
pub mod pca;
pub mod plot;
pub mod pretrain;
pub mod report;
pub mod safetensors_io;
pub mod synth;

use augment::default_spec;
use clap::Parser;
use cli::{Cli, Command, GenArgs, Method, OptimizerKind, RunArgs};
use dataset::{DataKind, Dataset, LoadOptions, SplitSource};
use error::{ProbeError, Result};
use evaluate::{Representation, Scores, score};
use pretrain::{PretrainConfig, Pretrained, pretrain};
use report::{
    Choice, Config, Input, Metrics, Report, RepresentationReport, RunReport, Timings, TrainingRun, Versions,
};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs probe with command-line `args` (the first is the program name), writing normal output
/// to `out` and errors to `err`. Returns the process exit code: 0 on success, 2 for errors the
/// user can fix (bad input, bad options, divergence), 1 when writing the report fails.
pub fn run_cli<I, A>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = A>,
    A: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = write!(out, "{e}");
                    0
                }
                _ => {
                    let _ = writeln!(err, "{}", clap_one_line(&e));
                    2
                }
            };
        }
    };
    let result = match cli.command {
        Some(Command::Gen(g)) => run_gen(&g, out),
        Some(Command::Compare(c)) => compare::run(&c, out, err),
        None => run(&cli.run, out),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            e.exit_code()
        }
    }
}

/// Condenses clap's multi-line message into one line with a fix.
fn clap_one_line(e: &clap::Error) -> String {
    let text = e.to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| {
        !l.is_empty()
            && !l.starts_with("Usage:")
            && !l.starts_with("probe ")
            && !l.starts_with("For more information")
    });
    let first = lines.next().unwrap_or("error: invalid arguments").to_string();
    let rest: Vec<&str> = lines.collect();
    let mut s = first;
    if !rest.is_empty() {
        s.push_str(if s.ends_with(':') { " " } else { ": " });
        s.push_str(&rest.join(" "));
    }
    s.push_str("; fix: correct the option (`probe --help` lists every option, its values and its default)");
    s
}

fn run_gen(g: &GenArgs, out: &mut dyn Write) -> Result<()> {
    let seed = g.seed.unwrap_or_else(|| synth::default_seed(g.kind));
    match &g.out {
        None => {
            synth::write_csv(g.kind, seed, out).map_err(|e| ProbeError::output(Path::new("<stdout>"), &e))
        }
        Some(p) => {
            let mut f = std::fs::File::create(p).map_err(|e| ProbeError::output(p, &e))?;
            synth::write_csv(g.kind, seed, &mut f).map_err(|e| ProbeError::output(p, &e))
        }
    }
}

/// The fully resolved settings of a run.
pub(crate) struct Settings {
    pub(crate) cfg: PretrainConfig,
    pub(crate) seeds: Vec<u64>,
    pub(crate) double: bool,
    pub(crate) chosen: Vec<Choice>,
    pub(crate) out_dir: PathBuf,
    pub(crate) model: Option<methods::ModelOptions>,
}

fn choice(option: &str, value: impl ToString, reason: &str) -> Choice {
    Choice { option: option.into(), value: value.to_string(), reason: reason.into() }
}

pub(crate) fn resolve(args: &RunArgs, data: &Dataset, path: &Path) -> Result<Settings> {
    let d = data.dim();
    let n = data.train.len();
    let mut chosen = Vec::new();
    let init = args.init.as_deref().map(|p| export::load_init(p, data, args.dim)).transpose()?;
    let dim = match args.dim {
        Some(k) => k,
        None if init.is_some() => {
            let k = init.as_ref().map_or(0, |w| w.k);
            chosen.push(choice("--dim", k, "the output size of the --init encoder"));
            k
        }
        None => {
            let (k, why) = if d == 2 {
                (2, "2-D data: a 2-D embedding keeps every direction and can be plotted as is")
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
    let batch = match args.batch {
        Some(b) => {
            if b > n {
                return Err(ProbeError::input(
                    path,
                    error::Loc::default(),
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
            error::Loc::default(),
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
        return Err(ProbeError::usage(format!("--lr {lr} must be a positive number"), "pass e.g. --lr 0.01"));
    }
    if !(args.tau.is_finite() && args.tau > 0.0) {
        return Err(ProbeError::usage(
            format!("--tau {} must be a positive number", args.tau),
            "pass e.g. --tau 0.5",
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
                    "tabular rows: Gaussian noise of 0.5 std (0.3–0.5 beat 0.1 in the PyTorch study)"
                }
                DataKind::Series { .. } => {
                    "time series: jitter 0.1, per-channel magnitude scaling 0.2 and a time shift of up to 5% of the length (the PyTorch study: shifts of 3–10% lifted basic_motions, without the shift it fell apart)"
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
    let seeds = (0..args.repeats as u64).map(|r| args.seed.wrapping_add(r)).collect();
    let cfg = PretrainConfig {
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
        init: init.map(|w| w.weight),
    };
    let mut cfg = cfg;
    methods::adjust_defaults(args, data, &mut cfg, &mut chosen)?;
    let model = methods::wanted(args).then(|| {
        let (m, more) = methods::resolve_model(args, dim);
        chosen.extend(more.into_iter().map(|(o, v, why)| Choice { option: o, value: v, reason: why }));
        m
    });
    Ok(Settings { cfg, seeds, double: args.double, chosen, out_dir, model })
}

pub(crate) fn method_name(m: Method) -> &'static str {
    match m {
        Method::Infonce => "infonce",
        Method::Ntxent => "ntxent",
        Method::Ae => "ae",
        Method::Byol => "byol",
        Method::Simsiam => "simsiam",
        Method::Barlow => "barlow",
        Method::Vicreg => "vicreg",
    }
}

fn run(args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let path = args.csv.clone().ok_or_else(|| {
        ProbeError::usage(
            "no CSV file given",
            "run `probe data/ring.csv` (make it with `probe gen ring --out data/ring.csv`); `probe --help` lists every option",
        )
    })?;
    let t0 = Instant::now();
    let label = if args.no_label { None } else { Some(args.label.clone()) };
    let data = dataset::load(
        &path,
        &LoadOptions { label, test_frac: args.test_frac, seed: args.seed, channels: args.channels },
    )?;
    let s = resolve(args, &data, &path)?;
    let mut timings = Timings { load: t0.elapsed(), ..Default::default() };
    let d = data.dim();
    let show = !args.quiet;
    if show {
        let _ = writeln!(
            out,
            "{}: {} rows ({} train, {} test) × {} features, {}, {} classes",
            path.display(),
            data.train.len() + data.test.len(),
            data.train.len(),
            data.test.len(),
            d,
            data.kind.name(),
            data.num_classes()
        );
        if !data.zero_variance.is_empty() {
            let _ = writeln!(
                out,
                "note: {} zero-variance column(s) in train, centred and not scaled: {}",
                data.zero_variance.len(),
                data.zero_variance.join(", ")
            );
        }
        for c in &s.chosen {
            let _ = writeln!(out, "chose {} {}: {}", c.option, c.value, c.reason);
        }
    }

    // Pretraining, one run per seed.
    let t1 = Instant::now();
    let bar_on = show && std::io::stderr().is_terminal();
    let mut runs: Vec<Pretrained> = Vec::new();
    let train_input = data.encoder_train();
    for &seed in &s.seeds {
        let cfg = PretrainConfig { seed, ..s.cfg.clone() };
        let bar = if bar_on {
            let b = indicatif::ProgressBar::new(cfg.epochs as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] epoch {pos}/{len}  loss {msg}")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_prefix(format!("seed {seed}"));
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        let mut progress = |e: usize, l: f64| {
            bar.set_position(e as u64);
            bar.set_message(format!("{l:.4}"));
        };
        let mut warn = |w: &str| {
            if show {
                let _ = writeln!(out, "seed {seed}: {w}");
            }
        };
        let r = match &s.model {
            Some(m) => {
                methods::pretrain_for_run(&train_input, d, &cfg, m, s.double, &mut progress, &mut warn)
            }
            None if s.double => pretrain::<f64>(&train_input, d, &cfg, &mut progress),
            None => pretrain::<f32>(&train_input, d, &cfg, &mut progress),
        };
        bar.finish_and_clear();
        runs.push(r?);
    }
    timings.pretrain = t1.elapsed();

    // Evaluation.
    let t2 = Instant::now();
    let k = s.cfg.dim;
    let mut evaluation = Vec::new();
    if data.labelled() {
        let kp = k.min(d);
        let pca = pca::Pca::fit(&data.train.x, d, kp);
        let one = |name: &str, rep: &Representation<'_>| {
            representation_report(
                name,
                rep.dim(d),
                vec![(s.seeds[0], score(&data, rep, &s.cfg.aug, s.seeds[0]))],
            )
        };
        evaluation.push(one("raw", &Representation::Raw));
        evaluation.push(one("pca", &Representation::Pca(&pca)));
        let mut random = Vec::new();
        let mut trained = Vec::new();
        for (&seed, r) in s.seeds.iter().zip(&runs) {
            let input = data.encoder_input.as_ref();
            let aug = &s.cfg.aug;
            random.push((seed, score(&data, &r.representation(false, k, input), aug, seed)));
            trained.push((seed, score(&data, &r.representation(true, k, input), aug, seed)));
        }
        let initial = if s.cfg.init.is_some() { "init" } else { "random" };
        evaluation.push(representation_report(initial, k, random));
        evaluation.push(representation_report("pretrained", k, trained));
    }
    timings.evaluate = t2.elapsed();

    let report = build_report(&path, &data, &s, &runs, evaluation);
    write_outputs(&s.out_dir, &report, &data, &runs, k, &timings)?;
    if let Some(dir) = &args.export {
        let files = export::export_run(dir, &data, &runs[0].weights, k, s.double, &path)?;
        if show {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            let _ = writeln!(out, "exported the encoder (seed {}) to {}", s.seeds[0], names.join(", "));
        }
    }
    if show {
        let _ = writeln!(out);
        if report.evaluation.is_empty() {
            let _ = writeln!(out, "no labels: pretrained only, embeddings exported");
        } else {
            let _ = write!(out, "{}", report.table());
        }
        let _ = writeln!(
            out,
            "\nload {:.2} s, pretrain {:.2} s, evaluate {:.2} s; wrote {}/{{report.json, report.md, loss.svg{}, embeddings.csv}}",
            timings.load.as_secs_f64(),
            timings.pretrain.as_secs_f64(),
            timings.evaluate.as_secs_f64(),
            s.out_dir.display(),
            if report.evaluation.is_empty() { "" } else { ", embedding.svg" }
        );
    }
    Ok(())
}

fn metrics_of(sc: &Scores) -> Metrics {
    Metrics {
        linear_probe_accuracy: sc.probe.accuracy,
        linear_probe_macro_f1: sc.probe.macro_f1,
        knn_k1: sc.knn.k1,
        knn_k5: sc.knn.k5,
        knn_k20: sc.knn.k20,
        knn_k20_weighted: sc.knn.k20_weighted,
        recall_at_1: sc.knn.recall_at_1,
        recall_at_5: sc.knn.recall_at_5,
        map: sc.knn.map,
        alignment: sc.diagnostics.alignment,
        uniformity: sc.diagnostics.uniformity,
        std_mean: sc.diagnostics.std_mean,
        std_reference: sc.diagnostics.std_reference,
        effective_rank: sc.diagnostics.effective_rank,
    }
}

fn representation_report(name: &str, dim: usize, runs: Vec<(u64, Scores)>) -> RepresentationReport {
    let run_reports: Vec<RunReport> = runs
        .iter()
        .map(|(seed, sc)| RunReport {
            seed: *seed,
            metrics: metrics_of(sc),
            probe_iterations: sc.probe.iterations,
            probe_converged: sc.probe.converged,
            std_per_dim: sc.diagnostics.std_per_dim.clone(),
        })
        .collect();
    let ms: Vec<Metrics> = run_reports.iter().map(|r| r.metrics.clone()).collect();
    let (mean, std) = Metrics::mean_std(&ms);
    RepresentationReport { name: name.into(), dim, runs: run_reports, mean, std }
}

fn class_counts(y: &[usize], c: usize) -> Vec<usize> {
    let mut v = vec![0; c];
    for &i in y {
        v[i] += 1;
    }
    v
}

fn build_report(
    path: &Path,
    data: &Dataset,
    s: &Settings,
    runs: &[Pretrained],
    evaluation: Vec<RepresentationReport>,
) -> Report {
    let c = data.num_classes();
    let (channels, length, by) = match &data.kind {
        DataKind::Series { channels, length, source } => {
            (Some(*channels), Some(*length), Some(source.to_string()))
        }
        _ => (None, None, None),
    };
    let (split, test_frac) = match data.split_source {
        SplitSource::Column => ("column", None),
        SplitSource::Stratified(f) => ("stratified", Some(f)),
        SplitSource::AllTrain => ("all-train", None),
    };
    let cfg = &s.cfg;
    Report {
        schema: report::SCHEMA.into(),
        versions: Versions { probe: env!("CARGO_PKG_VERSION").into(), selfsup_core: report::core_version() },
        input: Input {
            file: path.display().to_string(),
            rows: data.train.len() + data.test.len(),
            features: data.dim(),
            kind: data.kind.name().into(),
            channels,
            length,
            series_detected_by: by,
            label_column: data.label_column.clone(),
            classes: data.class_names.clone(),
            split: split.into(),
            test_frac,
            train_rows: data.train.len(),
            test_rows: data.test.len(),
            train_class_counts: class_counts(&data.train.y, c),
            test_class_counts: class_counts(&data.test.y, c),
            zero_variance_columns: data.zero_variance.clone(),
        },
        config: Config {
            method: method_name(cfg.method).into(),
            dim: cfg.dim,
            epochs: cfg.epochs,
            batch: cfg.batch,
            lr: cfg.lr,
            tau: cfg.tau,
            optimizer: match cfg.optimizer {
                OptimizerKind::Adam => "adam".into(),
                OptimizerKind::Sgd => "sgd".into(),
            },
            weight_decay: cfg.weight_decay,
            aug: cfg.aug.to_string(),
            seed: cfg.seed,
            repeats: s.seeds.len(),
            seeds: s.seeds.clone(),
            precision: if s.double { "f64".into() } else { "f32".into() },
            init: pretrain::INIT_NAME.into(),
            encoder_input: if data.encoder_input.is_some() {
                "series standardized per channel".into()
            } else {
                "standardized features".into()
            },
            probe_c: linear_probe::DEFAULT_C,
            knn_temperature: knn::WEIGHT_TEMPERATURE,
            chosen: s.chosen.clone(),
            model: s.model.clone(),
        },
        training: s
            .seeds
            .iter()
            .zip(runs)
            .map(|(&seed, r)| TrainingRun {
                seed,
                final_loss: r.losses.last().copied().unwrap_or(f64::NAN),
                loss_per_epoch: r.losses.clone(),
                collapse: r.ssl.as_ref().map(|x| x.collapse.clone()),
            })
            .collect(),
        evaluation,
    }
}

fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| ProbeError::output(path, &e))
}

fn write_outputs(
    dir: &Path,
    report: &Report,
    data: &Dataset,
    runs: &[Pretrained],
    k: usize,
    t: &Timings,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ProbeError::output(dir, &e))?;
    write_file(&dir.join("report.json"), report.to_json().as_bytes())?;
    write_file(&dir.join("report.md"), report.to_markdown(t).as_bytes())?;
    let name = data.path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let curves: Vec<(u64, Vec<f64>)> =
        report.training.iter().map(|r| (r.seed, r.loss_per_epoch.clone())).collect();
    let loss_path = dir.join("loss.svg");
    plot::loss_curve(&loss_path, &format!("{name}: {} training loss", report.config.method), &curves)
        .map_err(|e| ProbeError::output(&loss_path, &e))?;
    let d = data.dim();
    let first = runs[0].representation(true, k, data.encoder_input.as_ref());
    if data.labelled() {
        let z = first.apply(&data.test.x, d);
        let p = dir.join("embedding.svg");
        let title = format!("{name}: pretrained test embeddings (K = {k}, seed {})", report.config.seeds[0]);
        plot::embedding_scatter(&p, &title, &z, k, &data.test.y, &data.class_names)
            .map_err(|e| ProbeError::output(&p, &e))?;
    }
    // Embeddings of every row, in file order, from the first run.
    let mut rows: Vec<(usize, &str, &[f64], Option<usize>)> = Vec::new();
    for (split, part) in [("train", &data.train), ("test", &data.test)] {
        for (i, &r) in part.rows.iter().enumerate() {
            rows.push((r, split, &part.x[i * d..(i + 1) * d], part.y.get(i).copied()));
        }
    }
    rows.sort_by_key(|r| r.0);
    let mut csv = String::from("row,split");
    if data.labelled() {
        csv.push_str(",label");
    }
    for j in 0..k {
        csv.push_str(&format!(",z{j}"));
    }
    csv.push('\n');
    for (r, split, x, y) in rows {
        csv.push_str(&format!("{r},{split}"));
        if let Some(y) = y {
            csv.push_str(&format!(",{}", data.class_names[y]));
        }
        for v in first.apply(x, d) {
            csv.push_str(&format!(",{v}"));
        }
        csv.push('\n');
    }
    write_file(&dir.join("embeddings.csv"), csv.as_bytes())
}
