//! The steps every command shares, in the data's order: load the CSV, resolve the settings,
//! train one run per seed through the one training loop, and score the representations
//! (raw features, PCA, the encoders before and after training) into the report's one metrics
//! type.

use crate::dataset::{self, Dataset, LoadOptions};
use crate::error::{ProbeError, Result};
use crate::eval::pca::Pca;
use crate::eval::{Representation, parallel, score};
use crate::network::Embedder;
use crate::output::build::representation_report;
use crate::output::report::RepresentationReport;
use crate::settings::Settings;
use crate::settings::options::RunArgs;
use crate::train::{Trained, train};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Loads the CSV named by `args` (with labels unless `--no-label`); `fix` says what to run when
/// no file is given.
pub fn load(args: &RunArgs, fix: &str) -> Result<(PathBuf, Dataset)> {
    let path = args.csv.clone().ok_or_else(|| ProbeError::usage("no CSV file given", fix))?;
    let label = if args.no_label { None } else { Some(args.label.clone()) };
    let columns = dataset::Columns::from_options(args.delimiter.as_deref(), &args.drop, &args.features)?;
    let opts =
        LoadOptions { label, test_frac: args.test_frac, seed: args.seed, channels: args.channels, columns };
    let data = dataset::load(&path, &opts)?;
    Ok((path, data))
}

/// Trains one run per seed of `s` on the training rows; a progress bar on standard error when
/// `bar` (and it is a terminal, and one thread runs); the collapse guard's warnings go to
/// `warn(seed, line)`.
pub fn train_runs(
    data: &Dataset,
    s: &Settings,
    bar: bool,
    warn: &mut dyn FnMut(u64, &str),
) -> Result<Vec<Trained>> {
    let mut all = train_many(data, std::slice::from_ref(s), bar, &mut |_, seed, w| warn(seed, w))?;
    Ok(all.pop().unwrap_or_default())
}

/// Trains one run per seed of each of `settings` (e.g. one per method), the runs spread over
/// `settings[0].threads` threads. Each run depends only on its settings and seed, so the
/// results, and the order of the warnings (`warn(settings index, seed, line)`, given in run
/// order after training when several threads run), do not depend on the thread count.
pub fn train_many(
    data: &Dataset,
    settings: &[Settings],
    bar: bool,
    warn: &mut dyn FnMut(usize, u64, &str),
) -> Result<Vec<Vec<Trained>>> {
    train_each(data, settings, bar, warn).into_iter().map(|runs| runs.into_iter().collect()).collect()
}

/// [`train_many`], keeping each run's own result: a run that diverges (or cannot start) is an
/// error in its place, and the others still count (`probe sweep`, where a setting that
/// diverges is a finding, not a failure).
pub fn train_each(
    data: &Dataset,
    settings: &[Settings],
    bar: bool,
    warn: &mut dyn FnMut(usize, u64, &str),
) -> Vec<Vec<Result<Trained>>> {
    let x = data.encoder_train();
    let d = data.dim();
    let jobs: Vec<(usize, u64)> =
        settings.iter().enumerate().flat_map(|(i, s)| s.seeds.iter().map(move |&seed| (i, seed))).collect();
    let threads = settings.first().map_or(1, |s| s.threads).min(jobs.len());
    let results: Vec<(Result<Trained>, Vec<String>)> = if threads <= 1 {
        let bar = bar && std::io::stderr().is_terminal();
        jobs.iter()
            .map(|&(i, seed)| {
                let s = &settings[i];
                let pb = progress_bar(bar, s, seed);
                let mut progress = |e: usize, l: f64| {
                    pb.set_position(e as u64);
                    pb.set_message(format!("{l:.4}"));
                };
                let r = train(&x, d, s, seed, &mut progress, &mut |w| warn(i, seed, w));
                pb.finish_and_clear();
                (r, Vec::new())
            })
            .collect()
    } else {
        let x: &[f64] = &x;
        let results = parallel::map(jobs.len(), threads, |j| {
            let (i, seed) = jobs[j];
            let mut lines = Vec::new();
            let r = train(x, d, &settings[i], seed, &mut |_, _| {}, &mut |w| lines.push(w.to_string()));
            (r, lines)
        });
        for (&(i, seed), (_, lines)) in jobs.iter().zip(&results) {
            lines.iter().for_each(|w| warn(i, seed, w));
        }
        results
    };
    let mut out: Vec<Vec<Result<Trained>>> = settings.iter().map(|_| Vec::new()).collect();
    for (&(i, _), (r, _)) in jobs.iter().zip(results) {
        out[i].push(r);
    }
    out
}

fn progress_bar(on: bool, s: &Settings, seed: u64) -> indicatif::ProgressBar {
    if !on {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(s.epochs as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] epoch {pos}/{len}  loss {msg}")
    {
        b.set_style(style.progress_chars("=> "));
    }
    b.set_prefix(format!("{} seed {seed}", s.method.name()));
    b
}

/// The baselines that do not depend on training: raw standardized features and PCA to
/// `min(K, d)` fitted on train (their diagnostics' views drawn with the first seed).
pub fn baselines(data: &Dataset, s: &Settings) -> Vec<RepresentationReport> {
    let d = data.dim();
    let pca = Pca::fit(&data.train.x, d, s.dim.min(d));
    let one = |name: &str, rep: &Representation<'_>| {
        representation_report(name, rep.dim(d), vec![(s.seeds[0], score(data, rep, &s.aug, s.seeds[0]))])
    };
    vec![one("raw", &Representation::Raw), one("pca", &Representation::Pca(&pca))]
}

/// The report of the encoders `(seed, encoder)` under `name`, each scored with its seed.
pub fn encoders(
    name: &str,
    data: &Dataset,
    s: &Settings,
    encoders: &[(u64, &Embedder)],
) -> RepresentationReport {
    let input = data.encoder_input.as_ref();
    let scores = parallel::map(encoders.len(), s.threads, |i| {
        let (seed, e) = encoders[i];
        (seed, score(data, &Representation::Encoder { e, input }, &s.aug, seed))
    });
    representation_report(name, s.dim, scores)
}
