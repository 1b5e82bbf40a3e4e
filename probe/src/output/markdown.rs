//! The report for people: the aligned results table on the terminal and `report.md` (data,
//! configuration, chosen defaults, results, training, timings).

use super::report::{Report, Timings, name_of};
use super::verdict::Outcome;
use crate::settings::{INIT_NAME, Precision};
use std::fmt::Write as _;

/// Outlier cells listed in `report.md`; `report.json` has them all.
const WARNINGS_SHOWN: usize = 20;

impl Report {
    /// The results table (plain text, aligned), one row per representation.
    pub fn table(&self) -> String {
        let rows = self.table_rows();
        let mut widths = vec![0usize; rows[0].len()];
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let mut out = String::new();
        for r in &rows {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        out
    }

    /// One line under the table saying what each column means.
    pub fn legend(&self) -> String {
        "columns: K embedding size; LR acc, LR F1: linear-probe test accuracy and macro-F1 (%); \
         kNN k=1, k=20: cosine nearest-neighbour accuracy (%), w: similarity-weighted vote; \
         R@5: queries with a same-class row among their 5 nearest (%); mAP: mean average precision (%); \
         align: distance between two augmented views (lower is better); unif: uniformity on the sphere \
         (lower is more spread); std: per-dimension std / healthy 1/√K; eff.rank: effective rank (at most K)"
            .to_string()
    }

    /// One note when some metric averages a seeded sample of the test rows rather than all of
    /// them (kNN queries, mAP queries, uniformity rows); `None` when every row counts.
    pub fn sampling_note(&self) -> Option<String> {
        let r = self.evaluation.iter().find(|r| r.sampled())?;
        let n = r.test_rows;
        let mut parts = Vec::new();
        if r.knn_queries < n {
            parts.push(format!("kNN accuracies and recalls over {} of the {n} test rows", r.knn_queries));
        }
        if r.map_queries < n {
            parts.push(format!("mAP over {} queries", r.map_queries));
        }
        if r.uniformity_rows < n {
            parts.push(format!("uniformity over the pairs of {} rows", r.uniformity_rows));
        }
        Some(format!(
            "note: sampled metrics, on seeded samples (the same rows for every representation): {} (knn_queries, map_queries and uniformity_rows in report.json)",
            parts.join(", ")
        ))
    }

    /// The verdict as the terminal's last line: the report's summary, or, for a linear `d → K`
    /// encoder with `K ≥ d` (which can at best match raw features), that reason first and then
    /// what the run shows instead: the effective rank of the learned map and how it compares
    /// with its random start. `None` without a verdict (`--no-label`).
    pub fn verdict_line(&self) -> Option<String> {
        let v = self.verdict.as_ref()?;
        let find = |name: &str| self.evaluation.iter().find(|r| r.name == name);
        let (Some(_), Some(pre)) = (&v.note, find("pretrained")) else {
            return Some(format!("verdict: {}", v.summary));
        };
        let margins: Vec<String> = v
            .margins
            .iter()
            .map(|m| {
                let name = if m.metric == "knn_k20_weighted" { "weighted kNN-20" } else { "linear probe" };
                let best = if m.best_baseline == "pca" { m.pca } else { m.raw };
                let spread = if v.seeds > 1 { format!(" ± {:.2}", m.pretrained_std) } else { String::new() };
                format!(
                    "{name} {:.2}{spread} vs {} {best:.2} ({:+.2})",
                    m.pretrained, m.best_baseline, m.margin
                )
            })
            .collect();
        let (d, k) = (self.input.features, pre.dim);
        let standing = match v.outcome {
            Outcome::OnPar => "on par with the baselines, as it must be",
            Outcome::DoesNotHelp => "below the baselines",
            Outcome::Mixed => "above the baselines on one measure",
            Outcome::Helps => "above the baselines",
        };
        let rank = pre.mean.effective_rank;
        let full = k.min(d) as f64;
        let map = if rank >= 0.9 * full {
            format!("a non-degenerate map (effective rank {rank:.2} of {k})")
        } else {
            format!("a degenerate map (effective rank {rank:.2} of {k}: its embedding uses fewer directions)")
        };
        let start = find("random").or_else(|| find("init")).map_or(String::new(), |r| {
            let (p, q) = (&pre.mean, &r.mean);
            let lr = p.linear_probe_accuracy - q.linear_probe_accuracy;
            let knn = p.knn_k20_weighted - q.knn_k20_weighted;
            let how = if lr >= 0.0 && knn >= 0.0 && lr + knn > 0.0 {
                "that improves on"
            } else if lr == 0.0 && knn == 0.0 {
                "that matches"
            } else if lr <= 0.0 && knn <= 0.0 {
                "that falls below"
            } else {
                "that is mixed against"
            };
            format!(
                " {how} its {} start (linear probe {:.2} vs {:.2}, weighted kNN-20 {:.2} vs {:.2})",
                r.name,
                p.linear_probe_accuracy,
                q.linear_probe_accuracy,
                p.knn_k20_weighted,
                q.knn_k20_weighted
            )
        });
        Some(format!(
            "verdict: {standing}: a linear {d} → {k} encoder can at best match raw features (an injective linear map keeps what a linear probe separates): {}. What this run shows instead: {} pretraining learned {map}{start}.",
            margins.join(", "),
            self.config.settings.method.name()
        ))
    }

    fn table_rows(&self) -> Vec<Vec<String>> {
        let mut rows = vec![
            [
                "representation",
                "K",
                "LR acc",
                "LR F1",
                "kNN k=1",
                "kNN k=20",
                "kNN k=20 w",
                "R@5",
                "mAP",
                "align",
                "unif",
                "std",
                "eff.rank",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in &self.evaluation {
            let many = r.runs.len() > 1;
            let f = |m: f64, s: f64, p: usize| {
                if many { format!("{m:.p$}±{s:.p$}") } else { format!("{m:.p$}") }
            };
            let (m, s) = (&r.mean, &r.std);
            rows.push(vec![
                r.name.clone(),
                r.dim.to_string(),
                f(m.linear_probe_accuracy, s.linear_probe_accuracy, 2),
                f(m.linear_probe_macro_f1, s.linear_probe_macro_f1, 2),
                f(m.knn_k1, s.knn_k1, 2),
                f(m.knn_k20, s.knn_k20, 2),
                f(m.knn_k20_weighted, s.knn_k20_weighted, 2),
                f(m.recall_at_5, s.recall_at_5, 2),
                f(m.map, s.map, 2),
                f(m.alignment, s.alignment, 3),
                f(m.uniformity, s.uniformity, 3),
                format!("{:.3}/{:.3}", m.std_mean, m.std_reference),
                f(m.effective_rank, s.effective_rank, 2),
            ]);
        }
        rows
    }

    /// `report.md`.
    pub fn to_markdown(&self, timings: &Timings) -> String {
        let (i, c) = (&self.input, &self.config);
        let mut s = String::new();
        let _ = writeln!(s, "# probe report: `{}`\n", i.file);
        if let Some(v) = &self.verdict {
            let _ = writeln!(s, "**Verdict:** {}\n", v.summary);
        }
        let _ = writeln!(
            s,
            "probe {}, selfsup-core {}. Schema `{}`; every number is in `report.json`.\n",
            self.versions.probe, self.versions.selfsup_core, self.schema
        );
        let _ = writeln!(s, "## Data\n");
        let kind = match (i.channels, i.length) {
            (Some(ch), Some(l)) => format!(
                "series, {ch} channels × {l} steps (from the {})",
                i.series_detected_by.as_deref().unwrap_or("")
            ),
            _ => match (i.image, &i.image_detected_by) {
                (Some([h, w]), Some(by)) => format!("image, {h} × {w} pixels (from the {by})"),
                _ => i.kind.clone(),
            },
        };
        let _ = writeln!(s, "- {} rows × {} features, {kind}", i.rows, i.features);
        if let Some(l) = &i.label_column {
            let _ =
                writeln!(s, "- label column `{l}`, {} classes: {}", i.classes.len(), i.classes.join(", "));
        } else {
            let _ = writeln!(s, "- no labels (`--no-label`): pretraining only");
        }
        let split = match (i.test_frac, i.split.as_str()) {
            (Some(f), _) => format!("stratified, seeded, test fraction {f}"),
            (None, "column") => "the file's `split` column".to_string(),
            (None, other) => other.to_string(),
        };
        let _ = writeln!(
            s,
            "- split: {split}: {} train {:?}, {} test {:?}",
            i.train_rows, i.train_class_counts, i.test_rows, i.test_class_counts
        );
        if !i.zero_variance_columns.is_empty() {
            let _ = writeln!(
                s,
                "- zero variance in train (centred, not scaled): {}",
                i.zero_variance_columns.join(", ")
            );
        }
        for n in &i.notes {
            let _ = writeln!(s, "- {n}");
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(s, "\n## Warnings\n");
            for w in self.warnings.iter().take(WARNINGS_SHOWN) {
                let _ = writeln!(
                    s,
                    "- line {}, column {} (`{}`, {}): {:e} is {:.1e} robust standard deviations from the training median: {}",
                    w.line, w.column, w.column_name, w.split, w.value, w.robust_stds, w.action
                );
            }
            if self.warnings.len() > WARNINGS_SHOWN {
                let _ =
                    writeln!(s, "- and {} more (all in `report.json`)", self.warnings.len() - WARNINGS_SHOWN);
            }
        }
        let _ = writeln!(s, "\n## Configuration\n");
        let st = &c.settings;
        let init = match &st.init {
            Some(i) => format!("--init {}", i.describe()),
            None => INIT_NAME.to_string(),
        };
        let _ = writeln!(
            s,
            "`--method {} --encoder {} --hidden {}{} --head {} --dim {} --epochs {} --batch {} --lr {} --tau {} --optimizer {} --weight-decay {} --aug {} --seed {} --repeats {}` ({}, init {init}, the encoders see the {})\n",
            st.method.name(),
            name_of(&st.model.encoder),
            st.model.hidden,
            if st.model.represent == crate::network::Represent::Hidden { " --represent hidden" } else { "" },
            name_of(&st.model.head),
            st.dim,
            st.epochs,
            st.batch,
            st.lr,
            st.tau,
            name_of(&st.optimizer),
            st.weight_decay,
            st.aug,
            st.seed,
            st.repeats,
            if st.precision == Precision::F64 { "f64" } else { "f32" },
            c.encoder_input.describe()
        );
        if !st.chosen.is_empty() {
            let _ = writeln!(s, "Chosen from the data:\n");
            for ch in &st.chosen {
                let _ = writeln!(s, "- `{}` = `{}`: {}", ch.option, ch.value, ch.reason);
            }
            let _ = writeln!(s);
        }
        if let Some(search) = &self.search {
            s.push_str(&super::search::markdown(search));
        }
        if !self.evaluation.is_empty() {
            let _ = writeln!(s, "## Results (test set, %)\n");
            let rows = self.table_rows();
            let _ = writeln!(s, "| {} |", rows[0].join(" | "));
            let _ = writeln!(s, "|{}", "---|".repeat(rows[0].len()));
            for r in &rows[1..] {
                let _ = writeln!(s, "| {} |", r.join(" | "));
            }
            let _ = writeln!(
                s,
                "\nLR: multinomial logistic regression (L2, C = {}, L-BFGS to convergence; encoder embeddings standardized \
                 with train statistics first). kNN: cosine, test vs train; \
                 w = weighted vote exp(s/{}). R@5: recall@5. align/unif: Wang & Isola 2020 (α = 2, t = 2). \
                 std: mean per-dimension std of the normalized embedding / healthy 1/√K. raw and pca do not depend on \
                 the pretraining seed.\n",
                c.probe_c, c.knn_temperature
            );
            if let Some(n) = self.sampling_note() {
                let _ = writeln!(s, "{}\n", n.trim_start_matches("note: "));
            }
        }
        let _ = writeln!(s, "## Training\n");
        for t in &self.training {
            let first = t.loss_per_epoch.first().copied().unwrap_or(f64::NAN);
            let _ = writeln!(
                s,
                "- seed {}: loss {first:.4} → {:.4} over {} epochs",
                t.seed,
                t.final_loss,
                t.loss_per_epoch.len()
            );
            if t.collapse.flagged {
                let v = t.collapse.verdict.as_deref().unwrap_or("");
                let _ = writeln!(s, "  - **collapse guard: FLAGGED** ({v}; see probe::train::collapse)");
            }
        }
        let _ = writeln!(s, "\n![training loss](loss.svg)\n");
        if !self.evaluation.is_empty() {
            let _ = writeln!(s, "![test embeddings](embedding.svg)\n");
        }
        let _ = writeln!(
            s,
            "## Timings\n\nload {:.2} s, pretrain {:.2} s, evaluate {:.2} s",
            timings.load.as_secs_f64(),
            timings.pretrain.as_secs_f64(),
            timings.evaluate.as_secs_f64()
        );
        s
    }
}
