//! The steps every command shares, in the data's order: load the CSV, resolve the settings,
//! train one run per seed through the one training loop, and score the representations
//! (raw features, PCA, the encoders before and after training) into the report's one metrics
//! type.

use crate::dataset::{self, Dataset, LoadOptions, memory};
use crate::error::{ProbeError, Result};
use crate::eval::pca::Pca;
use crate::eval::{Representation, Retrieval, Step, parallel, retrieval, score_with};
use crate::network::{Embedder, EncoderKind, Represent};
use crate::output::build::representation_report;
use crate::output::report::RepresentationReport;
use crate::settings::Settings;
use crate::settings::options::RunArgs;
use crate::train::{Trained, train};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Loads the CSV named by `args` (with labels unless `--no-label`); `fix` says what to run when
/// no file is given.
pub fn load(args: &RunArgs, fix: &str) -> Result<(PathBuf, Dataset)> {
    let path = args.csv.clone().ok_or_else(|| ProbeError::usage("no CSV file given", fix))?;
    let label = if args.no_label { None } else { Some(args.label.clone()) };
    let columns = dataset::Columns::from_options(args.delimiter.as_deref(), &args.drop, &args.features)?;
    let opts = LoadOptions {
        label,
        test_frac: args.test_frac,
        seed: args.seed,
        channels: args.channels,
        image: args.image,
        columns,
    };
    let spin = spinner(!args.quiet, format!("loading {}", path.display()));
    let data = dataset::load(&path, &opts);
    spin.finish_and_clear();
    Ok((path, data?))
}

/// What a run of `a` on `data` holds in memory with `runs` trainings at once
/// ([`Dataset::footprint`]); the embedding is the hidden layer's width when that is the
/// representation.
pub fn footprint(data: &Dataset, a: &RunArgs, runs: usize) -> memory::Footprint {
    let hidden = if a.encoder == EncoderKind::Mlp { a.hidden } else { 0 };
    let dim = if a.represent == Represent::Hidden { Some(a.hidden) } else { a.dim };
    data.footprint(dim, hidden, a.batch, runs)
}

/// Refuses options whose run (`runs` trainings at once) needs more memory than the machine
/// has, before anything is allocated: one error line with the estimate and the fix.
pub fn check_memory(data: &Dataset, a: &RunArgs, runs: usize) -> Result<()> {
    memory::check_memory(&footprint(data, a, runs), memory::available_bytes())
}

/// Prints the data's notes and warnings (outlier cells, columns left out, a likely row id),
/// one line each: every command that reads a CSV says what it changed or doubts in it.
pub fn print_notes(data: &Dataset, w: &mut dyn Write) {
    for note in &data.notes {
        let _ = writeln!(w, "{note}");
    }
}

/// A spinner with `message` on standard error while a step without a count runs (hidden
/// unless `on` and standard error is a terminal).
pub fn spinner(on: bool, message: String) -> indicatif::ProgressBar {
    if !(on && std::io::stderr().is_terminal()) {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new_spinner().with_message(message);
    b.enable_steady_tick(std::time::Duration::from_millis(120));
    b
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
        out[i].push(r.map(|t| represented(t, &settings[i])));
    }
    out
}

/// The encoders the runs of `s` start from, one per seed, cut to the layer `s` evaluates: the
/// `initial` encoders [`train_runs`] returns, known before training ([`crate::train::run::initial`]).
pub fn initial_encoders(data: &Dataset, s: &Settings) -> Result<Vec<Embedder>> {
    let (n, d) = (data.train.len(), data.dim());
    s.seeds
        .iter()
        .map(|&seed| Ok(crate::train::run::initial(n, d, s, seed)?.represent(s.model.represent)))
        .collect()
}

/// `t` with its encoders cut to the layer that `s` evaluates (`--represent`).
pub fn represented(mut t: Trained, s: &Settings) -> Trained {
    let r = s.model.represent;
    t.initial = t.initial.represent(r);
    t.trained = t.trained.represent(r);
    t
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

/// The progress bars of the evaluation on standard error, one per representation and seed
/// (several at once when seeds are scored in parallel); hidden unless asked for and standard
/// error is a terminal.
pub struct EvalBars {
    bars: indicatif::MultiProgress,
}

impl EvalBars {
    /// Bars when `on` and standard error is a terminal, hidden ones otherwise.
    pub fn new(on: bool) -> Self {
        let target = if on && std::io::stderr().is_terminal() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        };
        Self { bars: indicatif::MultiProgress::with_draw_target(target) }
    }

    /// Whether nothing is drawn.
    pub fn is_hidden(&self) -> bool {
        self.bars.is_hidden()
    }

    /// Scores `rep` as [`crate::eval::score`] does, with a bar `evaluate NAME seed S` showing
    /// the step and its progress.
    fn score(
        &self,
        name: &str,
        data: &Dataset,
        rep: &Representation<'_>,
        aug: &crate::augment::Pipeline,
        seed: u64,
    ) -> crate::eval::Scores {
        self.with_bar(name, seed, |show| score_with(data, rep, aug, seed, Some(show)))
    }

    /// Runs `f` with a bar `evaluate NAME seed S` that shows the step and progress `f` reports.
    fn with_bar<R>(&self, name: &str, seed: u64, f: impl FnOnce(crate::eval::Progress<'_>) -> R) -> R {
        let pb = self.bars.add(indicatif::ProgressBar::new(1));
        if let Ok(style) = indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {msg} {pos}/{len}") {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_prefix(format!("evaluate {name} seed {seed}"));
        let show = |step: Step, done: usize, total: usize| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
            pb.set_message(step.name());
        };
        let r = f(&show);
        pb.finish_and_clear();
        self.bars.remove(&pb);
        r
    }
}

/// The raw features' linear probe and kNN ([`crate::eval::retrieval`]), which depend on
/// nothing the search or the training chooses: the run computes them while the search runs.
/// `data` is the [`Dataset::baseline_view`] (for an image, its pixels standardized as a whole);
/// `seed` only names the bar.
pub fn raw_retrieval<'a>(data: &'a Dataset, seed: u64, bars: &EvalBars) -> Retrieval<'a> {
    bars.with_bar("raw", seed, |show| retrieval(data, &Representation::Raw, Some(show)))
}

/// The report of the raw features from their [`raw_retrieval`]: the diagnostics' views drawn
/// from `s`'s augmentation with its first seed, as in [`baselines`]; `data` is the view `raw`
/// was computed on.
pub fn raw_report(data: &Dataset, s: &Settings, raw: Retrieval<'_>, bars: &EvalBars) -> RepresentationReport {
    let seed = s.seeds[0];
    let scores =
        bars.with_bar("raw", seed, |show| raw.finish(data, &Representation::Raw, &s.aug, seed, Some(show)));
    representation_report("raw", data.dim(), vec![(seed, scores)])
}

/// The report of PCA to `min(K, d)` fitted on the training rows of `data`, the
/// [`Dataset::baseline_view`] (built once by the caller and shared with the raw features), as
/// in [`baselines`].
pub fn pca_report(data: &Dataset, s: &Settings, bars: &EvalBars) -> RepresentationReport {
    let d = data.dim();
    let spin = bars.bars.add(spinner(!bars.is_hidden(), "fitting PCA".into()));
    let pca = Pca::fit(&data.train.x, d, s.dim.min(d));
    spin.finish_and_clear();
    bars.bars.remove(&spin);
    let rep = Representation::Pca(&pca);
    let seed = s.seeds[0];
    representation_report("pca", rep.dim(d), vec![(seed, bars.score("pca", data, &rep, &s.aug, seed))])
}

/// The baselines that do not depend on training: raw standardized features and PCA to
/// `min(K, d)` fitted on train, both on the [`Dataset::baseline_view`] (their diagnostics'
/// views drawn with the first seed), with progress on `bars`.
pub fn baselines(data: &Dataset, s: &Settings, bars: &EvalBars) -> Vec<RepresentationReport> {
    let base = data.baseline_view();
    let pca = pca_report(&base, s, bars);
    let raw = raw_retrieval(&base, s.seeds[0], bars);
    vec![raw_report(&base, s, raw, bars), pca]
}

/// The report of the encoders `(seed, encoder)` under `name`, each scored with its seed, with
/// progress on `bars`.
pub fn encoders(
    name: &str,
    data: &Dataset,
    s: &Settings,
    encoders: &[(u64, &Embedder)],
    bars: &EvalBars,
) -> RepresentationReport {
    let input = data.encoder_input.as_ref();
    let scores = parallel::map(encoders.len(), parallel::threads(), |i| {
        let (seed, e) = encoders[i];
        (seed, bars.score(name, data, &Representation::Encoder { e, input }, &s.aug, seed))
    });
    let k = encoders.first().map_or(s.dim, |(_, e)| e.dim(data.dim()));
    representation_report(name, k, scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Scores, score};

    fn same(a: &Scores, b: &Scores) -> bool {
        a.probe == b.probe && a.knn == b.knn && a.diagnostics == b.diagnostics
    }

    /// `LoadOptions::default()`, which the tests load the shipped files with, is what the
    /// command line loads a file with when no option is given.
    #[test]
    fn load_options_default_to_the_command_line_defaults() {
        use clap::Parser;
        let args = crate::cli::Cli::try_parse_from(["probe", "x.csv"]).unwrap().run;
        let d = LoadOptions::default();
        assert_eq!(d.label.as_deref(), Some(args.label.as_str()));
        assert_eq!(
            (d.test_frac, d.seed, d.channels, d.image),
            (args.test_frac, args.seed, args.channels, args.image)
        );
        let c =
            dataset::Columns::from_options(args.delimiter.as_deref(), &args.drop, &args.features).unwrap();
        assert_eq!(
            (d.columns.delimiter, &d.columns.drop, &d.columns.features),
            (c.delimiter, &c.drop, &c.features)
        );
    }

    /// Evaluation reports every step's progress up to its end, and the scores with progress
    /// are the scores without it; without a terminal the bars are hidden.
    #[test]
    fn evaluation_reports_its_progress_and_the_scores_do_not_change() {
        let data = crate::dataset::shipped("iris.csv");
        let aug = crate::augment::parse("noise:0.1", data.dim(), &data.kind).unwrap();
        let seen = std::sync::Mutex::new(Vec::<(Step, usize, usize)>::new());
        let record = |step: Step, done: usize, total: usize| seen.lock().unwrap().push((step, done, total));
        let with = score_with(&data, &Representation::Raw, &aug, 3, Some(&record));
        assert!(same(&with, &score(&data, &Representation::Raw, &aug, 3)));
        let seen = seen.into_inner().unwrap();
        for step in [Step::Embed, Step::LinearProbe, Step::Knn, Step::Diagnostics] {
            let calls: Vec<_> = seen.iter().filter(|c| c.0 == step).collect();
            assert!(!calls.is_empty(), "{step:?}: {seen:?}");
            assert!(calls.iter().all(|c| c.1 <= c.2), "{step:?}: {calls:?}");
        }
        // kNN ends with every query done (45 test rows).
        assert!(seen.contains(&(Step::Knn, 45, 45)), "{seen:?}");
        assert!(seen.contains(&(Step::Diagnostics, 1, 1)));
        // The steps come in order.
        let order: Vec<Step> = seen.iter().map(|c| c.0).fold(Vec::new(), |mut v, s| {
            if v.last() != Some(&s) {
                v.push(s);
            }
            v
        });
        assert_eq!(order, [Step::Embed, Step::Knn, Step::LinearProbe, Step::Diagnostics]);
        let bars = EvalBars::new(false);
        assert!(bars.is_hidden());
        let rep = bars.score("raw", &data, &Representation::Raw, &aug, 3);
        assert!(same(&rep, &with));
    }
}
