//! The steps every command shares, in the data's order: load the CSV, resolve the settings,
//! train one run per seed through the one training loop, and score the representations
//! (raw features, PCA, the encoders before and after training) into the report's one metrics
//! type.

use crate::dataset::{self, Dataset, LoadOptions};
use crate::error::{ProbeError, Result};
use crate::eval::pca::Pca;
use crate::eval::{Representation, score};
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
    let opts = LoadOptions { label, test_frac: args.test_frac, seed: args.seed, channels: args.channels };
    let data = dataset::load(&path, &opts)?;
    Ok((path, data))
}

/// Trains one run per seed of `s` on the training rows; a progress bar on standard error when
/// `bar` (and it is a terminal); the collapse guard's warnings go to `warn(seed, line)`.
pub fn train_runs(
    data: &Dataset,
    s: &Settings,
    bar: bool,
    warn: &mut dyn FnMut(u64, &str),
) -> Result<Vec<Trained>> {
    let x = data.encoder_train();
    let bar = bar && std::io::stderr().is_terminal();
    let mut runs = Vec::with_capacity(s.seeds.len());
    for &seed in &s.seeds {
        let pb = if bar {
            let b = indicatif::ProgressBar::new(s.epochs as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] epoch {pos}/{len}  loss {msg}")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_prefix(format!("{} seed {seed}", s.method.name()));
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        let mut progress = |e: usize, l: f64| {
            pb.set_position(e as u64);
            pb.set_message(format!("{l:.4}"));
        };
        let r = train(&x, data.dim(), s, seed, &mut progress, &mut |w| warn(seed, w));
        pb.finish_and_clear();
        runs.push(r?);
    }
    Ok(runs)
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
    let scores = encoders
        .iter()
        .map(|&(seed, e)| (seed, score(data, &Representation::Encoder { e, input }, &s.aug, seed)))
        .collect();
    representation_report(name, s.dim, scores)
}
