//! Detection metrics over anomaly scores (higher = more anomalous; label `true` = anomaly).
//!
//! - [`auroc`]: the area under the ROC curve, scikit-learn's `roc_auc_score`: the ROC curve has
//!   one point per distinct score (tied scores move together, a diagonal segment) and the area
//!   is the trapezoid sum. Equals the Mann–Whitney probability `P(s_a > s_n) + ½ P(s_a = s_n)`.
//! - [`average_precision`]: scikit-learn's `average_precision_score`,
//!   `AP = Σ_n (R_n − R_{n−1}) P_n` over the distinct score thresholds in decreasing order
//!   (no interpolation; tied scores form one threshold).
//! - [`at_threshold`]: precision, recall and F1 of flagging `score > t` (scikit-learn's
//!   `zero_division = 0` convention when nothing is flagged).
//!
//! All are checked against scikit-learn on fixed scores with ties (`probe/tests/anomaly_metrics.rs`,
//! data made by `probe/tests/data/anomaly/sklearn_metrics.py`).
//!
//! ```
//! use probe::eval::anomaly::metrics::{auroc, average_precision};
//! let scores = [0.1, 0.4, 0.35, 0.8];
//! let anomaly = [false, false, true, true];
//! assert_eq!(auroc(&scores, &anomaly), Some(0.75));
//! assert!((average_precision(&scores, &anomaly).unwrap() - 0.8333333333333333).abs() < 1e-15);
//! ```

use serde::Serialize;

/// Groups of tied scores in decreasing order: `(true positives, false positives)` per group.
fn tie_groups(scores: &[f64], anomaly: &[bool]) -> Vec<(usize, usize)> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut last = None;
    for i in idx {
        if last != Some(scores[i].to_bits()) {
            groups.push((0, 0));
            last = Some(scores[i].to_bits());
        }
        let g = groups.last_mut().expect("pushed above");
        if anomaly[i] {
            g.0 += 1;
        } else {
            g.1 += 1;
        }
    }
    groups
}

fn counts(anomaly: &[bool]) -> (usize, usize) {
    let p = anomaly.iter().filter(|&&a| a).count();
    (p, anomaly.len() - p)
}

/// Area under the ROC curve, or `None` unless both classes are present (scikit-learn raises)
/// or a score is NaN.
pub fn auroc(scores: &[f64], anomaly: &[bool]) -> Option<f64> {
    let (p, n) = counts(anomaly);
    if p == 0 || n == 0 || scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let (mut tp, mut area) = (0usize, 0.0);
    for (dtp, dfp) in tie_groups(scores, anomaly) {
        // Trapezoid from (fp, tp) to (fp + dfp, tp + dtp), in counts.
        area += dfp as f64 * (2 * tp + dtp) as f64 / 2.0;
        tp += dtp;
    }
    Some(area / (p as f64 * n as f64))
}

/// Average precision, or `None` without anomalies (scikit-learn warns and returns a
/// meaningless value) or with a NaN score.
pub fn average_precision(scores: &[f64], anomaly: &[bool]) -> Option<f64> {
    let (p, _) = counts(anomaly);
    if p == 0 || scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let (mut tp, mut fp, mut ap) = (0usize, 0usize, 0.0);
    for (dtp, dfp) in tie_groups(scores, anomaly) {
        tp += dtp;
        fp += dfp;
        ap += dtp as f64 / p as f64 * (tp as f64 / (tp + fp) as f64);
    }
    Some(ap)
}

/// The ROC curve's points `(false-positive rate, true-positive rate)`, from `(0, 0)` to
/// `(1, 1)`, one per distinct score (for plots).
pub fn roc_curve(scores: &[f64], anomaly: &[bool]) -> Vec<(f64, f64)> {
    let (p, n) = counts(anomaly);
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut pts = vec![(0.0, 0.0)];
    for (dtp, dfp) in tie_groups(scores, anomaly) {
        tp += dtp;
        fp += dfp;
        pts.push((fp as f64 / n.max(1) as f64, tp as f64 / p.max(1) as f64));
    }
    pts
}

/// Precision, recall and F1 (fractions) of flagging `score > threshold`, with the realised
/// false-positive rate on the normal rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct AtThreshold {
    /// The threshold `t`.
    pub threshold: f64,
    /// `TP / (TP + FP)` (0 when nothing is flagged).
    pub precision: f64,
    /// `TP / (TP + FN)`.
    pub recall: f64,
    /// `2 P R / (P + R)` (0 when both are 0).
    pub f1: f64,
    /// `FP / (FP + TN)`: flagged normal rows.
    pub fpr: f64,
}

/// [`AtThreshold`] of flagging `score > threshold`.
pub fn at_threshold(scores: &[f64], anomaly: &[bool], threshold: f64) -> AtThreshold {
    let (mut tp, mut fp) = (0usize, 0usize);
    for (&s, &a) in scores.iter().zip(anomaly) {
        if s > threshold {
            if a {
                tp += 1;
            } else {
                fp += 1;
            }
        }
    }
    let (p, n) = counts(anomaly);
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, p));
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    AtThreshold { threshold, precision, recall, f1, fpr: ratio(fp, n) }
}
