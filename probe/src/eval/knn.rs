//! kNN retrieval with cosine similarity: every test row queries the training rows.
//!
//! Rows are L2-normalized (a zero row stays zero, as scikit-learn's `normalize`), and the
//! similarity is `s = û · v̂`. Neighbours are ranked by decreasing `s`, equal similarities by
//! increasing training row index (a stable sort). Reported, all in %:
//!
//! - `k1`, `k5`, `k20`: majority vote of the k nearest (ties → smallest class id);
//! - `k20_weighted`: class score `Σ exp(s / 0.07)` over the 20 nearest (Wu et al. 2018,
//!   InstDisc; Caron et al. 2021, DINO), ties → smallest class id;
//! - `recall_at_1`, `recall_at_5`: queries with at least one same-class row in the top 1 / 5;
//! - `map`: mean over queries of the average precision of the full ranking, a training row
//!   being relevant when it has the query's class: `AP = (1/R) Σ_{relevant r} precision@rank(r)`.
//!
//! This is the protocol of `data/BASELINES.md`; the raw-feature numbers match it exactly.

/// Temperature of the weighted vote.
pub const WEIGHT_TEMPERATURE: f64 = 0.07;

/// kNN and retrieval metrics (all in %).
#[derive(Clone, Debug, PartialEq)]
pub struct KnnScores {
    /// 1-NN accuracy.
    pub k1: f64,
    /// 5-NN majority accuracy.
    pub k5: f64,
    /// 20-NN majority accuracy.
    pub k20: f64,
    /// 20-NN weighted (`exp(s/0.07)`) accuracy.
    pub k20_weighted: f64,
    /// Recall@1.
    pub recall_at_1: f64,
    /// Recall@5.
    pub recall_at_5: f64,
    /// Mean average precision.
    pub map: f64,
}

/// L2-normalizes each row of a row-major `n × dim` matrix (zero rows stay zero).
pub fn normalize_rows(x: &[f64], dim: usize) -> Vec<f64> {
    let mut out = x.to_vec();
    for row in out.chunks_exact_mut(dim.max(1)) {
        let n = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        if n > 0.0 {
            row.iter_mut().for_each(|v| *v /= n);
        }
    }
    out
}

/// Scores test queries against the training set in a `dim`-dimensional space.
pub fn evaluate(
    train_x: &[f64],
    train_y: &[usize],
    test_x: &[f64],
    test_y: &[usize],
    dim: usize,
    classes: usize,
) -> KnnScores {
    let tr = normalize_rows(train_x, dim);
    let te = normalize_rows(test_x, dim);
    let n = train_y.len();
    let mut hits = [0usize; 4];
    let (mut r1, mut r5, mut ap_sum) = (0usize, 0usize, 0.0);
    let mut sims = vec![0.0; n];
    let mut order: Vec<usize> = (0..n).collect();
    for (q, &yq) in test_y.iter().enumerate() {
        let qv = &te[q * dim..(q + 1) * dim];
        for (i, s) in sims.iter_mut().enumerate() {
            *s = qv.iter().zip(&tr[i * dim..(i + 1) * dim]).map(|(a, b)| a * b).sum();
        }
        order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
        order.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]).then(a.cmp(&b)));
        let vote = |k: usize, weighted: bool| -> usize {
            let mut score = vec![0.0; classes];
            for &i in order.iter().take(k) {
                score[train_y[i]] += if weighted { (sims[i] / WEIGHT_TEMPERATURE).exp() } else { 1.0 };
            }
            crate::linear_probe::argmax(&score)
        };
        for (h, (k, w)) in hits.iter_mut().zip([(1, false), (5, false), (20, false), (20, true)]) {
            if vote(k, w) == yq {
                *h += 1;
            }
        }
        if train_y[order[0]] == yq {
            r1 += 1;
        }
        if order.iter().take(5).any(|&i| train_y[i] == yq) {
            r5 += 1;
        }
        let (mut found, mut ap) = (0usize, 0.0);
        for (rank, &i) in order.iter().enumerate() {
            if train_y[i] == yq {
                found += 1;
                ap += found as f64 / (rank + 1) as f64;
            }
        }
        if found > 0 {
            ap_sum += ap / found as f64;
        }
    }
    let m = test_y.len().max(1) as f64;
    let pct = |c: usize| 100.0 * c as f64 / m;
    KnnScores {
        k1: pct(hits[0]),
        k5: pct(hits[1]),
        k20: pct(hits[2]),
        k20_weighted: pct(hits[3]),
        recall_at_1: pct(r1),
        recall_at_5: pct(r5),
        map: 100.0 * ap_sum / m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_smallest_class_and_metrics_add_up() {
        // Train: two class-1 rows and two class-0 rows, all at the same angle as the query.
        let train = [1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 4.0, 0.0];
        let y = [1, 1, 0, 0];
        let s = evaluate(&train, &y, &[5.0, 0.0], &[0], 2, 2);
        // k=1: the first row (index 0, class 1) wins the similarity tie → wrong.
        assert_eq!(s.k1, 0.0);
        // k=5 (all four rows): 2 votes each → smallest class id 0 → right.
        assert_eq!(s.k5, 100.0);
        assert_eq!(s.recall_at_5, 100.0);
        // Relevant rows at ranks 3 and 4: AP = (1/3 + 2/4) / 2.
        assert!((s.map - 100.0 * (1.0 / 3.0 + 0.5) / 2.0).abs() < 1e-12);
    }
}
