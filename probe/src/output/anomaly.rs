//! The report of `probe anomaly`: `report.json` (schema `probe-anomaly/2`) and `report.md`.

use crate::eval::anomaly::metrics::AtThreshold;
use crate::settings::Choice;
use serde::Serialize;
use std::fmt::Write;

/// One detector on one normal class in one run.
#[derive(Serialize, Clone, Debug)]
pub struct RunMetrics {
    /// The pretraining seed (the base seed for the baselines).
    pub seed: u64,
    /// AUROC (%) on the test rows.
    pub auroc: f64,
    /// Average precision (%) on the test rows, anomalies positive.
    pub auprc: f64,
    /// Precision, recall, F1 and realised FPR on the test rows at the threshold set on the
    /// held-out normal rows for the target FPR (fractions).
    pub at_fpr: AtThreshold,
}

/// One detector on one normal class.
#[derive(Serialize, Clone, Debug)]
pub struct ClassResult {
    /// The normal class.
    pub class: String,
    /// Runs (one per seed; one for deterministic baselines).
    pub runs: Vec<RunMetrics>,
}

/// One detector over every normal class.
#[derive(Serialize, Clone, Debug)]
pub struct DetectorReport {
    /// Name (`ssl_euc5`, `random_euc5`, `knn_euclidean_1`, …).
    pub name: String,
    /// Per class.
    pub classes: Vec<ClassResult>,
    /// Mean over classes of the AUROC, per run.
    pub auroc_per_run: Vec<f64>,
    /// Mean and sample std over runs of the class-mean AUROC (%).
    pub auroc: (f64, f64),
    /// The same for the average precision (%).
    pub auprc: (f64, f64),
    /// The same for F1 at the target FPR (%).
    pub f1: (f64, f64),
    /// Mean over classes and runs of the realised FPR on the test rows (%).
    pub realised_fpr: f64,
}

/// Sizes of one normal class's task.
#[derive(Serialize, Clone, Debug)]
pub struct TaskSizes {
    /// The normal class.
    pub class: String,
    /// Normal training rows the detectors are fitted on.
    pub fit_rows: usize,
    /// Held-out normal training rows that set the threshold.
    pub calibration_rows: usize,
    /// How often a new normal row exceeds that threshold, for exchangeable scores (fraction;
    /// `selfsup_core::anomaly::expected_false_positive_rate`): near the target, but at least
    /// `1/(calibration_rows + 1)`.
    pub expected_fpr: f64,
    /// Normal and anomalous test rows.
    pub test_normal: usize,
    /// Anomalous test rows.
    pub test_anomalies: usize,
}

/// The whole report.
#[derive(Serialize, Clone, Debug)]
pub struct AnomalyReport {
    /// `"probe-anomaly/2"`.
    pub schema: &'static str,
    /// The CSV path as given.
    pub file: String,
    /// `series`, `tabular` or `points2d`.
    pub kind: String,
    /// Feature columns.
    pub features: usize,
    /// Target false-positive rate of the threshold.
    pub fpr: f64,
    /// `k` of the kNN scores of the encoders.
    pub knn: usize,
    /// Where the threshold's normal scores come from (`crossfit` or the held-out fraction).
    pub calibration: String,
    /// Whether the evaluation rows are validation folds of the training rows (`--validate`).
    pub validate: bool,
    /// The pretraining configuration (of the first normal class; defaults are resolved per class).
    pub config: serde_json::Value,
    /// Defaults chosen from the data, per normal class.
    pub chosen: Vec<(String, Vec<Choice>)>,
    /// The notes and warnings about the input (outlier cells, columns left out, a likely row
    /// id), as printed.
    pub notes: Vec<String>,
    /// The tasks.
    pub tasks: Vec<TaskSizes>,
    /// Every detector, the self-supervised one first.
    pub detectors: Vec<DetectorReport>,
}

/// Mean and sample standard deviation (0 for one value).
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (m, 0.0);
    }
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, var.sqrt())
}

/// Builds a detector's summary from its per-class runs (every class has the same runs).
pub fn summarize(name: &str, classes: Vec<ClassResult>) -> DetectorReport {
    let runs = classes.first().map_or(0, |c| c.runs.len());
    let per_run = |f: &dyn Fn(&RunMetrics) -> f64| -> Vec<f64> {
        (0..runs).map(|r| classes.iter().map(|c| f(&c.runs[r])).sum::<f64>() / classes.len() as f64).collect()
    };
    let auroc_per_run = per_run(&|m| m.auroc);
    let auprc = mean_std(&per_run(&|m| m.auprc));
    let f1 = mean_std(&per_run(&|m| 100.0 * m.at_fpr.f1));
    let realised_fpr = mean_std(&per_run(&|m| 100.0 * m.at_fpr.fpr)).0;
    DetectorReport {
        name: name.into(),
        auroc: mean_std(&auroc_per_run),
        auroc_per_run,
        auprc,
        f1,
        realised_fpr,
        classes,
    }
}

fn pm((m, s): (f64, f64), runs: usize) -> String {
    if runs > 1 { format!("{m:.2} ± {s:.2}") } else { format!("{m:.2}") }
}

impl AnomalyReport {
    /// The results table (Markdown; also printed).
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "| detector | AUROC % | AUPRC % | F1 % at {:.0} % FPR | realised FPR % |",
            100.0 * self.fpr
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        for d in &self.detectors {
            let n = d.auroc_per_run.len();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {:.1} |",
                d.name,
                pm(d.auroc, n),
                pm(d.auprc, n),
                pm(d.f1, n),
                d.realised_fpr
            );
        }
        s
    }

    /// `report.md`: the table, AUROC per normal class, the per-run AUROC of each detector and
    /// the settings.
    pub fn markdown(&self) -> String {
        let calibration = if self.calibration == "crossfit" {
            "the threshold at a {fpr} false-positive rate is set on out-of-fold scores of the same rows \
             (5-fold cross-fitting)"
                .to_string()
        } else {
            format!(
                "less a fraction {} held out to set the threshold at a {{fpr}} false-positive rate",
                self.calibration
            )
        }
        .replace("{fpr}", &format!("{:.0} %", 100.0 * self.fpr));
        let rows = if self.validate {
            "rows of 4 validation folds of the training rows are scored (the test rows are not read) and the other \
             classes' rows are the anomalies"
        } else {
            "every test row is scored and the other classes' test rows are the anomalies"
        };
        let mut s = format!(
            "# probe anomaly: {}\n\nOne-vs-rest: for each normal class, every detector is fitted on that class's \
             training rows only; {calibration}; {rows}. Mean over classes; ± is the sample std over runs \
             (seeds, and folds with --validate).\n\n",
            self.file,
        );
        for n in &self.notes {
            let _ = writeln!(s, "- {n}");
        }
        if !self.notes.is_empty() {
            s.push('\n');
        }
        s.push_str(&self.table());
        s.push_str(
            "\n## Thresholds per normal class\n\nExpected FPR: how often a new normal row exceeds the \
             threshold, (⌊α n⌋ + 1)/(n + 1) for n calibration scores (exchangeable scores; at least 1/(n + 1)).\n\n\
             | normal class | fitted on | calibration scores | expected FPR % | test normals | test anomalies |\n\
             |---|---|---|---|---|---|\n",
        );
        for t in &self.tasks {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.1} | {} | {} |",
                t.class,
                t.fit_rows,
                t.calibration_rows,
                100.0 * t.expected_fpr,
                t.test_normal,
                t.test_anomalies
            );
        }
        s.push_str("\n## AUROC % per normal class (mean over runs)\n\n| detector |");
        for t in &self.tasks {
            let _ = write!(s, " {} |", t.class);
        }
        s.push_str("\n|---|");
        s.push_str(&"---|".repeat(self.tasks.len()));
        s.push('\n');
        for d in &self.detectors {
            let _ = write!(s, "| {} |", d.name);
            for c in &d.classes {
                let v: Vec<f64> = c.runs.iter().map(|r| r.auroc).collect();
                let _ = write!(s, " {:.2} |", mean_std(&v).0);
            }
            s.push('\n');
        }
        s.push_str("\n## Class-mean AUROC % of each run\n\n");
        for d in &self.detectors {
            let v: Vec<String> = d.auroc_per_run.iter().map(|a| format!("{a:.2}")).collect();
            let _ = writeln!(s, "- {}: {}", d.name, v.join(", "));
        }
        let _ = writeln!(
            s,
            "\n## Settings\n\n```json\n{}\n```",
            serde_json::to_string_pretty(&self.config).unwrap_or_default()
        );
        s
    }
}
