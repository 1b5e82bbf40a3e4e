//! `probe anomaly FILE`: one-class anomaly detection, one-vs-rest (Ruff et al. 2018, Deep SVDD;
//! Tack et al. 2020, CSI).
//!
//! For each normal class `c` (or `--normal LABEL`): the class's training rows are shuffled
//! (seeded by `--seed`) and `--calibration` of them (default 20 %, at least 1) are held out;
//! the rest are the **fit rows**. The encoders' input is standardized with the fit rows'
//! statistics (per channel for series, as the main run), or with every training row's
//! (`--standardize pool`: labels unused, but the other classes' statistics are seen). The encoder is pretrained on the fit rows with
//! the main run's pipeline and defaults (resolved for this class's rows), once per seed; a
//! row's score is its cosine kNN distance (core's `anomaly::KnnScorer`, `--knn`, default 5) to
//! the fit rows' embeddings. The threshold is the exact order statistic of the held-out normal
//! rows' scores at `--fpr` (core's `anomaly::UpperScores`), never the test rows. Every test row
//! is scored; the other classes' test rows are the anomalies. The random encoder and the
//! classical baselines ([`crate::eval::anomaly::baselines`]) are fitted on the same fit rows.
//!
//! `--no-label`: pretrains on every row (train and test alike) and scores every row against
//! the others (its `k`
//! nearest other rows), writes `scores.csv` (`row, score, flag`) with the threshold at `--fpr`
//! of these scores.

use super::pipeline::{load, train_runs};
use crate::cli::{AnomalyArgs, Standardize};
use crate::dataset::standardize::{Standardizer, channel_standardizer};
use crate::dataset::{DataKind, Dataset, Split};
use crate::error::{ProbeError, Result};
use crate::eval::Representation;
use crate::eval::anomaly::baselines::{BASELINES, baseline_scores, knn_cosine};
use crate::eval::anomaly::metrics::{at_threshold, auroc, average_precision, roc_curve};
use crate::eval::anomaly::protocol::raw;
use crate::output::anomaly::{AnomalyReport, ClassResult, RunMetrics, TaskSizes, summarize};
use crate::output::roc::roc_curves;
use crate::settings::resolve;
use crate::train::train;
use nalgebra::Dyn;
use selfsup_core::anomaly::UpperScores;
use selfsup_core::rng::{seeded, shuffle};
use std::io::Write;
use std::path::Path;

fn check_args(a: &AnomalyArgs) -> Result<()> {
    if !(a.fpr > 0.0 && a.fpr < 1.0) {
        return Err(ProbeError::usage(format!("--fpr {} is not in (0, 1)", a.fpr), "pass e.g. --fpr 0.05"));
    }
    if !(1..=selfsup_core::anomaly::MAX_K).contains(&a.knn) {
        return Err(ProbeError::usage(format!("--knn {} is not in 1..=32", a.knn), "pass e.g. --knn 5"));
    }
    if !(a.calibration > 0.0 && a.calibration < 1.0) {
        return Err(ProbeError::usage(
            format!("--calibration {} is not in (0, 1)", a.calibration),
            "pass e.g. --calibration 0.2",
        ));
    }
    Ok(())
}

/// The threshold at `fpr` of the held-out scores (exact: the buffer holds all of them).
fn threshold(calibration: &[f64], fpr: f64) -> f64 {
    let mut u = UpperScores::<f64, Dyn>::new(Dyn(calibration.len().max(1)));
    calibration.iter().for_each(|&s| u.push(s));
    u.threshold(fpr).unwrap_or(f64::INFINITY)
}

fn metrics(seed: u64, test: &[f64], cal: &[f64], anomaly: &[bool], fpr: f64) -> RunMetrics {
    RunMetrics {
        seed,
        auroc: 100.0 * auroc(test, anomaly).unwrap_or(f64::NAN),
        auprc: 100.0 * average_precision(test, anomaly).unwrap_or(f64::NAN),
        at_fpr: at_threshold(test, anomaly, threshold(cal, fpr)),
    }
}

/// A dataset whose training rows are the fit rows, standardized with their statistics, and
/// whose test rows are `eval_rows` (indices into `all`, raw row-major).
fn fit_dataset(
    data: &Dataset,
    all: &[f64],
    fit: &[usize],
    eval_rows: &[usize],
    class: usize,
    pool: bool,
) -> Dataset {
    let d = data.dim();
    let pool_rows: Vec<usize> = (0..data.train.len()).collect();
    let stats_rows = if pool { &pool_rows[..] } else { fit };
    let st = Standardizer::fit(all, d, stats_rows);
    let (mean, scale, zero) = (st.mean.clone(), st.scale.clone(), st.constant.clone());
    let encoder_input = match data.kind {
        DataKind::Series { channels, length, .. } => {
            Some(channel_standardizer(all, d, stats_rows, (channels, length), &mean, &scale))
        }
        _ => None,
    };
    Dataset {
        train: Split { x: st.transform(all, fit), y: vec![class; fit.len()], rows: fit.to_vec() },
        test: Split { x: st.transform(all, eval_rows), y: Vec::new(), rows: eval_rows.to_vec() },
        zero_variance: zero.iter().map(|&j| data.feature_names[j].clone()).collect(),
        mean,
        scale,
        encoder_input,
        ..data.clone()
    }
}

/// Runs `probe anomaly` with `args`.
pub fn run(args: &AnomalyArgs, out: &mut dyn Write) -> Result<()> {
    check_args(args)?;
    let a = &args.run;
    let (path, data) =
        load(a, "run `probe anomaly data/digits.csv`; `probe anomaly --help` lists every option")?;
    if !data.labelled() {
        return unlabelled(args, &data, &path, out);
    }
    let d = data.dim();
    let (ntr, nte) = (data.train.len(), data.test.len());
    let mut all = raw(&data, &data.train);
    all.extend(raw(&data, &data.test));
    let test_rows: Vec<usize> = (ntr..ntr + nte).collect();
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
    let mut tasks = Vec::new();
    let mut chosen = Vec::new();
    let mut config = serde_json::Value::Null;
    let mut out_dir = None;
    let mut ssl: Vec<ClassResult> = Vec::new();
    let mut random: Vec<ClassResult> = Vec::new();
    let mut base: Vec<Vec<ClassResult>> = vec![Vec::new(); BASELINES.len()];
    let mut roc = Vec::new();
    for &c in &classes {
        let name = data.class_names[c].clone();
        let mut normal: Vec<usize> = (0..ntr).filter(|&i| data.train.y[i] == c).collect();
        if normal.len() < 3 {
            return Err(ProbeError::usage(
                format!("class {name} has {} training rows; a normal class needs at least 3", normal.len()),
                "pick another class with --normal, or add rows",
            ));
        }
        shuffle(&mut seeded(a.seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)), &mut normal);
        let n_cal = ((args.calibration * normal.len() as f64).round() as usize).clamp(1, normal.len() - 2);
        let (cal, fit) = normal.split_at(n_cal);
        let mut fit = fit.to_vec();
        fit.sort_unstable();
        let mut eval_rows = cal.to_vec();
        eval_rows.extend(&test_rows);
        let fd = fit_dataset(&data, &all, &fit, &eval_rows, c, args.standardize == Standardize::Pool);
        let s = resolve(a, &fd, &path)?;
        if out_dir.is_none() {
            out_dir = Some(if a.out.is_some() { s.out_dir.clone() } else { s.out_dir.join("anomaly") });
            config = serde_json::json!({
                "method": s.method.name(), "dim": s.dim, "epochs": s.epochs, "batch": s.batch,
                "lr": s.lr, "tau": s.tau, "weight_decay": s.weight_decay,
                "aug": s.aug.to_string(), "seed": a.seed, "seeds": s.seeds,
                "precision": format!("{:?}", s.precision), "model": format!("{:?}", s.model),
                "standardize": format!("{:?}", args.standardize).to_lowercase(),
            });
        }
        chosen.push((name.clone(), s.chosen.clone()));
        let anomaly: Vec<bool> = data.test.y.iter().map(|&y| y != c).collect();
        tasks.push(TaskSizes {
            class: name.clone(),
            fit_rows: fit.len(),
            calibration_rows: n_cal,
            test_normal: anomaly.iter().filter(|&&x| !x).count(),
            test_anomalies: anomaly.iter().filter(|&&x| x).count(),
        });
        if show {
            let _ = writeln!(
                out,
                "normal class {name}: {} fit rows, {n_cal} held out, {nte} test rows",
                fit.len()
            );
        }
        // Classical baselines on the raw fit rows.
        let fit_raw: Vec<f64> = fit.iter().flat_map(|&i| all[i * d..(i + 1) * d].iter().copied()).collect();
        let eval_raw: Vec<f64> =
            eval_rows.iter().flat_map(|&i| all[i * d..(i + 1) * d].iter().copied()).collect();
        for (b, (bname, scores)) in baseline_scores(&fit_raw, &eval_raw, d, a.seed).into_iter().enumerate() {
            let (cs, ts) = scores.split_at(n_cal);
            base[b].push(ClassResult {
                class: name.clone(),
                runs: vec![metrics(a.seed, ts, cs, &anomaly, args.fpr)],
            });
            if c == classes[0] {
                roc.push((bname.to_string(), roc_curve(ts, &anomaly)));
            }
        }
        // The self-supervised detector and its random initialisation, one run per seed.
        let (mut ssl_runs, mut random_runs) = (Vec::new(), Vec::new());
        for (&seed, r) in s.seeds.iter().zip(train_runs(&fd, &s, false, &mut |_, _| {})?.iter()) {
            for (trained, runs) in [(true, &mut ssl_runs), (false, &mut random_runs)] {
                let e = if trained { &r.trained } else { &r.initial };
                let rep = Representation::Encoder { e, input: fd.encoder_input.as_ref() };
                let kd = rep.dim(d);
                let scores = knn_cosine(&rep.apply(&fd.train.x, d), &rep.apply(&fd.test.x, d), kd, args.knn);
                let (cs, ts) = scores.split_at(n_cal);
                if trained && seed == s.seeds[0] && c == classes[0] {
                    roc.insert(0, (format!("ssl_knn{} (seed {seed})", args.knn), roc_curve(ts, &anomaly)));
                }
                runs.push(metrics(seed, ts, cs, &anomaly, args.fpr));
            }
        }
        ssl.push(ClassResult { class: name.clone(), runs: ssl_runs });
        random.push(ClassResult { class: name, runs: random_runs });
    }
    let mut detectors = vec![
        summarize(&format!("ssl_knn{}", args.knn), ssl),
        summarize(&format!("random_encoder_knn{}", args.knn), random),
    ];
    for (b, classes) in base.into_iter().enumerate() {
        detectors.push(summarize(BASELINES[b], classes));
    }
    let report = AnomalyReport {
        schema: "probe-anomaly/1",
        file: path.display().to_string(),
        kind: data.kind.name().to_string(),
        features: d,
        fpr: args.fpr,
        knn: args.knn,
        calibration_frac: args.calibration,
        config,
        chosen,
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
    let s = resolve(a, data, path)?;
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
    // Each row's k + 1 most similar rows include itself at cosine distance 0: the mean over the
    // other k is the (k + 1)-mean times (k + 1) / k.
    let k = args.knn.min(31).min(rows.len().saturating_sub(1)).max(1);
    let scores: Vec<f64> =
        knn_cosine(&z, &z, kd, k + 1).iter().map(|s| s * (k + 1) as f64 / k as f64).collect();
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
