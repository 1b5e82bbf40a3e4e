//! The report of a run, assembled from the data, the settings, the training runs and the
//! evaluation.

use crate::dataset::{DataKind, Dataset, SplitSource};
use crate::eval::{Scores, knn, linear_probe};
use crate::network::EncoderKind;
use crate::output::report::{
    self, Config, EncoderInput, Input, Metrics, Report, RepresentationReport, RunReport, TrainingRun,
    Versions,
};
use crate::output::verdict::{self, Scored};
use crate::settings::Settings;
use crate::train::Trained;
use std::path::Path;

/// The metrics of one representation in one run.
pub fn metrics_of(sc: &Scores) -> Metrics {
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

/// The report of one representation over its runs `(seed, scores)`.
pub fn representation_report(name: &str, dim: usize, runs: Vec<(u64, Scores)>) -> RepresentationReport {
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
    // Every run of a representation scores the same test rows with the same sample sizes.
    let (test_rows, knn_queries, map_queries, uniformity_rows) =
        runs.first().map_or((0, 0, 0, 0), |(_, sc)| {
            (sc.knn.test_rows, sc.knn.queries, sc.knn.map_queries, sc.diagnostics.uniformity_rows)
        });
    RepresentationReport {
        name: name.into(),
        dim,
        runs: run_reports,
        mean,
        std,
        test_rows,
        knn_queries,
        map_queries,
        uniformity_rows,
    }
}

fn class_counts(y: &[usize], c: usize) -> Vec<usize> {
    let mut v = vec![0; c];
    for &i in y {
        v[i] += 1;
    }
    v
}

/// The report of a run of `path`.
pub fn build_report(
    path: &Path,
    data: &Dataset,
    s: &Settings,
    runs: &[Trained],
    evaluation: Vec<RepresentationReport>,
) -> Report {
    let c = data.num_classes();
    let (channels, length, by) = match &data.kind {
        DataKind::Series { channels, length, source } => {
            (Some(*channels), Some(*length), Some(source.to_string()))
        }
        _ => (None, None, None),
    };
    let (image, image_by) = match &data.kind {
        DataKind::Image { height, width, source } => (Some([*height, *width]), Some(source.to_string())),
        _ => (None, None),
    };
    let (split, test_frac) = match data.split_source {
        SplitSource::Column => ("column", None),
        SplitSource::Stratified(f) => ("stratified", Some(f)),
        SplitSource::AllTrain => ("all-train", None),
    };
    let scored: Vec<Scored<'_>> = evaluation
        .iter()
        .map(|r| Scored {
            name: &r.name,
            linear_probe: (r.mean.linear_probe_accuracy, r.std.linear_probe_accuracy),
            knn: (r.mean.knn_k20_weighted, r.std.knn_k20_weighted),
            runs: r.runs.len(),
        })
        .collect();
    let full_linear =
        (s.model.encoder == EncoderKind::Linear && s.dim >= data.dim()).then_some((data.dim(), s.dim));
    let verdict = verdict::judge(&scored, full_linear);
    Report {
        schema: report::SCHEMA.into(),
        versions: Versions { probe: env!("CARGO_PKG_VERSION").into(), selfsup_core: report::core_version() },
        verdict,
        input: Input {
            file: path.display().to_string(),
            rows: data.train.len() + data.test.len(),
            features: data.dim(),
            kind: data.kind.name().into(),
            image,
            image_detected_by: image_by,
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
            notes: data.notes.clone(),
        },
        warnings: data.warnings.clone(),
        config: config(data, s),
        training: s
            .seeds
            .iter()
            .zip(runs)
            .map(|(&seed, r)| TrainingRun {
                seed,
                final_loss: r.losses.last().copied().unwrap_or(f64::NAN),
                loss_per_epoch: r.losses.clone(),
                collapse: r.collapse.clone(),
            })
            .collect(),
        evaluation,
        search: None,
    }
}

/// The report's configuration: the settings as they are, and the evaluation's.
pub fn config(data: &Dataset, s: &Settings) -> Config {
    Config {
        settings: s.clone(),
        encoder_input: match (&data.kind, &data.encoder_input) {
            (_, None) => EncoderInput::StandardizedFeatures,
            (DataKind::Image { .. }, Some(_)) => EncoderInput::ImageWhole,
            (_, Some(_)) => EncoderInput::SeriesPerChannel,
        },
        probe_c: linear_probe::DEFAULT_C,
        knn_temperature: knn::WEIGHT_TEMPERATURE,
    }
}
