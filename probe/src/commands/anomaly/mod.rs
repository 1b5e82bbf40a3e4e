//! `probe anomaly FILE`: one-class anomaly detection, one-vs-rest (Ruff et al. 2018, Deep SVDD;
//! Tack et al. 2020, CSI).
//!
//! For each normal class `c` (or `--normal LABEL`), on the class's training rows (shuffled,
//! seeded by `--seed`): the encoder's input is standardized with these rows' statistics (per
//! channel for series; `--standardize pool`: every training row's), the encoder is pretrained
//! on them with the main run's pipeline and defaults (resolved for this class's rows; time
//! series get a larger time shift, `task::SERIES_AUG`, tabular rows a lower temperature,
//! `task::TABULAR_TAU`, and an embedding as wide as the input, `task::TABULAR_MAX_DIM`;
//! `--shifted K` adds CSI's shifted negatives,
//! [`crate::eval::anomaly::shifted`]), once per seed, and a row's score is
//! its Euclidean kNN distance (`--score`) to their embeddings, `k` chosen per data set on the
//! training rows (`--knn auto`, [`choose`]) unless given. The
//! threshold is the exact order statistic at `--fpr` (core's `anomaly::UpperScores`) of
//! calibration scores of normal rows the detector was not fitted on: out-of-fold scores of 5
//! folds (`--calibration crossfit`, default) or a held-out fraction. Every test row is scored;
//! the other classes' test rows are the anomalies. The random encoder and the classical
//! baselines ([`crate::eval::anomaly::baselines`]) are fitted and calibrated on the same rows.
//! `--validate` replaces the test rows by 4 stratified folds of the training rows (how the
//! defaults were chosen, DECISIONS.md).
//!
//! `--no-label`: pretrains on every row (train and test alike) and scores every row against
//! the others (its `k` nearest other rows; `--knn auto`: 5), writes `scores.csv` (`row, score, flag`) with the
//! threshold at `--fpr` of these scores.

pub mod choose;
mod task;

use super::pipeline::{check_memory, load, print_notes};
use crate::cli::{AnomalyArgs, Neighbours};
use crate::dataset::Dataset;
use crate::error::{ProbeError, Result};
use crate::eval::Representation;
use crate::eval::anomaly::detector::knn_scores;
use crate::eval::anomaly::metrics::{at_threshold, auroc, average_precision, roc_curve};
use crate::eval::anomaly::protocol::raw;
use crate::output::anomaly::{AnomalyReport, ClassResult, RunMetrics, TaskSizes, summarize};
use crate::output::roc::roc_curves;
use crate::settings::Choice;
use crate::train::train;
use nalgebra::Dyn;
use selfsup_core::anomaly::{UpperScores, expected_false_positive_rate};
use selfsup_core::rng::{seeded, shuffle};
use std::io::Write;
use std::path::Path;

/// Folds of the training rows in `--validate` (stratified by class).
pub const VALIDATION_FOLDS: usize = 4;

fn check_args(a: &AnomalyArgs) -> Result<()> {
    if !(a.fpr > 0.0 && a.fpr < 1.0) {
        return Err(ProbeError::usage(format!("--fpr {} is not in (0, 1)", a.fpr), "pass e.g. --fpr 0.05"));
    }
    if a.shifted > 16 {
        return Err(ProbeError::usage(
            format!("--shifted {} is more than 16", a.shifted),
            "pass e.g. --shifted 3",
        ));
    }
    Ok(())
}

/// The threshold at `fpr` of the calibration scores (exact: the buffer holds all of them).
fn threshold(calibration: &[f64], fpr: f64) -> f64 {
    let mut u = UpperScores::<f64, Dyn>::new(Dyn(calibration.len().max(1)));
    calibration.iter().for_each(|&s| u.push(s));
    u.threshold(fpr).unwrap_or(f64::INFINITY)
}

/// When `n` calibration scores cannot set a threshold at `fpr` (`1/(n + 1) > fpr`: the
/// threshold is their largest, and a new normal row exceeds the largest of `n` exchangeable
/// scores with probability `1/(n + 1)`), what the user should expect and how to reach the target.
fn few_calibration_scores(n: usize, fpr: f64) -> Option<String> {
    let floor = 1.0 / (n as f64 + 1.0);
    (floor > fpr).then(|| {
        format!(
            "{n} calibration scores cannot set a {:.1} % false-positive rate: the threshold is their largest, which a new normal row exceeds with probability 1/{} = {:.1} %; expect about that rate, or give the class {} or more training rows",
            100.0 * fpr,
            n + 1,
            100.0 * floor,
            (1.0 / fpr - 1.0).ceil()
        )
    })
}

fn metrics(seed: u64, test: &[f64], cal: &[f64], anomaly: &[bool], fpr: f64) -> RunMetrics {
    RunMetrics {
        seed,
        auroc: 100.0 * auroc(test, anomaly).unwrap_or(f64::NAN),
        auprc: 100.0 * average_precision(test, anomaly).unwrap_or(f64::NAN),
        at_fpr: at_threshold(test, anomaly, threshold(cal, fpr)),
    }
}

/// The splits `(pool rows, evaluation rows)` (indices into the rows, training rows first):
/// the training rows and the test rows, or with `--validate` [`VALIDATION_FOLDS`] folds of the
/// training rows, stratified by class (each fold is the evaluation rows once, the other folds
/// the pool).
fn splits(data: &Dataset, validate: bool, seed: u64) -> Vec<(Vec<usize>, Vec<usize>)> {
    let (ntr, nte) = (data.train.len(), data.test.len());
    if !validate {
        return vec![((0..ntr).collect(), (ntr..ntr + nte).collect())];
    }
    let mut fold = vec![0usize; ntr];
    for c in 0..data.num_classes() {
        let mut rows: Vec<usize> = (0..ntr).filter(|&i| data.train.y[i] == c).collect();
        shuffle(&mut seeded(seed ^ 0x005E_ED0F_F01D ^ c as u64), &mut rows);
        rows.iter().enumerate().for_each(|(p, &i)| fold[i] = p % VALIDATION_FOLDS);
    }
    (0..VALIDATION_FOLDS)
        .map(|v| ((0..ntr).filter(|&i| fold[i] != v).collect(), (0..ntr).filter(|&i| fold[i] == v).collect()))
        .collect()
}

/// Runs `probe anomaly` with `args`.
pub fn run(args: &AnomalyArgs, out: &mut dyn Write) -> Result<()> {
    check_args(args)?;
    let a = &args.run;
    let (path, data) =
        load(a, "run `probe anomaly data/digits.csv`; `probe anomaly --help` lists every option")?;
    let data = data.image_as_tabular();
    check_memory(&data, a, a.repeats)?;
    if !a.quiet {
        print_notes(&data, out);
    }
    if !data.labelled() {
        return unlabelled(args, &data, &path, out);
    }
    let mut all = raw(&data, &data.train);
    all.extend(raw(&data, &data.test));
    let mut labels = data.train.y.clone();
    labels.extend_from_slice(&data.test.y);
    let classes: Vec<usize> = match &args.normal {
        None => (0..data.num_classes()).collect(),
        Some(l) => vec![data.class_names.iter().position(|c| c == l).ok_or_else(|| {
            ProbeError::usage(
                format!("--normal {l}: no such class"),
                format!("use one of: {}", data.class_names.join(", ")),
            )
        })?],
    };
    let show = !a.quiet;
    let ctx = task::Context { data: &data, all: &all, args, path: &path };
    let mut tasks = Vec::new();
    let mut chosen = Vec::new();
    let mut config = serde_json::Value::Null;
    let mut out_dir = None;
    // Every detector's (name, per-class results), the encoders' for every candidate k.
    let mut results: Vec<(String, Vec<ClassResult>)> = Vec::new();
    let mut roc = Vec::new();
    let mut validation = choose::Validation::default();
    let splits = splits(&data, args.validate, a.seed);
    for &c in &classes {
        let name = data.class_names[c].clone();
        let mut runs: Vec<(String, Vec<RunMetrics>)> = Vec::new();
        for (si, (pool, eval)) in splits.iter().enumerate() {
            let mut normal: Vec<usize> = pool.iter().copied().filter(|&i| labels[i] == c).collect();
            if normal.len() < 3 {
                return Err(ProbeError::usage(
                    format!(
                        "class {name} has {} training rows; a normal class needs at least 3",
                        normal.len()
                    ),
                    "pick another class with --normal, or add rows",
                ));
            }
            shuffle(&mut seeded(a.seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)), &mut normal);
            // The other classes' rows of the pool choose k (`--knn auto`); never the eval rows.
            let others: Vec<usize> = match args.knn {
                Neighbours::Auto => pool.iter().copied().filter(|&i| labels[i] != c).collect(),
                Neighbours::Fixed(_) => Vec::new(),
            };
            let t = task::run(&ctx, c, &normal, eval, pool, &others)?;
            for (dname, per_run) in &t.validation {
                per_run.iter().for_each(|&v| validation.add(dname, v));
            }
            let anomaly: Vec<bool> = eval.iter().map(|&i| labels[i] != c).collect();
            if si == 0 {
                let s = &t.settings;
                if out_dir.is_none() {
                    out_dir =
                        Some(if a.out.is_some() { s.out_dir.clone() } else { s.out_dir.join("anomaly") });
                    config = serde_json::json!({
                        "method": s.method.name(), "dim": s.dim, "epochs": s.epochs, "batch": s.batch,
                        "lr": s.lr, "tau": s.tau, "weight_decay": s.weight_decay,
                        "aug": s.aug.to_string(), "seed": a.seed, "seeds": s.seeds,
                        "precision": format!("{:?}", s.precision), "model": format!("{:?}", s.model),
                        "standardize": format!("{:?}", args.standardize).to_lowercase(),
                        "score": args.score, "calibration": args.calibration.to_string(),
                        "validate": args.validate, "shifted": args.shifted,
                    });
                }
                chosen.push((name.clone(), s.chosen.clone()));
                let expected_fpr = expected_false_positive_rate(t.calibration_rows as u64, args.fpr);
                tasks.push(TaskSizes {
                    class: name.clone(),
                    fit_rows: t.fit_rows,
                    calibration_rows: t.calibration_rows,
                    expected_fpr,
                    test_normal: anomaly.iter().filter(|&&x| !x).count(),
                    test_anomalies: anomaly.iter().filter(|&&x| x).count(),
                });
                if show {
                    let _ = writeln!(
                        out,
                        "normal class {name}: fitted on {} rows, threshold from {} calibration scores, {} rows scored",
                        t.fit_rows,
                        t.calibration_rows,
                        eval.len()
                    );
                    if let Some(w) = few_calibration_scores(t.calibration_rows, args.fpr) {
                        let _ = writeln!(out, "warning: normal class {name}: {w}");
                    }
                }
            }
            for ((dname, ev), (_, cal)) in t.eval.iter().zip(&t.calibration) {
                for (r, (e, cs)) in ev.iter().zip(cal).enumerate() {
                    let seed = if ev.len() > 1 { t.settings.seeds[r] } else { a.seed };
                    // ROC curves of the first run (the encoders' kept after the choice of k).
                    if si == 0 && r == 0 && c == classes[0] {
                        roc.push((dname.clone(), roc_curve(e, &anomaly)));
                    }
                    task::slot(&mut runs, dname).push(metrics(seed, e, cs, &anomaly, args.fpr));
                }
            }
        }
        for (dname, r) in runs {
            task::slot(&mut results, &dname).push(ClassResult { class: name.clone(), runs: r });
        }
    }
    // The encoders' k per family (`--knn auto`: by validation AUROC on the training rows).
    let picks: Vec<choose::Pick> = choose::families(args)
        .into_iter()
        .map(|family| choose::Pick::new(family, &validation, args.knn))
        .collect();
    let main = picks.iter().find(|p| p.family == choose::Family { trained: true, metric: args.score });
    let knn = main.map_or(choose::DEFAULT_K, |p| p.k);
    if let (Neighbours::Auto, Some(p)) = (args.knn, main) {
        let choice = Choice { option: "--knn".into(), value: knn.to_string(), reason: p.why.clone() };
        chosen.iter_mut().for_each(|(_, v): &mut (String, Vec<Choice>)| v.push(choice.clone()));
    }
    roc.retain(|(n, _)| choose::drawn(n, &picks, args.score));
    let detectors = results
        .into_iter()
        .filter(|(n, _)| choose::reported(n, &picks))
        .map(|(n, r)| summarize(&n, r))
        .collect();
    let report = AnomalyReport {
        schema: "probe-anomaly/2",
        file: path.display().to_string(),
        kind: data.kind.name().to_string(),
        features: data.dim(),
        fpr: args.fpr,
        knn,
        calibration: args.calibration.to_string(),
        validate: args.validate,
        config,
        chosen,
        notes: data.notes.clone(),
        tasks,
        detectors,
    };
    let dir = out_dir.unwrap_or_default();
    let title = format!("ROC, normal class {} ({})", data.class_names[classes[0]], path.display());
    write_report(&dir, &report, Some((&title, &roc)))?;
    if show {
        let _ = write!(out, "\n{}", report.table());
        let _ = writeln!(out, "\nwrote {}/{{report.json, report.md, roc.svg}}", dir.display());
    }
    Ok(())
}

type Curves = [(String, Vec<(f64, f64)>)];

fn write_report(dir: &Path, report: &AnomalyReport, roc: Option<(&str, &Curves)>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ProbeError::output(dir, &e))?;
    let json = serde_json::to_string_pretty(report).map_err(|e| ProbeError::output(dir, &e))?;
    let p = dir.join("report.json");
    std::fs::write(&p, json + "\n").map_err(|e| ProbeError::output(&p, &e))?;
    let p = dir.join("report.md");
    std::fs::write(&p, report.markdown()).map_err(|e| ProbeError::output(&p, &e))?;
    if let Some((title, curves)) = roc {
        let p = dir.join("roc.svg");
        roc_curves(&p, title, curves).map_err(|e| ProbeError::output(&p, &e))?;
    }
    Ok(())
}

/// `--no-label`: pretrain on every row, score every row against the others.
fn unlabelled(args: &AnomalyArgs, data: &Dataset, path: &Path, out: &mut dyn Write) -> Result<()> {
    let a = &args.run;
    let d = data.dim();
    let s = task::settings(args, data, path)?;
    // Every row (a `split` column, if any, is ignored): pretrain on all of them, score all.
    let mut x = data.train.x.clone();
    x.extend_from_slice(&data.test.x);
    let mut rows = data.train.rows.clone();
    rows.extend_from_slice(&data.test.rows);
    let input = data.encoder_input.as_ref().map_or_else(|| x.clone(), |m| m.apply(&x));
    let r = train(&input, d, &s, s.seeds[0], &mut |_, _| {}, &mut |_| {})?;
    let rep = Representation::Encoder { e: &r.trained, input: data.encoder_input.as_ref() };
    let z = rep.apply(&x, d);
    let kd = rep.dim(d);
    // Each row's k + 1 nearest rows include itself at distance 0: the mean over the other k is
    // the (k + 1)-mean times (k + 1) / k.
    let k = match args.knn {
        Neighbours::Auto => choose::DEFAULT_K,
        Neighbours::Fixed(k) => k,
    };
    let k = k.min(31).min(rows.len().saturating_sub(1)).max(1);
    let scores: Vec<f64> =
        knn_scores(args.score, &z, &z, kd, k + 1).iter().map(|s| s * (k + 1) as f64 / k as f64).collect();
    let t = threshold(&scores, args.fpr);
    let dir = if a.out.is_some() { s.out_dir.clone() } else { s.out_dir.join("anomaly") };
    std::fs::create_dir_all(&dir).map_err(|e| ProbeError::output(&dir, &e))?;
    let mut csv = String::from("row,score,flag\n");
    for (row, sc) in rows.iter().zip(&scores) {
        csv.push_str(&format!("{row},{sc:.17e},{}\n", u8::from(*sc > t)));
    }
    let p = dir.join("scores.csv");
    std::fs::write(&p, csv).map_err(|e| ProbeError::output(&p, &e))?;
    if !a.quiet {
        let flagged = scores.iter().filter(|&&x| x > t).count();
        let _ = writeln!(
            out,
            "{}: scored {} rows; threshold {t:.6} at fpr {} flags {flagged}; wrote {}",
            path.display(),
            scores.len(),
            args.fpr,
            p.display()
        );
    }
    Ok(())
}
