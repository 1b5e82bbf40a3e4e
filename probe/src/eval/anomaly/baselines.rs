//! One-class baselines on standardized raw features: fitted on the normal class's training
//! rows, they score any row (higher = more anomalous).
//!
//! Features are standardized with the normal rows' mean and std (ddof 0; a column whose std
//! is rounding noise relative to its magnitude is only centred, as with scikit-learn's `StandardScaler`; the
//! dataset's [`Standardizer`]), as
//! `shared/tools/anomaly_baselines.py` does. Then:
//!
//! - `knn_euclidean_k`: the mean Euclidean distance to the `k` nearest normal rows (scikit-learn
//!   `NearestNeighbors(k).kneighbors`), `k ∈ {1, 5}`;
//! - `knn_cosine_k`: the mean cosine distance to the `k` most similar normal rows, core's
//!   [`KnnScorer`] over a [`NormalMemory`] holding every normal row;
//! - `pca_recon`: the squared reconstruction error `‖c − VVᵀc‖²`, `c = x − μ`, of PCA with
//!   `K = max(1, min(16, d − 1, n_c − 1))` components ([`crate::eval::pca::Pca`]);
//! - `iforest`: [`IsolationForest`] with 200 trees and subsample 256.

use super::iforest::{IsolationForest, SUBSAMPLE, TREES};
use crate::dataset::standardize::Standardizer;
use crate::eval::pca::Pca;
use nalgebra::Dyn;
use selfsup_core::anomaly::{KnnScorer, NormalMemory};
use selfsup_core::rng::seeded;

/// The baselines' names, in report order.
pub const BASELINES: [&str; 6] =
    ["knn_euclidean_1", "knn_euclidean_5", "knn_cosine_1", "knn_cosine_5", "pca_recon", "iforest"];

/// Mean Euclidean distance from each query row to its `k` nearest rows of `normal`.
pub fn knn_euclidean(normal: &[f64], query: &[f64], d: usize, k: usize) -> Vec<f64> {
    knn_euclidean_ks(normal, query, d, &[k]).pop().unwrap_or_default()
}

/// [`knn_euclidean`] for each `k` of `ks` (one score vector per `k`, in order), from one sort
/// of each query's distances.
pub fn knn_euclidean_ks(normal: &[f64], query: &[f64], d: usize, ks: &[usize]) -> Vec<Vec<f64>> {
    let ks: Vec<usize> = ks.iter().map(|&k| k.min(normal.len() / d).max(1)).collect();
    let mut out = vec![Vec::with_capacity(query.len() / d); ks.len()];
    for q in query.chunks_exact(d) {
        let mut dist: Vec<f64> = normal
            .chunks_exact(d)
            .map(|r| r.iter().zip(q).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt())
            .collect();
        dist.sort_by(f64::total_cmp);
        for (o, &k) in out.iter_mut().zip(&ks) {
            o.push(dist[..k].iter().sum::<f64>() / k as f64);
        }
    }
    out
}

/// Mean cosine distance from each query row to its `k` most similar rows of `normal` (core's
/// scorer; `k ≤ 32`).
pub fn knn_cosine(normal: &[f64], query: &[f64], d: usize, k: usize) -> Vec<f64> {
    let n = normal.len() / d;
    let mut memory = NormalMemory::<f64, Dyn, Dyn>::new(Dyn(d), Dyn(n));
    let mut rng = seeded(0); // never drawn from: the memory holds every row
    for row in normal.chunks_exact(d) {
        memory.push(row, &mut rng);
    }
    let scorer = KnnScorer::new(k).unwrap_or_default();
    query.chunks_exact(d).map(|q| scorer.score(&memory, q).unwrap_or(f64::NAN)).collect()
}

/// PCA reconstruction error with `K = max(1, min(16, d − 1, n − 1))` components.
pub fn pca_recon(normal: &[f64], query: &[f64], d: usize) -> Vec<f64> {
    let n = normal.len() / d;
    let k = 16.min(d.saturating_sub(1)).min(n.saturating_sub(1)).max(1);
    let pca = Pca::fit(normal, d, k);
    query
        .chunks_exact(d)
        .map(|q| {
            let c: Vec<f64> = q.iter().zip(&pca.mean).map(|(v, m)| v - m).collect();
            let mut r = c.clone();
            for comp in pca.components.chunks_exact(d) {
                let p: f64 = comp.iter().zip(&c).map(|(a, b)| a * b).sum();
                r.iter_mut().zip(comp).for_each(|(ri, ci)| *ri -= p * ci);
            }
            r.iter().map(|v| v * v).sum()
        })
        .collect()
}

/// Every baseline's scores of `query` (raw features, row-major), fitted on `normal` (raw,
/// `n ≥ 1` rows), in the order of [`BASELINES`]; `seed` seeds the Isolation Forest.
pub fn baseline_scores(normal: &[f64], query: &[f64], d: usize, seed: u64) -> Vec<(&'static str, Vec<f64>)> {
    let n = normal.len() / d;
    let rows: Vec<usize> = (0..n).collect();
    let st = Standardizer::fit(normal, d, &rows);
    let a = st.transform(normal, &rows);
    let t = st.transform(query, &(0..query.len() / d).collect::<Vec<_>>());
    let forest = IsolationForest::fit(&a, d, TREES, SUBSAMPLE, seed);
    vec![
        (BASELINES[0], knn_euclidean(&a, &t, d, 1)),
        (BASELINES[1], knn_euclidean(&a, &t, d, 5)),
        (BASELINES[2], knn_cosine(&a, &t, d, 1)),
        (BASELINES[3], knn_cosine(&a, &t, d, 5)),
        (BASELINES[4], pca_recon(&a, &t, d)),
        (BASELINES[5], forest.scores(&t)),
    ]
}
