//! The pieces of a one-class detector over an embedding: the kNN score and the cross-fitted
//! calibration folds.
//!
//! - [`knn_scores`]: the mean distance of a query to its `k` nearest normal rows, cosine
//!   (core's [`KnnScorer`], direction only) or Euclidean (`‖q − x‖₂`, the norm kept; Bergman,
//!   Cohen & Hoshen 2020, "Deep Nearest Neighbor Anomaly Detection").
//! - [`calibration_folds`]: `K` folds of the normal rows; each row's calibration score comes
//!   from a detector fitted on the other folds (cross-fitting, the "CV+" of Barber et al. 2021),
//!   so every normal training row both trains the final detector and sets the threshold.
//!
//! ```
//! use probe::eval::anomaly::detector::{Metric, calibration_folds, knn_scores};
//! let normal = [0.0, 0.0, 1.0, 0.0];
//! let far = knn_scores(Metric::Euclidean, &normal, &[3.0, 4.0], 2, 1);
//! assert_eq!(far, vec![(4.0f64 + 16.0).sqrt()]);
//! assert_eq!(calibration_folds(5, 2), vec![vec![0, 2, 4], vec![1, 3]]);
//! //! ```

use super::baselines::{knn_cosine, knn_euclidean, knn_euclidean_ks};
#[cfg(doc)]
use selfsup_core::anomaly::KnnScorer;

/// The distance of the kNN score (`--score`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// `1 − cos(q, x)`: the direction only.
    Cosine,
    /// `‖q − x‖₂`: the direction and the norm.
    Euclidean,
}

impl Metric {
    /// `cos` or `euc`, for detector names.
    pub fn short(self) -> &'static str {
        match self {
            Metric::Cosine => "cos",
            Metric::Euclidean => "euc",
        }
    }
}

/// Mean `metric` distance from each row of `query` to its `k` nearest rows of `normal`
/// (row-major, `d` columns; `k ≤ 32`, at most the number of normal rows).
pub fn knn_scores(metric: Metric, normal: &[f64], query: &[f64], d: usize, k: usize) -> Vec<f64> {
    match metric {
        Metric::Cosine => knn_cosine(normal, query, d, k),
        Metric::Euclidean => knn_euclidean(normal, query, d, k),
    }
}

/// [`knn_scores`] for each `k` of `ks` (one score vector per `k`, in order; the Euclidean
/// distances sorted once per query).
pub fn knn_scores_ks(metric: Metric, normal: &[f64], query: &[f64], d: usize, ks: &[usize]) -> Vec<Vec<f64>> {
    match metric {
        Metric::Cosine => ks.iter().map(|&k| knn_cosine(normal, query, d, k)).collect(),
        Metric::Euclidean => knn_euclidean_ks(normal, query, d, ks),
    }
}

/// `k` folds of `0..n` by position (`i % k`), `k` clamped to `2..=n` (`n ≥ 2`).
pub fn calibration_folds(n: usize, k: usize) -> Vec<Vec<usize>> {
    let k = k.clamp(2, n.max(2));
    (0..k).map(|f| (f..n).step_by(k).collect()).filter(|v: &Vec<usize>| !v.is_empty()).collect()
}
