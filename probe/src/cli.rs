//! Command-line interface (clap derive): the commands and their options. `probe --help`
//! lists every option with its default; the options of a training run are
//! [`crate::settings::options::RunArgs`], and defaults that depend on the data ("auto")
//! are chosen by [`crate::settings::resolve`], which the report records with the reason.

use crate::eval::anomaly::detector::Metric;
use crate::settings::Method;
use crate::settings::options::RunArgs;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Pretrain a self-supervised encoder on any CSV and evaluate it by linear probing and kNN
/// retrieval against raw features, a random encoder and PCA.
///
/// The CSV needs a header row. Column `label` (or --label) holds the classes (integers or
/// strings); an optional `split` column (train/test) fixes the split; every other column is a
/// numeric feature.
#[derive(Parser, Debug)]
#[command(name = "probe", version, args_conflicts_with_subcommands = true, allow_negative_numbers = true)]
pub struct Cli {
    /// Other tasks.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The pretrain-and-evaluate run (the default task).
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands. Their help text is in `about` (clap would print a doc comment as written, and
/// rustdoc would take `<csv stem>` for an HTML tag).
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a synthetic dataset from the seed's recipes as CSV (header `x0,x1[,x2],label`).
    Gen(GenArgs),
    /// `probe compare`: every method on the same data, one report (`reports/<csv stem>/compare/`).
    #[command(
        about = "Run every method on the same data, split, seeds and budget; one report with a table and \
        an alignment–uniformity plot (under reports/<csv stem>/compare/)"
    )]
    Compare(Box<CompareArgs>),
    /// `probe anomaly`: one-class anomaly detection, one-vs-rest (`reports/<csv stem>/anomaly/`).
    #[command(
        about = "One-class anomaly detection, one-vs-rest: for each normal class, pretrain on its training \
        rows only, score every test row (the other classes are the anomalies), next to kNN, PCA, \
        Isolation Forest and random-encoder baselines (under reports/<csv stem>/anomaly/)"
    )]
    Anomaly(Box<AnomalyArgs>),
    /// `probe sweep`: one option varied at a time, or a grid (`reports/<csv stem>/sweep/`).
    #[command(
        about = "Vary one option at a time around the defaults (or every combination, --grid): temperature, \
        batch size, embedding size, augmentation strength, normalization, memory queue, head, \
        epochs, method; each point run like `probe FILE` with several seeds and scored (under \
        reports/<csv stem>/sweep/)"
    )]
    Sweep(Box<SweepArgs>),
    /// `probe labels`: label efficiency of every representation (`reports/<csv stem>/labels/`).
    #[command(about = "Label efficiency: linear probe and kNN of raw features, PCA, the random and the \
        pretrained encoder trained on a fraction of the training labels, next to fine-tuning \
        from the pretrained and from the random encoder (under reports/<csv stem>/labels/)")]
    Labels(Box<LabelsArgs>),
}

/// Options of `probe sweep`: the factors to vary, plus those of the main run (the base).
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// A factor and its values, `NAME=V1,V2,…`, repeatable. Factors: tau, batch, dim, aug (a
    /// strength that scales every augmentation: 0 none, 1 the base pipeline, 2 twice as
    /// strong), normalize (l2, none), queue (memory-queue sizes, with --method infonce), head
    /// (none, linear, mlp), epochs, method.
    #[arg(long, value_name = "NAME=V1,V2,…", required = true)]
    pub vary: Vec<String>,
    /// Run every combination of the values instead of one factor at a time.
    #[arg(long)]
    pub grid: bool,
    /// Everything else as for the main run: the base every point changes one option of
    /// (`--repeats` defaults to 3 here).
    #[command(flatten)]
    pub run: RunArgs,
}

/// Synthetic datasets.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthKind {
    /// 1024 points on a noisy unit circle; label = one of 8 angular sectors.
    Ring,
    /// 2000 3-D points near the plane z = 0.5u + 0.3v; label = quadrant of (u, v).
    Plane,
}

/// Options of `probe gen`.
#[derive(Args, Debug)]
pub struct GenArgs {
    /// Which dataset.
    #[arg(value_enum)]
    pub kind: SynthKind,
    /// Output file [default: standard output].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Random seed [default: 123 for ring, 42 for plane: the seed programs' seeds].
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Options of `probe compare`: those of the main run, plus the list of methods.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Methods to compare, comma-separated [default: infonce,ntxent,byol,simsiam,barlow,vicreg,
    /// and ae with a linear encoder].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub methods: Option<Vec<Method>>,
    /// Everything else as for the main run (`--method` is ignored).
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of `probe anomaly`: those of the main run, plus the detection settings.
#[derive(Args, Debug)]
pub struct AnomalyArgs {
    /// The one normal class (a label value) [default: every class in turn].
    #[arg(long, value_name = "LABEL")]
    pub normal: Option<String>,
    /// Target false-positive rate of the threshold, set on scores of normal training rows the
    /// detector was not fitted on (see --calibration).
    #[arg(long, default_value_t = 0.05, value_name = "RATE")]
    pub fpr: f64,
    /// Neighbours k of the encoders' kNN score: `auto` (chosen per data set from 1, 3, 5, 10 by
    /// the AUROC of held-out normal training rows against the other classes' training rows;
    /// 5 when there are no other classes) or a number from 1 to 32.
    #[arg(long = "knn", default_value = "auto", value_parser = parse_knn, value_name = "auto|K")]
    pub knn: Neighbours,
    /// Distance of the encoders' kNN score: `euclidean` (the embedding's norm kept) or
    /// `cosine` (direction only).
    #[arg(long, value_enum, default_value_t = Metric::Euclidean)]
    pub score: Metric,
    /// Where the threshold's normal scores come from: `crossfit` (each normal training row
    /// scored by a detector fitted on the other 4 of 5 folds; the final detector is fitted on
    /// every normal row) or a fraction, e.g. `0.2` (held out, the detector fitted on the rest).
    #[arg(long, default_value = "crossfit", value_parser = parse_calibration, value_name = "crossfit|FRAC")]
    pub calibration: Calibration,
    /// Statistics that standardize the encoders' input: `normal` (the normal class's fit rows
    /// only, the strict one-class protocol) or `pool` (every training row, labels unused; the
    /// other classes' mean and std are seen). The baselines always use the normal rows'.
    #[arg(long, value_enum, default_value_t = Standardize::Normal)]
    pub standardize: Standardize,
    /// Evaluate on validation rows instead of the test rows: 4 folds of the training rows
    /// (stratified); each fold's rows are scored by detectors fitted on the other folds' normal
    /// rows (how the defaults were chosen; the test rows are never read).
    #[arg(long)]
    pub validate: bool,
    /// Shifted negatives (CSI, Tack et al. 2020): K copies (0 to 16) of the normal rows, each
    /// under a fixed random permutation of the standardized features, added to the encoder's
    /// training rows as instances of their own (the kNN memory keeps the normal rows); 0: none.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub shifted: usize,
    /// Everything else as for the main run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of `probe labels`: those of the main run, plus the label fractions.
#[derive(Args, Debug)]
pub struct LabelsArgs {
    /// Percentages of the training labels, comma-separated, each in (0, 100]; every subset is
    /// stratified with at least one row per class.
    #[arg(long, value_delimiter = ',', value_name = "LIST", default_values_t = [1.0, 5.0, 10.0, 25.0, 100.0])]
    pub fractions: Vec<f64>,
    /// Subsets drawn per seed and fraction, 1 to 10 000 (one at 100 %).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub draws: usize,
    /// Everything else as for the main run (`--repeats` seeds, each pretrained once).
    #[command(flatten)]
    pub run: RunArgs,
}

/// Where `probe anomaly`'s threshold's normal scores come from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Calibration {
    /// Out-of-fold scores of every normal training row.
    CrossFit,
    /// This fraction of the normal training rows, held out.
    Holdout(f64),
}

impl std::fmt::Display for Calibration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Calibration::CrossFit => write!(f, "crossfit"),
            Calibration::Holdout(x) => write!(f, "{x}"),
        }
    }
}

fn parse_calibration(s: &str) -> Result<Calibration, String> {
    if s == "crossfit" {
        return Ok(Calibration::CrossFit);
    }
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(Calibration::Holdout(x)),
        _ => Err(format!(
            "--calibration {s} is neither `crossfit` nor a fraction in (0, 1); pass e.g. --calibration crossfit or --calibration 0.2"
        )),
    }
}

/// `probe anomaly --knn`: the `k` of the encoders' kNN score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Neighbours {
    /// Chosen per data set on the training rows (`commands::anomaly::choose`).
    Auto,
    /// This `k`.
    Fixed(usize),
}

impl std::fmt::Display for Neighbours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Neighbours::Auto => write!(f, "auto"),
            Neighbours::Fixed(k) => write!(f, "{k}"),
        }
    }
}

fn parse_knn(s: &str) -> Result<Neighbours, String> {
    if s == "auto" {
        return Ok(Neighbours::Auto);
    }
    match s.parse::<usize>() {
        Ok(k) if (1..=selfsup_core::anomaly::MAX_K).contains(&k) => Ok(Neighbours::Fixed(k)),
        _ => Err(format!(
            "--knn {s} is neither `auto` nor a number in 1..={}; pass e.g. --knn auto or --knn 5",
            selfsup_core::anomaly::MAX_K
        )),
    }
}

/// Which rows standardize the encoders' input in `probe anomaly`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standardize {
    /// The normal class's fit rows.
    Normal,
    /// Every training row (labels unused).
    Pool,
}
