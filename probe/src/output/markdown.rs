//! The report for people: the aligned results table on the terminal and `report.md` (data,
//! configuration, chosen defaults, results, training, timings).

use super::report::{Report, Timings, name_of};
use crate::settings::{INIT_NAME, Precision};
use std::fmt::Write as _;

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
            _ => i.kind.clone(),
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
        let _ = writeln!(s, "\n## Configuration\n");
        let st = &c.settings;
        let init = match &st.init {
            Some(i) => format!("--init {}", i.describe()),
            None => INIT_NAME.to_string(),
        };
        let _ = writeln!(
            s,
            "`--method {} --encoder {} --hidden {} --head {} --dim {} --epochs {} --batch {} --lr {} --tau {} --optimizer {} --weight-decay {} --aug {} --seed {} --repeats {}` ({}, init {init}, the encoders see the {})\n",
            st.method.name(),
            name_of(&st.model.encoder),
            st.model.hidden,
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
