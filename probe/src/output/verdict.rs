//! The verdict: the report's first line, saying whether the pretrained encoder beats the two
//! baselines that cost nothing to train, raw (standardized) features and PCA to the same K,
//! on the test split, by how much, and with what spread over the pretraining seeds.
//!
//! For each of the two headline measures, the linear probe accuracy and the weighted kNN-20
//! accuracy, the margin is `mean(pretrained) − max(raw, pca)` in percentage points (raw and PCA
//! do not depend on the pretraining seed; the spread is the sample std of the pretrained runs).
//! A margin is *above* when it is positive, *on par* when it is within [`TIE`] points below,
//! *below* otherwise. The outcome:
//!
//! - `helps`: above on both measures;
//! - `mixed`: above on one, not on the other;
//! - `on-par`: above on neither, below on neither ("self-supervised pretraining does not help on
//!   this data": it is no better than the baselines, within [`TIE`] point);
//! - `does-not-help`: above on neither, below on at least one.
//!
//! With a linear `d → K` encoder and `K ≥ d` (the ring: `2 → 2`; iris: `4 → 4`) the verdict
//! adds why it cannot help: an injective linear map of the standardized features keeps what a
//! linear probe separates, so such a run can at best match raw features; what it shows is
//! whether the contrastive loss learned a non-degenerate map (compared with the random encoder).
//!
//! ```
//! use probe::output::verdict::{Outcome, Scored, judge};
//! let rep = |name, lr, knn| Scored { name, linear_probe: (lr, 0.0), knn: (knn, 0.0), runs: 1 };
//! let ev = [rep("raw", 90.0, 91.0), rep("pca", 89.0, 90.0), rep("random", 80.0, 80.0), rep("pretrained", 95.0, 96.0)];
//! let v = judge(&ev, None).unwrap();
//! assert_eq!(v.outcome, Outcome::Helps);
//! assert!(v.summary.starts_with("pretraining helps"));
//! ```

use serde::Serialize;

/// One representation's headline scores: (mean, sample std over runs) in %.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored<'a> {
    /// `raw`, `pca`, `random`, `init` or `pretrained`.
    pub name: &'a str,
    /// Linear probe accuracy.
    pub linear_probe: (f64, f64),
    /// Weighted kNN-20 accuracy.
    pub knn: (f64, f64),
    /// Number of runs (pretraining seeds).
    pub runs: usize,
}

/// Percentage points below the best baseline that still count as on par.
pub const TIE: f64 = 1.0;

/// What the comparison found.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Above the best baseline on both measures.
    Helps,
    /// Above on one measure only.
    Mixed,
    /// Within [`TIE`] point of the best baseline on both, above on neither.
    OnPar,
    /// Above on neither, more than [`TIE`] point below on at least one.
    DoesNotHelp,
}

/// One measure's comparison.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Margin {
    /// `linear_probe_accuracy` or `knn_k20_weighted`.
    pub metric: String,
    /// Mean over the pretraining seeds, %.
    pub pretrained: f64,
    /// Sample std over the pretraining seeds, % (0 for one seed).
    pub pretrained_std: f64,
    /// Raw features, %.
    pub raw: f64,
    /// PCA to K, %.
    pub pca: f64,
    /// `raw` or `pca`, whichever is higher (raw on a tie).
    pub best_baseline: String,
    /// `pretrained − max(raw, pca)`, percentage points.
    pub margin: f64,
}

/// The verdict of a run (`verdict` in `report.json`).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The split the numbers come from (`test`).
    pub split: String,
    /// The outcome.
    pub outcome: Outcome,
    /// Number of pretraining seeds.
    pub seeds: usize,
    /// Linear probe and weighted kNN-20.
    pub margins: Vec<Margin>,
    /// Why the pretrained encoder cannot beat raw features here, when that holds by
    /// construction (a linear `d → K` encoder with `K ≥ d`), and what the run shows instead.
    pub note: Option<String>,
    /// The one-line verdict (the first line of `report.md` and of the terminal table).
    pub summary: String,
}

fn find<'a>(ev: &'a [Scored<'a>], name: &str) -> Option<&'a Scored<'a>> {
    ev.iter().find(|r| r.name == name)
}

/// The verdict on the test split for the evaluated representations `ev` (`raw`, `pca` and
/// `pretrained` must be present; `None` otherwise, e.g. with `--no-label`). `full_linear`:
/// `Some((d, K))` when the run's encoder is linear `d → K` with `K ≥ d`.
pub fn judge(ev: &[Scored<'_>], full_linear: Option<(usize, usize)>) -> Option<Verdict> {
    let (raw, pca, pre) = (find(ev, "raw")?, find(ev, "pca")?, find(ev, "pretrained")?);
    let margins: Vec<Margin> = ["linear_probe_accuracy", "knn_k20_weighted"]
        .iter()
        .map(|metric| {
            let f = |r: &Scored<'_>| if *metric == "knn_k20_weighted" { r.knn } else { r.linear_probe };
            let (r, p) = (f(raw).0, f(pca).0);
            let (best_baseline, best) = if p > r { ("pca", p) } else { ("raw", r) };
            Margin {
                metric: metric.to_string(),
                pretrained: f(pre).0,
                pretrained_std: f(pre).1,
                raw: r,
                pca: p,
                best_baseline: best_baseline.into(),
                margin: f(pre).0 - best,
            }
        })
        .collect();
    let above = margins.iter().filter(|m| m.margin > 0.0).count();
    let below = margins.iter().filter(|m| m.margin < -TIE).count();
    let outcome = match (above, below) {
        (2, _) => Outcome::Helps,
        (1, _) => Outcome::Mixed,
        (_, 0) => Outcome::OnPar,
        _ => Outcome::DoesNotHelp,
    };
    let seeds = pre.runs;
    let spread = |m: &Margin| {
        if seeds > 1 {
            format!("{:.2} ± {:.2}", m.pretrained, m.pretrained_std)
        } else {
            format!("{:.2}", m.pretrained)
        }
    };
    let detail: Vec<String> = margins
        .iter()
        .map(|m| {
            let name = if m.metric == "knn_k20_weighted" { "weighted kNN-20" } else { "linear probe" };
            let best = if m.best_baseline == "pca" { m.pca } else { m.raw };
            format!("{name} {} vs {} {best:.2} ({:+.2})", spread(m), m.best_baseline, m.margin)
        })
        .collect();
    let head = match outcome {
        Outcome::Helps => "pretraining helps: the pretrained encoder beats raw features and PCA",
        Outcome::Mixed => {
            "pretraining helps on one measure only: the pretrained encoder beats raw features and PCA on one of the two"
        }
        Outcome::OnPar => {
            "self-supervised pretraining does not help on this data: the pretrained encoder is on par with raw features or PCA (within 1 point, not above)"
        }
        Outcome::DoesNotHelp => {
            "self-supervised pretraining does not help on this data: the pretrained encoder is below raw features or PCA"
        }
    };
    let seeds_text = if seeds > 1 { format!("mean ± std over {seeds} seeds") } else { "1 seed".to_string() };
    let note = full_linear.map(|(d, k)| {
        let random = find(ev, "random").or_else(|| find(ev, "init"));
        let vs_random = random.map_or(String::new(), |r| {
            format!(
                "; pretrained vs {} encoder: linear probe {:.2} vs {:.2}, weighted kNN-20 {:.2} vs {:.2}",
                r.name, pre.linear_probe.0, r.linear_probe.0, pre.knn.0, r.knn.0
            )
        });
        format!(
            "a linear {d} → {k} encoder cannot beat raw features: an injective linear map keeps what a linear probe separates, \
             so this run can at best match them; it shows whether the contrastive loss learns a non-degenerate map{vs_random}"
        )
    });
    let mut summary = format!("{head} on test ({seeds_text}): {}", detail.join(", "));
    if let Some(n) = &note {
        summary.push_str(&format!(". Note: {n}"));
    }
    Some(Verdict { split: "test".into(), outcome, seeds, margins, note, summary })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mean and sample std of the values.
    fn mean_std(v: &[f64]) -> (f64, f64) {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let var =
            if v.len() > 1 { v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        (m, var.sqrt())
    }

    /// A representation with one run per `(linear probe, weighted kNN)` pair.
    fn rep<'a>(name: &'a str, runs: &[(f64, f64)]) -> Scored<'a> {
        let lr: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let knn: Vec<f64> = runs.iter().map(|r| r.1).collect();
        Scored { name, linear_probe: mean_std(&lr), knn: mean_std(&knn), runs: runs.len() }
    }

    fn verdict(pre: &[(f64, f64)], full_linear: Option<(usize, usize)>) -> Verdict {
        let ev = [
            rep("raw", &[(90.0, 92.0)]),
            rep("pca", &[(91.0, 89.0)]),
            rep("random", &[(70.0, 71.0)]),
            rep("pretrained", pre),
        ];
        judge(&ev, full_linear).unwrap()
    }

    #[test]
    fn helps_when_above_the_best_baseline_on_both_measures() {
        let v = verdict(&[(93.0, 94.0), (95.0, 96.0)], None);
        assert_eq!(v.outcome, Outcome::Helps);
        assert_eq!(v.seeds, 2);
        assert_eq!(v.margins[0].best_baseline, "pca");
        assert_eq!(v.margins[1].best_baseline, "raw");
        assert_eq!(v.margins[0].margin, 3.0);
        assert_eq!(v.margins[1].margin, 3.0);
        assert!(v.margins[0].pretrained_std > 1.4);
        assert!(v.summary.starts_with("pretraining helps: "), "{}", v.summary);
        assert!(v.summary.contains("linear probe 94.00 ± 1.41 vs pca 91.00 (+3.00)"), "{}", v.summary);
        assert!(v.note.is_none());
    }

    #[test]
    fn mixed_when_above_on_one_measure_only() {
        let v = verdict(&[(95.0, 85.0)], None);
        assert_eq!(v.outcome, Outcome::Mixed);
        assert!(v.summary.contains("weighted kNN-20 85.00 vs raw 92.00 (-7.00)"), "{}", v.summary);
    }

    #[test]
    fn on_par_within_one_point_does_not_help() {
        let v = verdict(&[(90.5, 91.5)], None);
        assert_eq!(v.outcome, Outcome::OnPar);
        assert!(
            v.summary.starts_with("self-supervised pretraining does not help on this data"),
            "{}",
            v.summary
        );
        // A tie is not above.
        assert_eq!(verdict(&[(91.0, 92.0)], None).outcome, Outcome::OnPar);
    }

    #[test]
    fn does_not_help_when_below() {
        let v = verdict(&[(80.0, 91.5)], None);
        assert_eq!(v.outcome, Outcome::DoesNotHelp);
        assert!(
            v.summary.starts_with("self-supervised pretraining does not help on this data"),
            "{}",
            v.summary
        );
    }

    #[test]
    fn a_linear_encoder_with_k_at_least_d_says_why_and_compares_with_random() {
        let v = verdict(&[(90.0, 92.0)], Some((2, 2)));
        let n = v.note.clone().unwrap();
        assert!(n.starts_with("a linear 2 → 2 encoder cannot beat raw features"), "{n}");
        assert!(n.contains("pretrained vs random encoder: linear probe 90.00 vs 70.00"), "{n}");
        assert!(v.summary.ends_with(&n));
    }

    #[test]
    fn no_verdict_without_the_baselines() {
        assert!(judge(&[rep("pretrained", &[(1.0, 1.0)])], None).is_none());
        assert!(judge(&[], None).is_none());
    }
}
