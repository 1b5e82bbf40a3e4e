//! The search in words: the report's "Search" section (`report.md`), the short block printed on
//! the terminal, and the validation sentence the verdict gains. The numbers are those of
//! `search` in `report.json` ([`crate::search::result::Search`]); the seconds are wall time on
//! this machine and appear here only.

use super::verdict::Verdict;
use crate::network::Represent;
use crate::search::result::{RungScore, Search, ValidationComparison};
use std::fmt::Write;

fn cell(r: &RungScore) -> String {
    let layer = if r.represent == Represent::Hidden { " hidden layer" } else { "" };
    match (r.score, r.linear_probe, r.knn) {
        (None, _, _) => format!("failed ({} ep)", r.epochs),
        (Some(_), Some(lr), Some(knn)) => {
            format!("{lr:.1} / {knn:.1}{layer} ({} ep, {:.1} s)", r.epochs, r.seconds)
        }
        (Some(_), _, _) => format!("RankMe {:.2} ({} ep, {:.1} s)", r.rankme, r.epochs, r.seconds),
    }
}

/// The budgets that occur (1/9, 1/3, full), shortest first: one column each.
fn budgets(s: &Search) -> Vec<f64> {
    let mut f: Vec<f64> = s.candidates.iter().flat_map(|c| c.rungs.iter().map(|r| r.fraction)).collect();
    f.sort_by(f64::total_cmp);
    f.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    f
}

fn budget_name(f: f64) -> String {
    if f >= 1.0 { "all".into() } else { format!("1/{}", (1.0 / f).round()) }
}

fn rows(s: &Search) -> Vec<Vec<String>> {
    let cols = budgets(s);
    s.candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut r = vec![format!("{}{}", if i == s.chosen { "**→** " } else { "" }, c.options)];
            r.extend(cols.iter().map(|&f| {
                c.rungs.iter().find(|x| (x.fraction - f).abs() < 1e-9).map_or(String::new(), cell)
            }));
            r
        })
        .collect()
}

fn rounds(s: &Search) -> String {
    if s.repetitions > 1 {
        format!(
            "{}-fold cross-validation over the training rows, repeated {} times with new folds and seeds",
            s.folds, s.repetitions
        )
    } else if s.rounds > 1 {
        format!("{}-fold cross-validation over the training rows", s.folds)
    } else {
        format!("one held-out fold (1/{}) of the training rows", s.folds)
    }
}

/// The "Search" section of `report.md`.
pub fn markdown(s: &Search) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "## Search (validation folds of the training rows; the test rows were not read)\n");
    let _ = writeln!(m, "- validation: {} (seed {})", rounds(s), s.seed);
    let _ = writeln!(m, "- criterion: {}", s.criterion.describe());
    let _ = writeln!(
        m,
        "- schedule: {}; {:.1} full trainings per round in all",
        s.schedule,
        s.full_trainings / s.rounds.max(1) as f64
    );
    if !s.fixed.is_empty() {
        let _ = writeln!(m, "- fixed by the command line, not searched: {}", s.fixed.join(", "));
    }
    let labels = if s.labels_used { "validation LR / kNN-20w %" } else { "validation RankMe" };
    let cols = budgets(s);
    let head: Vec<String> =
        cols.iter().map(|&f| format!("{} of the epochs: {labels}", budget_name(f))).collect();
    let _ = writeln!(m, "\n| candidate | {} |", head.join(" | "));
    let _ = writeln!(m, "|---|{}", "---|".repeat(cols.len()));
    for r in rows(s) {
        let _ = writeln!(m, "| {} |", r.join(" | "));
    }
    let _ = writeln!(m, "\nChosen: `{}`: {}.\n", s.candidates[s.chosen].options, s.why);
    if let Some(v) = &s.validation {
        let _ = writeln!(m, "{}\n", validation_sentence(v));
    }
    let _ = writeln!(m, "Repeat the final run without searching:\n\n```sh\n{}\n```\n", s.command);
    m
}

/// The short block printed on the terminal before the final training.
pub fn terminal(s: &Search) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "search: {} candidates, {}, {}; {}",
        s.candidates.len(),
        rounds(s),
        if s.labels_used { "score = mean(val LR, val kNN-20w)" } else { "score = RankMe (no labels used)" },
        s.schedule
    );
    let r = rows(s);
    let width = r.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
    let cols: Vec<String> = budgets(s).iter().map(|&f| format!("{} of the epochs", budget_name(f))).collect();
    let pad = |c: &[String]| c.iter().map(|x| format!("{x:30}")).collect::<Vec<_>>().join("  ");
    let _ = writeln!(t, "  {:width$}  {}", "candidate", pad(&cols));
    for row in r {
        let _ = writeln!(t, "  {:width$}  {}", row[0].replace("**→** ", "→ "), pad(&row[1..]).trim_end());
    }
    let _ = writeln!(t, "chose {}: {}", s.candidates[s.chosen].options, s.why);
    let _ = writeln!(t, "reproduce: {}", s.command);
    t
}

/// One sentence: the chosen configuration against raw features and PCA on validation.
///
/// ```
/// use probe::output::search::validation_sentence;
/// use probe::search::result::{ValidationComparison, ValidationScore};
/// let v = |linear_probe, knn| ValidationScore { linear_probe, knn };
/// let c = ValidationComparison { pretrained: v(97.2, 95.9), raw: v(96.5, 96.5), pca: v(92.4, 96.5) };
/// assert!(validation_sentence(&c).ends_with("(+0.7 / -0.6 points against the better of the two)."));
/// ```
pub fn validation_sentence(v: &ValidationComparison) -> String {
    format!(
        "On validation (folds of the training rows) the chosen encoder scores {:.1} / {:.1} (linear probe / weighted kNN-20) against raw features {:.1} / {:.1} and PCA {:.1} / {:.1} ({:+.1} / {:+.1} points against the better of the two).",
        v.pretrained.linear_probe,
        v.pretrained.knn,
        v.raw.linear_probe,
        v.raw.knn,
        v.pca.linear_probe,
        v.pca.knn,
        v.pretrained.linear_probe - v.raw.linear_probe.max(v.pca.linear_probe),
        v.pretrained.knn - v.raw.knn.max(v.pca.knn)
    )
}

/// Adds the validation comparison to the verdict's one line, before its note (if any), which
/// stays last.
pub fn annotate(verdict: &mut Verdict, s: &Search) {
    let Some(v) = &s.validation else { return };
    let note = verdict
        .note
        .as_ref()
        .map(|n| format!(". Note: {n}"))
        .filter(|n| verdict.summary.ends_with(n.as_str()));
    let head_len = verdict.summary.len() - note.as_ref().map_or(0, String::len);
    let head = verdict.summary[..head_len].trim_end_matches('.');
    let mut summary = format!("{head}. {}", validation_sentence(v));
    if let Some(n) = note {
        summary.push_str(&n[1..]);
    }
    verdict.summary = summary;
}
