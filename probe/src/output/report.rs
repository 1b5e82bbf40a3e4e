//! The report: a table on the terminal, and under the output directory `report.json`
//! (every number, the full configuration, the seeds, crate versions; field names documented in
//! `probe/README.md` and stable within schema `probe-report/2`) and `report.md`.
//!
//! `report.json` holds no timestamps or timings, so the same inputs and seed give a
//! byte-identical file; timings go to the terminal and `report.md` only.
//! Accuracies, F1, recalls and mAP are in % (0–100). Mean ± std over repeats use the sample
//! standard deviation (n − 1; 0 for one run).

use super::verdict::Verdict;
use crate::dataset::standardize::CellWarning;
use crate::settings::Settings;
use crate::train::collapse::CollapseLog;
use serde::Serialize;
use std::time::Duration;

/// Schema tag written into every report.
pub const SCHEMA: &str = "probe-report/2";

/// The whole report.
#[derive(Serialize, Clone, Debug)]
pub struct Report {
    /// `probe-report/2`.
    pub schema: String,
    /// Crate versions.
    pub versions: Versions,
    /// Whether the pretrained encoder beats raw features and PCA on test (null with `--no-label`).
    pub verdict: Option<Verdict>,
    /// The data.
    pub input: Input,
    /// The input's outlier cells: where, what value, what was done (empty when none).
    pub warnings: Vec<CellWarning>,
    /// The full configuration.
    pub config: Config,
    /// One entry per pretraining run.
    pub training: Vec<TrainingRun>,
    /// One entry per representation (raw, pca, random, pretrained); empty with `--no-label`.
    pub evaluation: Vec<RepresentationReport>,
    /// The automatic search that chose the configuration (absent with `--no-search`, or when
    /// nothing was left to search).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<crate::search::result::Search>,
}

/// Crate versions.
#[derive(Serialize, Clone, Debug)]
pub struct Versions {
    /// probe.
    pub probe: String,
    /// selfsup-core.
    pub selfsup_core: String,
}

/// The data as loaded.
#[derive(Serialize, Clone, Debug)]
pub struct Input {
    /// The CSV path as given.
    pub file: String,
    /// Data rows.
    pub rows: usize,
    /// Feature columns `d`.
    pub features: usize,
    /// `points2d`, `tabular`, `series` or `image`.
    pub kind: String,
    /// Image size `[H, W]` (images only; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<[usize; 2]>,
    /// How the image was recognised: `header` or `--image` (images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_detected_by: Option<String>,
    /// Series channels.
    pub channels: Option<usize>,
    /// Series length.
    pub length: Option<usize>,
    /// How the series was recognised: `header` or `--channels`.
    pub series_detected_by: Option<String>,
    /// Label column name (null with `--no-label`).
    pub label_column: Option<String>,
    /// Class names by id.
    pub classes: Vec<String>,
    /// `column`, `stratified` or `all-train`.
    pub split: String,
    /// Test fraction of a stratified split.
    pub test_frac: Option<f64>,
    /// Training rows.
    pub train_rows: usize,
    /// Test rows.
    pub test_rows: usize,
    /// Training rows per class id.
    pub train_class_counts: Vec<usize>,
    /// Test rows per class id.
    pub test_class_counts: Vec<usize>,
    /// Zero-variance training columns (centred, not scaled).
    pub zero_variance_columns: Vec<String>,
    /// The notes and warnings about the input printed before the run (columns left out,
    /// likely row ids, outliers), one line each.
    pub notes: Vec<String>,
}

/// The configuration actually used: the run's [`Settings`] as they are, and the evaluation's.
#[derive(Serialize, Clone, Debug)]
pub struct Config {
    /// The resolved settings.
    #[serde(flatten)]
    pub settings: Settings,
    /// What the encoders see.
    pub encoder_input: EncoderInput,
    /// Inverse L2 strength of the linear probe.
    pub probe_c: f64,
    /// Temperature of the weighted kNN vote.
    pub knn_temperature: f64,
}

/// What the encoders see.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncoderInput {
    /// The standardized features.
    #[serde(rename = "standardized features")]
    StandardizedFeatures,
    /// A time series with each channel standardized as a whole.
    #[serde(rename = "series standardized per channel")]
    SeriesPerChannel,
    /// An image with all its pixels standardized as a whole.
    #[serde(rename = "image standardized as a whole")]
    ImageWhole,
}

impl EncoderInput {
    /// The words of the report.
    pub fn describe(self) -> &'static str {
        match self {
            EncoderInput::StandardizedFeatures => "standardized features",
            EncoderInput::SeriesPerChannel => "series standardized per channel",
            EncoderInput::ImageWhole => "image standardized as a whole (raw pixels and PCA alike)",
        }
    }
}

/// One pretraining run.
#[derive(Serialize, Clone, Debug)]
pub struct TrainingRun {
    /// Seed.
    pub seed: u64,
    /// Mean loss of each epoch.
    pub loss_per_epoch: Vec<f64>,
    /// Last epoch's loss.
    pub final_loss: f64,
    /// The collapse guard's record.
    pub collapse: CollapseLog,
}

/// One representation's results.
#[derive(Serialize, Clone, Debug)]
pub struct RepresentationReport {
    /// `raw`, `pca`, `random` or `pretrained`.
    pub name: String,
    /// Embedding dimension.
    pub dim: usize,
    /// Per run (one for raw and pca, which do not depend on the pretraining seed).
    pub runs: Vec<RunReport>,
    /// Mean over runs.
    pub mean: Metrics,
    /// Sample standard deviation over runs.
    pub std: Metrics,
    /// Test rows evaluated.
    pub test_rows: usize,
    /// Test rows behind the kNN accuracies and recalls (`< test_rows`: a seeded sample).
    pub knn_queries: usize,
    /// Queries behind `map` (`< test_rows`: a seeded sample).
    pub map_queries: usize,
    /// Test rows whose pairs give `uniformity` (`< test_rows`: a seeded sample).
    pub uniformity_rows: usize,
}

impl RepresentationReport {
    /// Whether any of its metrics averages a sample of the test rows rather than all of them.
    pub fn sampled(&self) -> bool {
        self.knn_queries < self.test_rows
            || self.map_queries < self.test_rows
            || self.uniformity_rows < self.test_rows
    }
}

/// One run of one representation.
#[derive(Serialize, Clone, Debug)]
pub struct RunReport {
    /// Seed of the run (of the augmentations of the diagnostics for raw and pca).
    pub seed: u64,
    /// Scores.
    pub metrics: Metrics,
    /// L-BFGS iterations of the linear probe.
    pub probe_iterations: usize,
    /// Whether the linear probe converged.
    pub probe_converged: bool,
    /// Per-dimension std of the normalized test embedding.
    pub std_per_dim: Vec<f64>,
}

/// Every scalar score (see the module docs for units).
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Linear-probe test accuracy, %.
    pub linear_probe_accuracy: f64,
    /// Linear-probe macro-F1, %.
    pub linear_probe_macro_f1: f64,
    /// 1-NN accuracy, %.
    pub knn_k1: f64,
    /// 5-NN majority accuracy, %.
    pub knn_k5: f64,
    /// 20-NN majority accuracy, %.
    pub knn_k20: f64,
    /// 20-NN weighted accuracy, %.
    pub knn_k20_weighted: f64,
    /// Recall@1, %.
    pub recall_at_1: f64,
    /// Recall@5, %.
    pub recall_at_5: f64,
    /// Mean average precision, %.
    pub map: f64,
    /// Alignment (α = 2).
    pub alignment: f64,
    /// Uniformity (t = 2).
    pub uniformity: f64,
    /// Mean per-dimension std of the normalized embedding.
    pub std_mean: f64,
    /// `1/√K`.
    pub std_reference: f64,
    /// Effective rank.
    pub effective_rank: f64,
}

const N_METRICS: usize = 14;

impl Metrics {
    fn to_array(&self) -> [f64; N_METRICS] {
        [
            self.linear_probe_accuracy,
            self.linear_probe_macro_f1,
            self.knn_k1,
            self.knn_k5,
            self.knn_k20,
            self.knn_k20_weighted,
            self.recall_at_1,
            self.recall_at_5,
            self.map,
            self.alignment,
            self.uniformity,
            self.std_mean,
            self.std_reference,
            self.effective_rank,
        ]
    }

    fn from_array(a: [f64; N_METRICS]) -> Self {
        Self {
            linear_probe_accuracy: a[0],
            linear_probe_macro_f1: a[1],
            knn_k1: a[2],
            knn_k5: a[3],
            knn_k20: a[4],
            knn_k20_weighted: a[5],
            recall_at_1: a[6],
            recall_at_5: a[7],
            map: a[8],
            alignment: a[9],
            uniformity: a[10],
            std_mean: a[11],
            std_reference: a[12],
            effective_rank: a[13],
        }
    }

    /// Mean and sample standard deviation over runs.
    pub fn mean_std(runs: &[Metrics]) -> (Metrics, Metrics) {
        let n = runs.len().max(1) as f64;
        let mut mean = [0.0; N_METRICS];
        for r in runs {
            for (m, v) in mean.iter_mut().zip(r.to_array()) {
                *m += v / n;
            }
        }
        let mut var = [0.0; N_METRICS];
        if runs.len() > 1 {
            for r in runs {
                for ((s, v), m) in var.iter_mut().zip(r.to_array()).zip(mean) {
                    *s += (v - m) * (v - m) / (n - 1.0);
                }
            }
        }
        (Metrics::from_array(mean), Metrics::from_array(var.map(f64::sqrt)))
    }
}

/// Wall-clock timings (terminal and report.md only).
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Loading and standardizing.
    pub load: Duration,
    /// All pretraining runs.
    pub pretrain: Duration,
    /// All evaluations.
    pub evaluate: Duration,
}

impl Report {
    /// `report.json` (pretty, with a final newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}

/// selfsup-core's version, read from its manifest at compile time.
pub fn core_version() -> String {
    let manifest = include_str!("../../../core/Cargo.toml");
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \"").and_then(|r| r.strip_suffix('"')))
        .unwrap_or("unknown")
        .to_string()
}

/// The name a value serializes to in the reports (`adam`, `mlp`, …).
pub fn name_of<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std() {
        let a = Metrics { knn_k1: 1.0, ..Default::default() };
        let b = Metrics { knn_k1: 3.0, ..Default::default() };
        let (m, s) = Metrics::mean_std(&[a, b]);
        assert_eq!(m.knn_k1, 2.0);
        assert!((s.knn_k1 - 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(core_version().split('.').count(), 3);
    }
}
