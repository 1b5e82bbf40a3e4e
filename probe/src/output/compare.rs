//! The comparison report of `probe compare`: `compare.json` (every number per seed, no timings,
//! so byte-identical for the same inputs) and the table of `compare.md` and the terminal. Each
//! entry is a representation report of `report.json` (the same metrics type, per seed) with what
//! a comparison adds: its kind, the final losses and the collapse guard of each seed.

use super::report::{Config, RepresentationReport, name_of};
use crate::settings::Method;
use crate::train::collapse::CollapseLog;
use serde::Serialize;
use std::fmt::Write as _;

/// Schema tag of `compare.json`.
pub const SCHEMA: &str = "probe-compare/2";

/// Whether an entry is a baseline or a trained method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Raw features, PCA or the random encoder.
    Baseline,
    /// A self-supervised method.
    Method,
}

/// One line of the comparison: a baseline or a method.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// Name, size and per-seed metrics (as in `report.json`'s `evaluation[]`).
    #[serde(flatten)]
    pub scores: RepresentationReport,
    /// Baseline or method.
    pub kind: EntryKind,
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
    /// [`SCHEMA`].
    pub schema: String,
    /// The CSV as given.
    pub file: String,
    /// Training rows, test rows, features, classes.
    pub shape: [usize; 4],
    /// The methods compared, in order.
    pub methods: Vec<Method>,
    /// The settings every method shares, as in `report.json` (`method` is the first compared
    /// method; each method entry trains with these settings and its own method).
    pub config: Config,
    /// Baselines, then methods.
    pub entries: Vec<Entry>,
}

/// The comparison table (Markdown, also readable on the terminal).
pub fn table(r: &CompareReport) -> String {
    let mut s = String::from(
        "| representation | K | LR acc | LR F1 | kNN k=1 | kNN k=20 w | align | unif | std·√K | eff.rank | final loss | collapse |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for e in &r.entries {
        let (m, sd) = (&e.scores.mean, &e.scores.std);
        let many = e.scores.runs.len() > 1;
        let root_k = (e.scores.dim as f64).sqrt();
        let f = |m: f64, sd: f64, p: usize| {
            if many { format!("{m:.p$} ± {sd:.p$}") } else { format!("{m:.p$}") }
        };
        let loss = if e.final_loss.is_empty() {
            "–".to_string()
        } else {
            format!("{:.4}", e.final_loss.iter().sum::<f64>() / e.final_loss.len() as f64)
        };
        let collapse = if e.kind == EntryKind::Baseline {
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
            e.scores.name,
            e.scores.dim,
            f(m.linear_probe_accuracy, sd.linear_probe_accuracy, 2),
            f(m.linear_probe_macro_f1, sd.linear_probe_macro_f1, 2),
            f(m.knn_k1, sd.knn_k1, 2),
            f(m.knn_k20_weighted, sd.knn_k20_weighted, 2),
            f(m.alignment, sd.alignment, 3),
            f(m.uniformity, sd.uniformity, 3),
            f(m.std_mean * root_k, sd.std_mean * root_k, 2),
            f(m.effective_rank, sd.effective_rank, 2),
            loss,
            collapse
        );
    }
    s
}

/// `compare.md`: the settings, the chosen defaults, `table` and the timings (`total`, `train` in s).
pub fn markdown(r: &CompareReport, table: &str, total: f64, train: f64) -> String {
    let c = &r.config.settings;
    let mut s = String::new();
    let _ = writeln!(s, "# probe compare: `{}`\n", r.file);
    let _ = writeln!(
        s,
        "{} train / {} test rows, {} features, {} classes. Every method: K = {}, {} epochs, batch {}, {} lr {}, weight decay {}, aug `{}`, seeds {:?}, {}; encoder `{}` (hidden {}), head `{}`.\n",
        r.shape[0],
        r.shape[1],
        r.shape[2],
        r.shape[3],
        c.dim,
        c.epochs,
        c.batch,
        name_of(&c.optimizer),
        c.lr,
        c.weight_decay,
        c.aug,
        c.seeds,
        if c.precision == crate::settings::Precision::F64 { "f64" } else { "f32" },
        name_of(&c.model.encoder),
        c.model.hidden,
        name_of(&c.model.head)
    );
    let _ = writeln!(
        s,
        "Method settings: NT-Xent/InfoNCE τ = {}; Barlow Twins λ = {:.4}; VICReg 25/25/1; BYOL τ_base = {}; BYOL/SimSiam predictor K → {} → K.\n",
        c.tau, c.model.barlow_lambda, c.model.tau_base, c.model.predictor_hidden
    );
    for ch in &c.chosen {
        let _ = writeln!(s, "- `{}` = `{}`: {}", ch.option, ch.value, ch.reason);
    }
    let _ = writeln!(s, "\n## Results (test set, %, mean ± std over seeds)\n\n{table}");
    let _ = writeln!(
        s,
        "LR: multinomial logistic regression on the standardized embedding (raw and PCA as BASELINES.md). kNN: cosine, weighted k = 20 (exp(s/0.07)). align/unif: Wang & Isola 2020. std·√K: mean per-dimension std of the normalized embedding times √K (≈ 1 healthy, 0 collapsed). collapse: the guard's verdict on the last epoch (see probe::train::collapse). random: the untrained encoder every method starts from.\n"
    );
    let _ = writeln!(s, "![alignment and uniformity](alignment_uniformity.svg)\n");
    let _ = writeln!(s, "Total {total:.1} s, of which training {train:.1} s.");
    s
}
