//! The comparison report of `probe compare`: `compare.json` (every number per seed, no timings,
//! so byte-identical for the same inputs) and the table of `compare.md` and the terminal.

use crate::eval::Scores;
use crate::settings::ModelOptions;
use crate::train::collapse::CollapseLog;
use serde::Serialize;
use std::fmt::Write as _;

/// The metrics compared, for one representation and one seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Row {
    /// Linear-probe test accuracy (%).
    pub linear_probe_accuracy: f64,
    /// Linear-probe macro-F1 (%).
    pub linear_probe_macro_f1: f64,
    /// kNN k = 1 accuracy (%).
    pub knn_k1: f64,
    /// kNN k = 20 weighted accuracy (%).
    pub knn_k20_weighted: f64,
    /// Alignment (α = 2).
    pub alignment: f64,
    /// Uniformity (t = 2).
    pub uniformity: f64,
    /// Mean normalized std times `√K`.
    pub std_ratio: f64,
    /// Effective rank.
    pub effective_rank: f64,
}

impl Row {
    /// The compared metrics of scores `s` of a `k`-dimensional representation.
    pub fn of(s: &Scores, k: usize) -> Self {
        Self {
            linear_probe_accuracy: s.probe.accuracy,
            linear_probe_macro_f1: s.probe.macro_f1,
            knn_k1: s.knn.k1,
            knn_k20_weighted: s.knn.k20_weighted,
            alignment: s.diagnostics.alignment,
            uniformity: s.diagnostics.uniformity,
            std_ratio: s.diagnostics.std_mean * (k as f64).sqrt(),
            effective_rank: s.diagnostics.effective_rank,
        }
    }

    fn fields(&self) -> [f64; 8] {
        [
            self.linear_probe_accuracy,
            self.linear_probe_macro_f1,
            self.knn_k1,
            self.knn_k20_weighted,
            self.alignment,
            self.uniformity,
            self.std_ratio,
            self.effective_rank,
        ]
    }

    fn from_fields(f: [f64; 8]) -> Self {
        Self {
            linear_probe_accuracy: f[0],
            linear_probe_macro_f1: f[1],
            knn_k1: f[2],
            knn_k20_weighted: f[3],
            alignment: f[4],
            uniformity: f[5],
            std_ratio: f[6],
            effective_rank: f[7],
        }
    }

    /// Mean and sample std (n − 1; 0 for one run).
    pub fn mean_std(rows: &[Row]) -> (Row, Row) {
        let n = rows.len().max(1) as f64;
        let mut mean = [0.0; 8];
        for r in rows {
            mean.iter_mut().zip(r.fields()).for_each(|(m, v)| *m += v / n);
        }
        let mut var = [0.0; 8];
        if rows.len() > 1 {
            for r in rows {
                var.iter_mut()
                    .zip(r.fields())
                    .zip(mean)
                    .for_each(|((s, v), m)| *s += (v - m) * (v - m) / (n - 1.0));
            }
        }
        (Self::from_fields(mean), Self::from_fields(var.map(f64::sqrt)))
    }
}

/// One line of the comparison: a baseline or a method.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// `raw`, `pca`, `random` or the method name.
    pub name: String,
    /// `baseline` or `method`.
    pub kind: String,
    /// Embedding size.
    pub dim: usize,
    /// Seeds, in order.
    pub seeds: Vec<u64>,
    /// Per-seed metrics.
    pub runs: Vec<Row>,
    /// Mean over seeds.
    pub mean: Row,
    /// Sample std over seeds.
    pub std: Row,
    /// Final training loss per seed (methods only).
    pub final_loss: Vec<f64>,
    /// The collapse guard per seed (methods only).
    pub collapse: Vec<CollapseLog>,
    /// Whether any seed's run was flagged as collapsed.
    pub collapsed: bool,
}

/// `compare.json`.
#[derive(Clone, Debug, Serialize)]
pub struct CompareReport {
    /// `probe-compare/1`.
    pub schema: String,
    /// The CSV as given.
    pub file: String,
    /// Training rows, test rows, features, classes.
    pub shape: [usize; 4],
    /// The shared configuration (`method` is the first compared method's).
    pub config: SharedConfig,
    /// Baselines, then methods.
    pub entries: Vec<Entry>,
}

/// What every method shares.
#[derive(Clone, Debug, Serialize)]
pub struct SharedConfig {
    /// Representation size.
    pub dim: usize,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// Optimizer.
    pub optimizer: String,
    /// Weight decay.
    pub weight_decay: f64,
    /// NT-Xent / InfoNCE temperature.
    pub tau: f64,
    /// Augmentation spec.
    pub aug: String,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Precision.
    pub precision: String,
    /// Architecture and method settings.
    pub model: ModelOptions,
    /// Options chosen from the data, with the reason.
    pub chosen: Vec<(String, String, String)>,
}

/// The comparison table (Markdown, also readable on the terminal).
pub fn table(r: &CompareReport) -> String {
    let mut s = String::from(
        "| representation | K | LR acc | LR F1 | kNN k=1 | kNN k=20 w | align | unif | std·√K | eff.rank | final loss | collapse |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for e in &r.entries {
        let many = e.runs.len() > 1;
        let f = |m: f64, sd: f64, p: usize| {
            if many { format!("{m:.p$} ± {sd:.p$}") } else { format!("{m:.p$}") }
        };
        let (m, sd) = (&e.mean, &e.std);
        let loss = if e.final_loss.is_empty() {
            "–".to_string()
        } else {
            format!("{:.4}", e.final_loss.iter().sum::<f64>() / e.final_loss.len() as f64)
        };
        let collapse = if e.kind == "baseline" {
            "–".to_string()
        } else if e.collapsed {
            let flagged = e.collapse.iter().filter(|c| c.flagged).count();
            let v = e.collapse.iter().find_map(|c| c.verdict.clone()).unwrap_or_default();
            format!("**FLAGGED** ({flagged}/{}: {v})", e.collapse.len())
        } else {
            "ok".into()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            e.name,
            e.dim,
            f(m.linear_probe_accuracy, sd.linear_probe_accuracy, 2),
            f(m.linear_probe_macro_f1, sd.linear_probe_macro_f1, 2),
            f(m.knn_k1, sd.knn_k1, 2),
            f(m.knn_k20_weighted, sd.knn_k20_weighted, 2),
            f(m.alignment, sd.alignment, 3),
            f(m.uniformity, sd.uniformity, 3),
            f(m.std_ratio, sd.std_ratio, 2),
            f(m.effective_rank, sd.effective_rank, 2),
            loss,
            collapse
        );
    }
    s
}

/// `compare.md`: the settings, the chosen defaults, `table` and the timings (`total`, `train` in s).
pub fn markdown(r: &CompareReport, table: &str, total: f64, train: f64) -> String {
    let c = &r.config;
    let mut s = String::new();
    let _ = writeln!(s, "# probe compare: `{}`\n", r.file);
    let _ = writeln!(
        s,
        "{} train / {} test rows, {} features, {} classes. Every method: K = {}, {} epochs, batch {}, {} lr {}, weight decay {}, aug `{}`, seeds {:?}, {}; encoder `{:?}` (hidden {}), head `{:?}`.\n",
        r.shape[0],
        r.shape[1],
        r.shape[2],
        r.shape[3],
        c.dim,
        c.epochs,
        c.batch,
        c.optimizer,
        c.lr,
        c.weight_decay,
        c.aug,
        c.seeds,
        c.precision,
        c.model.encoder,
        c.model.hidden,
        c.model.head
    );
    let _ = writeln!(
        s,
        "Method settings: NT-Xent/InfoNCE τ = {}; Barlow Twins λ = {:.4}; VICReg 25/25/1; BYOL τ_base = {}; BYOL/SimSiam predictor K → {} → K.\n",
        c.tau, c.model.barlow_lambda, c.model.tau_base, c.model.predictor_hidden
    );
    for (o, v, why) in &c.chosen {
        let _ = writeln!(s, "- `{o}` = `{v}`: {why}");
    }
    let _ = writeln!(s, "\n## Results (test set, %, mean ± std over seeds)\n\n{table}");
    let _ = writeln!(
        s,
        "LR: multinomial logistic regression on the standardized embedding (raw and PCA as BASELINES.md). kNN: cosine, weighted k = 20 (exp(s/0.07)). align/unif: Wang & Isola 2020. std·√K: mean per-dimension std of the normalized embedding times √K (≈ 1 healthy, 0 collapsed). collapse: the guard's verdict on the last epoch (see probe::collapse). random: the untrained encoder every method starts from.\n"
    );
    let _ = writeln!(s, "![alignment and uniformity](alignment_uniformity.svg)\n");
    let _ = writeln!(s, "Total {total:.1} s, of which training {train:.1} s.");
    s
}
