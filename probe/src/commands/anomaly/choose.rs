//! `--knn auto`: the `k` of the encoders' kNN score, chosen per data set on the training rows.
//!
//! Every candidate `k ∈ {1, 3, 5, 10}` ([`CANDIDATES`]) is scored by the same fitted encoders,
//! so the choice costs no training. For normal class `c`, each detector that gives the
//! threshold's calibration scores (the 5 cross-fitting folds, or the held-out fraction) also
//! scores the pool's training rows of the other classes; its validation AUROC is that of its
//! held-out normal rows (anomaly: no) against those rows (anomaly: yes). The mean over classes,
//! folds, fold splits (`--validate`) and seeds is the candidate's validation AUROC; each
//! detector family (trained or random encoder, Euclidean or cosine) takes the `k` with the
//! highest, ties to [`DEFAULT_K`]. The evaluation rows (test rows, or the held-out fold with
//! `--validate`) are never read. Without other classes (one class, or `--no-label`) `k` is
//! [`DEFAULT_K`].
//!
//! The anomalies of this choice are real rows of the other classes, as in the `--validate`
//! protocol that chose every other default (DECISIONS.md): synthetic anomalies made from the
//! normal rows (features resampled from other normal rows) preferred `k = 1` on every data set,
//! also where the other classes favour `k = 10` (iris), so they cannot choose `k`.

use crate::cli::{AnomalyArgs, Neighbours};
use crate::eval::anomaly::detector::Metric;
use crate::eval::anomaly::metrics::auroc;
use std::collections::BTreeMap;

/// One family of encoder detectors: the trained or the random encoder under one metric; its
/// detectors are `{name}{k}`, one per candidate `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Family {
    /// The trained encoder (`ssl_…`), or its random initialization (`random_…`).
    pub trained: bool,
    /// The distance of the kNN score.
    pub metric: Metric,
}

impl Family {
    /// `ssl_euc`, `random_cos`, …: the detectors' names without their `k`.
    pub fn name(self) -> String {
        format!("{}_{}", if self.trained { "ssl" } else { "random" }, self.metric.short())
    }

    /// The detector of this family with `k` neighbours.
    pub fn detector(self, k: usize) -> String {
        format!("{}{k}", self.name())
    }

    /// Whether detector `name` is of this family (`{name}{k}`).
    pub fn holds(self, name: &str) -> bool {
        name.strip_prefix(self.name().as_str())
            .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
    }
}

/// The encoders' detector families, in report order: trained, then random, each with
/// `--score` first, then the other metric.
pub fn families(args: &AnomalyArgs) -> Vec<Family> {
    [true, false]
        .into_iter()
        .flat_map(|trained| metrics(args.score).map(|metric| Family { trained, metric }))
        .collect()
}

/// The two metrics, `first` first.
pub fn metrics(first: Metric) -> [Metric; 2] {
    match first {
        Metric::Cosine => [Metric::Cosine, Metric::Euclidean],
        Metric::Euclidean => [Metric::Euclidean, Metric::Cosine],
    }
}

/// The values of `k` that `--knn auto` chooses from.
pub const CANDIDATES: [usize; 4] = [1, 3, 5, 10];

/// `k` without other classes to choose on, and the winner of ties.
pub const DEFAULT_K: usize = 5;

/// The values of `k` to score: the candidates, or the one given.
pub fn ks(knn: Neighbours) -> Vec<usize> {
    match knn {
        Neighbours::Auto => CANDIDATES.to_vec(),
        Neighbours::Fixed(k) => vec![k],
    }
}

/// Validation AUROC of one detector: `normal` scores of held-out normal rows against `others`
/// (rows of other classes), in %; `None` without both.
pub fn validation_auroc(normal: &[f64], others: &[f64]) -> Option<f64> {
    let mut s = normal.to_vec();
    s.extend_from_slice(others);
    let mut anomaly = vec![false; normal.len()];
    anomaly.resize(s.len(), true);
    auroc(&s, &anomaly).map(|a| 100.0 * a)
}

/// Validation AUROCs by detector name (`ssl_euc3`, …), accumulated over tasks and runs.
#[derive(Default, Debug)]
pub struct Validation {
    sums: BTreeMap<String, (f64, usize)>,
}

impl Validation {
    /// Adds one run's validation AUROC of detector `name`.
    pub fn add(&mut self, name: &str, auroc: f64) {
        let e = self.sums.entry(name.to_string()).or_default();
        e.0 += auroc;
        e.1 += 1;
    }

    /// The mean validation AUROC of `name`, if any run gave one.
    pub fn mean(&self, name: &str) -> Option<f64> {
        self.sums.get(name).filter(|(_, n)| *n > 0).map(|(s, n)| s / *n as f64)
    }

    /// The `k` of the family `prefix` (e.g. `ssl_euc`; detectors `prefix{k}`) under `knn`, and
    /// the reason (every candidate's mean validation AUROC).
    pub fn choose(&self, prefix: &str, knn: Neighbours) -> (usize, String) {
        if let Neighbours::Fixed(k) = knn {
            return (k, format!("--knn {k} given"));
        }
        let means: Vec<(usize, f64)> =
            CANDIDATES.iter().filter_map(|&k| self.mean(&format!("{prefix}{k}")).map(|m| (k, m))).collect();
        if means.len() < CANDIDATES.len() {
            return (DEFAULT_K, format!("no other classes to validate on: the default {DEFAULT_K}"));
        }
        let mut best = (DEFAULT_K, self.mean(&format!("{prefix}{DEFAULT_K}")).unwrap_or(f64::NAN));
        for &(k, m) in &means {
            if m > best.1 {
                best = (k, m);
            }
        }
        let list: Vec<String> = means.iter().map(|(k, m)| format!("k {k}: {m:.2}")).collect();
        let why = format!(
            "highest validation AUROC of held-out normal training rows against the other classes' training \
             rows ({}; test rows never read)",
            list.join(", ")
        );
        (best.0, why)
    }
}

/// One family's chosen detector.
#[derive(Clone, Debug)]
pub struct Pick {
    /// The family.
    pub family: Family,
    /// Its `k`.
    pub k: usize,
    /// Why this `k` ([`Validation::choose`]).
    pub why: String,
}

impl Pick {
    /// The `k` of `family` under `knn`, by `validation`.
    pub fn new(family: Family, validation: &Validation, knn: Neighbours) -> Self {
        let (k, why) = validation.choose(&family.name(), knn);
        Self { family, k, why }
    }

    /// The chosen detector's name.
    pub fn detector(&self) -> String {
        self.family.detector(self.k)
    }
}

/// Whether detector `name` is in the report: a baseline (of no family), or its family's chosen `k`.
pub fn reported(name: &str, picks: &[Pick]) -> bool {
    match picks.iter().find(|p| p.family.holds(name)) {
        Some(p) => p.detector() == name,
        None => true,
    }
}

/// Whether the ROC plot draws detector `name`: a reported baseline, or the chosen detector of a
/// family (trained or random encoder) under `score`, the `--score` metric.
pub fn drawn(name: &str, picks: &[Pick], score: Metric) -> bool {
    reported(name, picks) && picks.iter().all(|p| !p.family.holds(name) || p.family.metric == score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_and_the_plot_select_detectors_by_family_not_by_position() {
        let euc = Metric::Euclidean;
        let cos = Metric::Cosine;
        // Any order of the families: the selection must not depend on it.
        let mut picks = vec![
            Pick { family: Family { trained: false, metric: cos }, k: 10, why: String::new() },
            Pick { family: Family { trained: true, metric: cos }, k: 1, why: String::new() },
            Pick { family: Family { trained: false, metric: euc }, k: 5, why: String::new() },
            Pick { family: Family { trained: true, metric: euc }, k: 3, why: String::new() },
        ];
        for _ in 0..picks.len() {
            picks.rotate_left(1);
            let shown: Vec<&str> =
                ["ssl_euc3", "ssl_euc5", "ssl_cos1", "random_euc5", "random_cos10", "iforest"]
                    .into_iter()
                    .filter(|n| reported(n, &picks))
                    .collect();
            assert_eq!(shown, ["ssl_euc3", "ssl_cos1", "random_euc5", "random_cos10", "iforest"]);
            let drawn_euc: Vec<&str> = shown.iter().copied().filter(|n| drawn(n, &picks, euc)).collect();
            assert_eq!(drawn_euc, ["ssl_euc3", "random_euc5", "iforest"]);
            let drawn_cos: Vec<&str> = shown.iter().copied().filter(|n| drawn(n, &picks, cos)).collect();
            assert_eq!(drawn_cos, ["ssl_cos1", "random_cos10", "iforest"]);
        }
        assert!(!Family { trained: true, metric: euc }.holds("ssl_eucx"));
        assert!(!Family { trained: true, metric: euc }.holds("ssl_euc"));
    }

    #[test]
    fn chooses_the_best_k_and_ties_go_to_the_default() {
        let mut v = Validation::default();
        for (k, a) in [(1, 97.0), (3, 98.5), (5, 98.0), (10, 96.0)] {
            v.add(&format!("ssl_euc{k}"), a);
            v.add(&format!("ssl_euc{k}"), a + 1.0);
            v.add(&format!("ssl_cos{k}"), 90.0);
        }
        let (k, why) = v.choose("ssl_euc", Neighbours::Auto);
        assert_eq!(k, 3, "{why}");
        assert!(why.contains("k 3: 99.00") && why.contains("k 10: 96.50"), "{why}");
        assert_eq!(v.choose("ssl_cos", Neighbours::Auto).0, DEFAULT_K, "a tie keeps the default");
        assert_eq!(v.choose("ssl_euc", Neighbours::Fixed(7)).0, 7);
        assert_eq!(v.choose("random_euc", Neighbours::Auto).0, DEFAULT_K, "nothing to validate on");
    }

    #[test]
    fn validation_auroc_ranks_the_other_classes_above_the_normal_rows() {
        assert_eq!(validation_auroc(&[0.1, 0.2], &[0.3, 0.15]), Some(75.0));
        assert_eq!(validation_auroc(&[0.1], &[]), None);
    }
}
