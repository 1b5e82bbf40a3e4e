//! kNN retrieval with cosine similarity: every test row queries the training rows.
//!
//! Rows are L2-normalized (a zero row stays zero, as scikit-learn's `normalize`), and the
//! similarity is `s = û · v̂`. Neighbours are ranked by decreasing `s`, equal similarities by
//! increasing training row index. Reported, all in %:
//!
//! - `k1`, `k5`, `k20`: majority vote of the k nearest (ties → smallest class id);
//! - `k20_weighted`: class score `Σ exp(s / 0.07)` over the 20 nearest (Wu et al. 2018,
//!   InstDisc; Caron et al. 2021, DINO), ties → smallest class id;
//! - `recall_at_1`, `recall_at_5`: queries with at least one same-class row in the top 1 / 5;
//! - `map`: mean over queries of the average precision of the full ranking, a training row
//!   being relevant when it has the query's class: `AP = (1/R) Σ_{relevant r} precision@rank(r)`.
//!
//! This is the protocol of `data/BASELINES.md`; the raw-feature numbers match it exactly.
//!
//! **Cost.** Similarities are blocked products ([`crate::similarity`]) with top-20 selection,
//! on every core ([`crate::parallel`]); the mAP needs the ranks of the relevant rows only, found
//! by bucket counts without sorting all rows ([`crate::ranking`]).
//! A query costs `O(n·d)` and its mAP `O(n)` more, for `n` training rows. Up to
//! [`EXACT_QUERIES`] test rows every one is a query; above, the scores are the means over a
//! seeded sample of [`EXACT_QUERIES`] test rows, and mAP over a seeded sample of
//! [`EXACT_MAP_QUERIES`] of those, so that the cost grows linearly with the rows. [`KnnScores`] says how many queries
//! each number averages. Whatever the thread count, the scores are the same bits.
//!
//! **Sampling error.** A sampled accuracy or recall `p` (in %) has standard error
//! `√(p(100 − p) / q)` over `q` queries: at most 0.5 points for `q` = 10 000. A sampled mAP has
//! standard error `σ_AP / √1000`, where `σ_AP` is the spread of the per-query AP (in %): at
//! most 1.6 points (AP lies in [0, 100]), and about 0.3 points when `σ_AP` ≈ 10.

use crate::parallel;
use crate::similarity::{Packed, neighbours};

/// Temperature of the weighted vote.
pub const WEIGHT_TEMPERATURE: f64 = 0.07;
/// Test rows up to which every row is a kNN query; above, a seeded sample of this many.
pub const EXACT_QUERIES: usize = 10_000;
/// Queries up to which mAP averages every kNN query; above, a seeded sample of this many.
pub const EXACT_MAP_QUERIES: usize = 1_000;
/// Largest `k` used.
const K_MAX: usize = 20;

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
    /// Test rows.
    pub test_rows: usize,
    /// Queries behind the accuracies and recalls (`< test_rows`: a seeded sample).
    pub queries: usize,
    /// Queries behind `map` (`< test_rows`: a seeded sample).
    pub map_queries: usize,
}

/// Sampling, threads and progress of [`evaluate_with`].
#[derive(Clone, Copy)]
pub struct KnnOptions<'a> {
    /// Seed of the query sample (used only above `max_queries` test rows).
    pub seed: u64,
    /// Test rows up to which every row is a query ([`EXACT_QUERIES`]).
    pub max_queries: usize,
    /// Queries up to which every query also gets its AP ([`EXACT_MAP_QUERIES`]).
    pub max_map_queries: usize,
    /// Threads ([`parallel::threads`]); the scores do not depend on it.
    pub threads: usize,
    /// Called with `(queries done, queries)` as blocks of queries finish (from any thread).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

impl Default for KnnOptions<'_> {
    fn default() -> Self {
        Self {
            seed: 0,
            max_queries: EXACT_QUERIES,
            max_map_queries: EXACT_MAP_QUERIES,
            threads: parallel::threads(),
            progress: None,
        }
    }
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

/// Scores test queries against the training set in a `dim`-dimensional space, with the
/// default [`KnnOptions`].
pub fn evaluate(
    train_x: &[f64],
    train_y: &[usize],
    test_x: &[f64],
    test_y: &[usize],
    dim: usize,
    classes: usize,
) -> KnnScores {
    evaluate_with(train_x, train_y, test_x, test_y, dim, classes, &KnnOptions::default())
}

/// What one query contributes.
struct QueryScore {
    hits: [bool; 4],
    r1: bool,
    r5: bool,
    ap: Option<f64>,
}

/// [`evaluate`] with explicit sampling, threads and progress.
pub fn evaluate_with(
    train_x: &[f64],
    train_y: &[usize],
    test_x: &[f64],
    test_y: &[usize],
    dim: usize,
    classes: usize,
    opts: &KnnOptions<'_>,
) -> KnnScores {
    let train = Packed::new(&normalize_rows(train_x, dim), dim);
    let queries = parallel::sample_indices(test_y.len(), opts.max_queries, opts.seed);
    let map_count = queries.len().min(opts.max_map_queries);
    // The mAP queries are the first `map_count` of the sample's seeded order: mark them.
    let map_set = parallel::sample_indices(queries.len(), map_count, opts.seed ^ 0x6d61_7073);
    let mut want_map = vec![false; queries.len()];
    map_set.iter().for_each(|&j| want_map[j] = true);
    let block = 128;
    let blocks = queries.len().div_ceil(block);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let per_block = parallel::map(blocks, opts.threads, |b| {
        let rows = &queries[b * block..((b + 1) * block).min(queries.len())];
        let mut q = Vec::with_capacity(rows.len() * dim);
        for &r in rows {
            q.extend_from_slice(&test_x[r * dim..(r + 1) * dim]);
        }
        let q = normalize_rows(&q, dim);
        let want = &want_map[b * block..b * block + rows.len()];
        let found = neighbours(&train, &q, K_MAX, want);
        let scores: Vec<QueryScore> = rows
            .iter()
            .zip(found)
            .map(|(&r, (top, full))| score_query(&top, full.as_deref(), train_y, test_y[r], classes))
            .collect();
        if let Some(p) = opts.progress {
            let n = done.fetch_add(rows.len(), std::sync::atomic::Ordering::Relaxed) + rows.len();
            p(n, queries.len());
        }
        scores
    });
    let (mut hits, mut r1, mut r5, mut ap_sum) = ([0usize; 4], 0usize, 0usize, 0.0);
    for s in per_block.iter().flatten() {
        for (h, hit) in hits.iter_mut().zip(s.hits) {
            *h += usize::from(hit);
        }
        r1 += usize::from(s.r1);
        r5 += usize::from(s.r5);
        if let Some(ap) = s.ap {
            ap_sum += ap;
        }
    }
    let m = queries.len().max(1) as f64;
    let pct = |c: usize| 100.0 * c as f64 / m;
    KnnScores {
        k1: pct(hits[0]),
        k5: pct(hits[1]),
        k20: pct(hits[2]),
        k20_weighted: pct(hits[3]),
        recall_at_1: pct(r1),
        recall_at_5: pct(r5),
        map: 100.0 * ap_sum / map_count.max(1) as f64,
        test_rows: test_y.len(),
        queries: queries.len(),
        map_queries: map_count,
    }
}

/// Votes, recalls and (with the full similarity row) AP of one query of class `yq`.
fn score_query(
    top: &[(f64, usize)],
    full: Option<&[f64]>,
    train_y: &[usize],
    yq: usize,
    classes: usize,
) -> QueryScore {
    let vote = |k: usize, weighted: bool| -> usize {
        let mut score = vec![0.0; classes];
        for &(s, i) in top.iter().take(k) {
            score[train_y[i]] += if weighted { (s / WEIGHT_TEMPERATURE).exp() } else { 1.0 };
        }
        crate::linear_probe::argmax(&score)
    };
    let mut hits = [false; 4];
    for (h, (k, w)) in hits.iter_mut().zip([(1, false), (5, false), (20, false), (20, true)]) {
        *h = vote(k, w) == yq;
    }
    QueryScore {
        hits,
        r1: top.first().is_some_and(|&(_, i)| train_y[i] == yq),
        r5: top.iter().take(5).any(|&(_, i)| train_y[i] == yq),
        ap: full.and_then(|f| crate::ranking::average_precision(f, |i| train_y[i] == yq)),
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
        assert_eq!((s.test_rows, s.queries, s.map_queries), (1, 1, 1));
    }

    /// The scoring as a direct transcription of the module doc: all similarities, one full
    /// stable sort per query.
    fn reference(tr: &[f64], ty: &[usize], te: &[f64], qy: &[usize], dim: usize, c: usize) -> KnnScores {
        let (tr, te) = (normalize_rows(tr, dim), normalize_rows(te, dim));
        let n = ty.len();
        let (mut hits, mut r1, mut r5, mut ap_sum) = ([0usize; 4], 0, 0, 0.0);
        for (q, &yq) in qy.iter().enumerate() {
            let qv = &te[q * dim..(q + 1) * dim];
            let sims: Vec<f64> = (0..n)
                .map(|i| qv.iter().zip(&tr[i * dim..(i + 1) * dim]).map(|(a, b)| a * b).sum())
                .collect();
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]).then(a.cmp(&b)));
            for (h, (k, w)) in hits.iter_mut().zip([(1, false), (5, false), (20, false), (20, true)]) {
                let mut score = vec![0.0; c];
                for &i in order.iter().take(k) {
                    score[ty[i]] += if w { (sims[i] / WEIGHT_TEMPERATURE).exp() } else { 1.0 };
                }
                *h += usize::from(crate::linear_probe::argmax(&score) == yq);
            }
            r1 += usize::from(ty[order[0]] == yq);
            r5 += usize::from(order.iter().take(5).any(|&i| ty[i] == yq));
            let (mut found, mut ap) = (0usize, 0.0);
            for (rank, &i) in order.iter().enumerate() {
                if ty[i] == yq {
                    found += 1;
                    ap += found as f64 / (rank + 1) as f64;
                }
            }
            if found > 0 {
                ap_sum += ap / found as f64;
            }
        }
        let m = qy.len() as f64;
        let pct = |c: usize| 100.0 * c as f64 / m;
        KnnScores {
            k1: pct(hits[0]),
            k5: pct(hits[1]),
            k20: pct(hits[2]),
            k20_weighted: pct(hits[3]),
            recall_at_1: pct(r1),
            recall_at_5: pct(r5),
            map: 100.0 * ap_sum / m,
            test_rows: qy.len(),
            queries: qy.len(),
            map_queries: qy.len(),
        }
    }

    /// Coarse values (many equal similarities), zero rows, 3 classes.
    fn data(n: usize, dim: usize, salt: usize) -> (Vec<f64>, Vec<usize>) {
        let x: Vec<f64> = (0..n * dim).map(|i| ((i * 7919 + salt) % 7) as f64 - 3.0).collect();
        let y = (0..n).map(|i| (i * 31 + salt) % 3).collect();
        (x, y)
    }

    #[test]
    fn same_bits_as_the_reference_for_any_thread_count() {
        let (mut tr, ty) = data(157, 3, 1);
        tr[6..9].fill(0.0);
        let (te, qy) = data(131, 3, 5);
        let expect = reference(&tr, &ty, &te, &qy, 3, 3);
        for threads in [1, 2, 3, 5] {
            let o = KnnOptions { threads, ..Default::default() };
            assert_eq!(evaluate_with(&tr, &ty, &te, &qy, 3, 3, &o), expect, "{threads} threads");
        }
    }

    #[test]
    fn samples_above_the_limits_are_seeded_and_reported() {
        let (tr, ty) = data(200, 4, 2);
        let (te, qy) = data(300, 4, 3);
        let o = KnnOptions { seed: 9, max_queries: 100, max_map_queries: 30, threads: 2, progress: None };
        let s = evaluate_with(&tr, &ty, &te, &qy, 4, 3, &o);
        assert_eq!((s.test_rows, s.queries, s.map_queries), (300, 100, 30));
        assert_eq!(s, evaluate_with(&tr, &ty, &te, &qy, 4, 3, &KnnOptions { threads: 1, ..o }));
        // The sample's accuracy is the reference's on the sampled rows.
        let rows = parallel::sample_indices(300, 100, 9);
        let sub_x: Vec<f64> = rows.iter().flat_map(|&r| te[r * 4..(r + 1) * 4].to_vec()).collect();
        let sub_y: Vec<usize> = rows.iter().map(|&r| qy[r]).collect();
        let r = reference(&tr, &ty, &sub_x, &sub_y, 4, 3);
        assert_eq!((s.k1, s.k20_weighted, s.recall_at_5), (r.k1, r.k20_weighted, r.recall_at_5));
        let seen = std::sync::atomic::AtomicUsize::new(0);
        let p = |done: usize, total: usize| {
            assert!(done <= total && total == 100);
            seen.fetch_max(done, std::sync::atomic::Ordering::Relaxed);
        };
        evaluate_with(&tr, &ty, &te, &qy, 4, 3, &KnnOptions { progress: Some(&p), ..o });
        assert_eq!(seen.into_inner(), 100);
    }
}
