//! Label efficiency: the linear probe and weighted kNN trained on a stratified fraction of the
//! training labels, scored on the whole test split.
//!
//! **Subsets.** Each class's training rows are shuffled once per draw ([`class_orders`], one
//! generator seeded with the draw's seed, classes in id order), and a fraction `f` takes the
//! first `m_c` rows of class `c` ([`stratified_subset`]): with `n_c` rows in class `c` and `n`
//! in all, the total is `m = round(f · n)`, each class gets `max(1, ⌊f · n_c⌋)` (at most `n_c`),
//! and the rows still missing go one each to the classes with the largest remainders
//! `f · n_c − ⌊f · n_c⌋` (ties: smaller class id) — largest-remainder apportionment with a
//! floor of one row per class, so the size is `max(m, Σ_c max(1, ⌊f · n_c⌋))`. The same order
//! serves every fraction of a draw, so a draw's subsets are nested (1 % ⊂ 5 % ⊂ …), and the
//! differences along a curve come from the labels added, not from a new sample.
//!
//! **Scores** ([`score_subset`]): the linear probe ([`crate::linear_probe`], scikit-learn's
//! `LogisticRegression(C = 1)`) fitted on the subset's rows, and kNN ([`crate::knn`], cosine,
//! the 20-NN vote weighted by `exp(s / 0.07)`) with the subset's rows as the neighbours; both
//! on every test row. An encoder's embedding is standardized for the probe with the statistics
//! of **all** training rows (no labels needed, as PCA and pretraining see them too) rather than
//! the few labelled ones.
//!
//! ```
//! use probe::eval::label_efficiency::{class_orders, stratified_subset};
//! let y = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
//! let orders = class_orders(&y, 2, 7);
//! let s = stratified_subset(&orders, 0.1);
//! // round(0.1 · 10) = 1 row, but every class gets one: 2 rows, one of each class.
//! assert_eq!(s.len(), 2);
//! assert!(s.iter().any(|&i| y[i] == 0) && s.iter().any(|&i| y[i] == 1));
//! ```

use crate::knn::{self, KnnOptions};
use crate::linear_probe::{LogisticRegression, ProbeOptions};
use selfsup_core::rng::{seeded, shuffle};

/// Each class's training rows (indices into `y`) in a seeded random order, classes in id
/// order.
pub fn class_orders(y: &[usize], classes: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = seeded(seed);
    (0..classes)
        .map(|c| {
            let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
            shuffle(&mut rng, &mut rows);
            rows
        })
        .collect()
}

/// How many rows of each class the fraction `f` (in (0, 1]) takes of classes of `sizes` rows
/// (see the [module docs](self)).
pub fn class_counts(sizes: &[usize], f: f64) -> Vec<usize> {
    let n: usize = sizes.iter().sum();
    let target = (f * n as f64).round() as usize;
    let quota: Vec<f64> = sizes.iter().map(|&nc| f * nc as f64).collect();
    let mut take: Vec<usize> =
        sizes.iter().zip(&quota).map(|(&nc, q)| (q.floor() as usize).max(1).min(nc)).collect();
    let mut by_remainder: Vec<usize> = (0..sizes.len()).collect();
    // Largest remainder first; `sort_by` is stable, so equal remainders keep the class order.
    by_remainder.sort_by(|&a, &b| (quota[b] - quota[b].floor()).total_cmp(&(quota[a] - quota[a].floor())));
    let mut missing = target.saturating_sub(take.iter().sum());
    while missing > 0 {
        let before = missing;
        for &c in &by_remainder {
            if missing > 0 && take[c] < sizes[c] {
                take[c] += 1;
                missing -= 1;
            }
        }
        if missing == before {
            break;
        }
    }
    take
}

/// The rows (sorted) of the stratified subset at fraction `f` of the classes' rows in
/// `orders` ([`class_orders`]).
pub fn stratified_subset(orders: &[Vec<usize>], f: f64) -> Vec<usize> {
    let sizes: Vec<usize> = orders.iter().map(Vec::len).collect();
    let mut rows: Vec<usize> =
        orders.iter().zip(class_counts(&sizes, f)).flat_map(|(o, m)| o[..m].iter().copied()).collect();
    rows.sort_unstable();
    rows
}

/// A representation's embedding of the training and test rows (row-major, `dim` columns): as
/// kNN sees it (`knn_*`) and as the linear probe sees it (`probe_*`, standardized with all
/// training rows for encoders; the same as kNN's for raw features and PCA).
pub struct Embedded {
    /// Embedding size.
    pub dim: usize,
    /// Training rows for kNN.
    pub knn_train: Vec<f64>,
    /// Test rows for kNN.
    pub knn_test: Vec<f64>,
    /// Training rows for the linear probe.
    pub probe_train: Vec<f64>,
    /// Test rows for the linear probe.
    pub probe_test: Vec<f64>,
}

impl Embedded {
    /// Embedded rows; `standardize` for encoders (see the [module docs](self)).
    pub fn new(train: Vec<f64>, test: Vec<f64>, dim: usize, standardize: bool) -> Self {
        let (probe_train, probe_test) =
            if standardize { super::standardize(&train, &test, dim) } else { (train.clone(), test.clone()) };
        Self { dim, knn_train: train, knn_test: test, probe_train, probe_test }
    }
}

/// Test accuracies (%) of the linear probe and the weighted kNN trained on `subset`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SubsetScores {
    /// Linear probe accuracy.
    pub linear: f64,
    /// 20-NN weighted kNN accuracy.
    pub knn: f64,
}

/// Fits the linear probe and the kNN vote on the training rows `subset` (labels `train_y`) of
/// `e` and scores every test row (labels `test_y`), on one thread (callers run many subsets
/// in parallel; neither score depends on the thread count).
pub fn score_subset(
    e: &Embedded,
    train_y: &[usize],
    test_y: &[usize],
    subset: &[usize],
    classes: usize,
) -> SubsetScores {
    let k = e.dim;
    let rows = |x: &[f64]| -> Vec<f64> {
        subset.iter().flat_map(|&i| x[i * k..(i + 1) * k].iter().copied()).collect()
    };
    let y: Vec<usize> = subset.iter().map(|&i| train_y[i]).collect();
    let one = ProbeOptions { threads: 1, progress: None };
    let probe =
        LogisticRegression::evaluate_with(&rows(&e.probe_train), &y, &e.probe_test, test_y, k, classes, &one);
    let opts = KnnOptions { threads: 1, ..KnnOptions::default() };
    let knn = knn::evaluate_with(&rows(&e.knn_train), &y, &e.knn_test, test_y, k, classes, &opts);
    SubsetScores { linear: probe.accuracy, knn: knn.k20_weighted }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_are_stratified_sized_and_nested() {
        // Unbalanced classes of 126, 60, 7 and 1 rows.
        let sizes = [126usize, 60, 7, 1];
        let y: Vec<usize> = sizes.iter().enumerate().flat_map(|(c, &n)| std::iter::repeat_n(c, n)).collect();
        let n = y.len();
        let orders = class_orders(&y, 4, 3);
        let mut previous: Vec<usize> = Vec::new();
        for f in [0.01, 0.05, 0.1, 0.25, 0.5, 1.0] {
            let s = stratified_subset(&orders, f);
            let floors: usize =
                sizes.iter().map(|&nc| ((f * nc as f64).floor() as usize).max(1).min(nc)).sum();
            assert_eq!(s.len(), ((f * n as f64).round() as usize).max(floors), "f = {f}");
            for (c, &nc) in sizes.iter().enumerate() {
                let m = s.iter().filter(|&&i| y[i] == c).count();
                assert!(m >= 1, "f = {f}: class {c} has no row");
                // Stratified: within one row of the class's quota (or its floor of one).
                assert!((m as f64 - f * nc as f64).abs() < 1.0 + 1e-9 || m == 1, "f = {f}, class {c}: {m}");
            }
            assert!(s.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
            assert!(previous.iter().all(|r| s.contains(r)), "f = {f}: not nested");
            previous = s;
        }
        assert_eq!(previous.len(), n, "100 % is every row");
        assert_eq!(class_orders(&y, 4, 3), orders, "seeded");
        assert_ne!(class_orders(&y, 4, 4), orders);
    }

    #[test]
    fn one_row_per_class_even_below_it() {
        let y: Vec<usize> = (0..40).map(|i| i % 4).collect();
        let orders = class_orders(&y, 4, 0);
        for f in [0.01, 0.05, 0.1] {
            let s = stratified_subset(&orders, f);
            assert_eq!(s.len(), 4, "f = {f}");
            let mut classes: Vec<usize> = s.iter().map(|&i| y[i]).collect();
            classes.sort_unstable();
            assert_eq!(classes, vec![0, 1, 2, 3]);
        }
        assert_eq!(class_counts(&[10, 10, 10, 10], 0.25), vec![3, 3, 2, 2], "largest remainder, ties by id");
    }

    #[test]
    fn scores_of_a_separable_subset() {
        // Two classes on either side of x = 0; two labelled rows suffice.
        let train: Vec<f64> =
            (0..20).map(|i| if i % 2 == 0 { 1.0 + i as f64 } else { -1.0 - i as f64 }).collect();
        let y: Vec<usize> = (0..20).map(|i| i % 2).collect();
        let test = vec![3.0, -2.0, 0.5, -7.0];
        let e = Embedded::new(train, test, 1, false);
        let s = score_subset(&e, &y, &[0, 1, 0, 1], &[0, 1], 2);
        assert_eq!(s, SubsetScores { linear: 100.0, knn: 100.0 });
    }
}
