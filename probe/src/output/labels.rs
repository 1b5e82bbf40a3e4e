//! The report of `probe labels`: `report.json` (schema `probe-labels/1`), `report.md` and the
//! table printed on the terminal. The curve itself is drawn by [`super::labels_plot`].

use super::anomaly::mean_std;
use crate::settings::Settings;
use crate::train::finetune::{BATCH, FALLBACK, LR_GRID, Recipe, STEP_GRID, Selection, WEIGHT_DECAY};
use serde::Serialize;
use std::fmt::Write;

/// One fraction of one curve.
#[derive(Serialize, Clone, Debug)]
pub struct Point {
    /// Fraction of the training labels (%).
    pub fraction: f64,
    /// Test accuracy (%) of each run, in run order (seed, then draw).
    pub accuracy: Vec<f64>,
    /// Mean over runs (%).
    pub mean: f64,
    /// Sample standard deviation over runs (0 with one run).
    pub std: f64,
}

impl Point {
    /// The point of the runs' accuracies `accuracy` at `fraction`.
    pub fn of(fraction: f64, accuracy: Vec<f64>) -> Self {
        let (mean, std) = mean_std(&accuracy);
        Self { fraction, accuracy, mean, std }
    }
}

/// Accuracy against the label fraction for one representation and evaluation.
#[derive(Serialize, Clone, Debug)]
pub struct Curve {
    /// `raw`, `pca`, `random`, `pretrained` (frozen), or the start of a fine-tuning.
    pub representation: String,
    /// `linear`, `knn` or `finetune`.
    pub evaluation: String,
    /// One point per fraction, in increasing order.
    pub points: Vec<Point>,
}

impl Curve {
    /// The curve's name in the table and the plot's legend.
    pub fn label(&self) -> String {
        match self.evaluation.as_str() {
            "finetune" => format!("fine-tune from {}", self.representation),
            "knn" => format!("{} · kNN", self.representation),
            _ => format!("{} · linear", self.representation),
        }
    }
}

/// One labelled subset (a fraction, a seed and a draw): its size and the fine-tuning recipes
/// chosen for it.
#[derive(Serialize, Clone, Debug)]
pub struct SubsetRun {
    /// Fraction (%).
    pub fraction: f64,
    /// Pretraining seed.
    pub seed: u64,
    /// Draw of the subset (0-based; one draw at 100 %).
    pub draw: usize,
    /// Labelled rows.
    pub rows: usize,
    /// Fewest labelled rows of a class.
    pub min_class_rows: usize,
    /// Fine-tuning from the pretrained encoder.
    pub finetune_pretrained: Selection,
    /// Fine-tuning from the random encoder.
    pub finetune_random: Selection,
}

/// How fine-tuning is trained and tuned (constants of [`crate::train::finetune`]).
#[derive(Serialize, Clone, Debug)]
pub struct FineTuneProtocol {
    /// Optimizer.
    pub optimizer: &'static str,
    /// Largest batch.
    pub batch: usize,
    /// Weight decay.
    pub weight_decay: f64,
    /// Learning rates tried.
    pub lr_grid: Vec<f64>,
    /// Optimizer steps tried.
    pub step_grid: Vec<usize>,
    /// The recipe without a validation round.
    pub fallback: Recipe,
    /// How the recipe is chosen.
    pub selection: &'static str,
}

impl FineTuneProtocol {
    /// The protocol of [`crate::train::finetune`].
    pub fn current() -> Self {
        Self {
            optimizer: "adam",
            batch: BATCH,
            weight_decay: WEIGHT_DECAY,
            lr_grid: LR_GRID.to_vec(),
            step_grid: STEP_GRID.to_vec(),
            fallback: FALLBACK,
            selection: "mean accuracy over stratified validation folds of the labelled subset (k-fold below 200 rows; a round validates on the classes its training part has); \
                        the fallback when no round has such a row (one labelled row per class)",
        }
    }
}

/// The whole report.
#[derive(Serialize, Clone, Debug)]
pub struct LabelsReport {
    /// `"probe-labels/1"`.
    pub schema: &'static str,
    /// The CSV path as given.
    pub file: String,
    /// `series`, `tabular` or `points2d`.
    pub kind: String,
    /// Feature columns.
    pub features: usize,
    /// Classes.
    pub classes: usize,
    /// Training rows (all used, without labels, by pretraining and PCA).
    pub train_rows: usize,
    /// Test rows (every score is on all of them).
    pub test_rows: usize,
    /// Label fractions (%), increasing.
    pub fractions: Vec<f64>,
    /// Subsets drawn per seed and fraction below 100 %.
    pub draws: usize,
    /// The pretraining settings, as `probe` records them.
    pub config: Settings,
    /// Fine-tuning's training and selection.
    pub finetune: FineTuneProtocol,
    /// The curves: raw, PCA, random and pretrained by linear probe and by kNN, then the two
    /// fine-tunings.
    pub curves: Vec<Curve>,
    /// Every subset, with the fine-tuning recipes chosen for it.
    pub subsets: Vec<SubsetRun>,
}

fn pm(p: &Point) -> String {
    if p.accuracy.len() > 1 { format!("{:.1} ± {:.1}", p.mean, p.std) } else { format!("{:.1}", p.mean) }
}

impl LabelsReport {
    /// Labelled rows at each fraction: the smallest and largest subset.
    fn sizes(&self) -> Vec<(usize, usize)> {
        self.fractions
            .iter()
            .map(|&f| {
                let r = self.subsets.iter().filter(|s| s.fraction == f).map(|s| s.rows);
                (r.clone().min().unwrap_or(0), r.max().unwrap_or(0))
            })
            .collect()
    }

    /// The table (Markdown; also printed): test accuracy % per curve and fraction, mean ± std
    /// over runs.
    pub fn table(&self) -> String {
        let mut s = String::from("| test accuracy % |");
        for (f, (lo, hi)) in self.fractions.iter().zip(self.sizes()) {
            let rows = if lo == hi { format!("{lo}") } else { format!("{lo}–{hi}") };
            let _ = write!(s, " {f} % ({rows} rows) |");
        }
        s.push_str("\n|---|");
        s.push_str(&"---|".repeat(self.fractions.len()));
        s.push('\n');
        for c in &self.curves {
            let _ = write!(s, "| {} |", c.label());
            for p in &c.points {
                let _ = write!(s, " {} |", pm(p));
            }
            s.push('\n');
        }
        s
    }

    /// `report.md`: the protocol, the table, the plot and the fine-tuning recipes chosen.
    pub fn markdown(&self) -> String {
        let runs = self.curves.first().and_then(|c| c.points.first()).map_or(0, |p| p.accuracy.len());
        let mut s = format!(
            "# probe labels: {}\n\n{} training rows ({} classes), {} test rows. For each of {} seeds the encoder is \
             pretrained once on every training row without labels; each fraction of the training labels is a \
             stratified subset (at least one row per class, {} draws per seed below 100 %, nested across \
             fractions). Linear probe (logistic regression, C = 1) and weighted 20-NN (cosine, exp(s/0.07)) are \
             fitted on the subset; fine-tuning trains encoder + linear classifier end to end with softmax \
             cross-entropy on it. Every accuracy is on all test rows; ± is the sample std over the {runs} runs \
             (seeds × draws) of the 1st fraction.\n\n",
            self.file,
            self.train_rows,
            self.classes,
            self.test_rows,
            self.config.seeds.len(),
            self.draws,
        );
        s.push_str(&self.table());
        s.push_str("\n![accuracy against label fraction](labels.svg)\n\n");
        let f = &self.finetune;
        let _ = writeln!(
            s,
            "## Fine-tuning\n\nAdam, batch ≤ {}, weight decay {}, no augmentation. Learning rate from {:?} and \
             optimizer steps from {:?} chosen by {}; fallback lr {} for {} steps.\n",
            f.batch, f.weight_decay, f.lr_grid, f.step_grid, f.selection, f.fallback.lr, f.fallback.steps
        );
        s.push_str(
            "| fraction % | seed | draw | rows | from pretrained: lr, steps (val %) | from random |\n",
        );
        s.push_str("|---|---|---|---|---|---|\n");
        let sel = |x: &Selection| match x.validation_accuracy {
            Some(v) => format!("{}, {} ({v:.1}, {} rounds)", x.recipe.lr, x.recipe.steps, x.rounds),
            None => format!("{}, {} (fallback)", x.recipe.lr, x.recipe.steps),
        };
        for r in &self.subsets {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                r.fraction,
                r.seed,
                r.draw,
                r.rows,
                sel(&r.finetune_pretrained),
                sel(&r.finetune_random)
            );
        }
        let _ = writeln!(
            s,
            "\n## Pretraining\n\n```json\n{}\n```",
            serde_json::to_string_pretty(&self.config).unwrap_or_default()
        );
        s
    }
}
