//! Isolation Forest (Liu, Ting & Zhou 2008, "Isolation Forest", ICDM), as scikit-learn's
//! `IsolationForest` builds and scores it.
//!
//! Each of `T = 200` trees is grown on `ψ = min(256, n)` rows drawn without replacement: a node
//! picks a feature uniformly among those not constant on its rows and splits at a uniform value
//! in `[min, max)` of that feature (`x ≤ v` goes left), until a node holds one row, every
//! feature is constant on it, or the depth reaches `⌈log₂ ψ⌉`. A sample's path length in a tree
//! is the depth `e` of the leaf it reaches plus `c(m)` for the `m` training rows left
//! unseparated there, with the average path length of an unsuccessful binary-search-tree
//! search
//!
//! `c(m) = 2 H(m − 1) − 2 (m − 1) / m`,  `H(i) ≈ ln i + 0.5772156649` (Euler's γ), `c(2) = 1`,
//! `c(1) = c(0) = 0`,
//!
//! and the score is `s(x) = 2^{−E[h(x)] / c(ψ)}` over the trees: near 1 for anomalies (isolated
//! in few splits), below 0.5 for normal samples. scikit-learn's `score_samples` is `−s`.
//!
//! Written here because no maintained Rust crate matched scikit-learn's definition with run-time
//! dimensions (`extended-isolation-forest` fixes the dimension in the type and uses hyperplane
//! splits, a different detector). Randomness comes from core's seeded generator, so scores are
//! reproducible but not scikit-learn's numbers: agreement is statistical (mean AUROC within 2
//! points, `tests/tests/anomaly_baselines.rs`).
//!
//! ```
//! use probe::eval::anomaly::iforest::IsolationForest;
//! let normal: Vec<f64> = (0..100).flat_map(|i| [(i % 10) as f64 * 0.1, (i / 10) as f64 * 0.1]).collect();
//! let forest = IsolationForest::fit(&normal, 2, 200, 256, 0);
//! assert!(forest.score(&[5.0, 5.0]) > forest.score(&[0.45, 0.45]));
//! ```

use selfsup_core::rng::{Rng, seeded};

/// Trees (scikit-learn's `n_estimators` default; Liu et al. 2008 use 100).
pub const TREES: usize = 200;
/// Subsample size ψ (Liu et al. 2008 and scikit-learn's `max_samples='auto'`).
pub const SUBSAMPLE: usize = 256;
/// A feature counts as constant on a node when `max ≤ min + 1e-7` (scikit-learn's
/// `FEATURE_THRESHOLD`).
const CONSTANT: f64 = 1e-7;

#[derive(Clone, Debug)]
enum Node {
    Leaf { size: usize },
    Split { feature: usize, value: f64, left: usize, right: usize },
}

/// A fitted forest.
#[derive(Clone, Debug)]
pub struct IsolationForest {
    dim: usize,
    psi: usize,
    trees: Vec<Vec<Node>>,
}

/// `c(m)`, the average path length of an unsuccessful search in a binary search tree of `m`.
pub fn average_path_length(m: usize) -> f64 {
    match m {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let m1 = (m - 1) as f64;
            2.0 * (m1.ln() + 0.577_215_664_901_532_9) - 2.0 * m1 / m as f64
        }
    }
}

fn uniform(rng: &mut Rng) -> f64 {
    <f64 as selfsup_core::Real>::uniform01(rng)
}

impl IsolationForest {
    /// Grows `trees` trees on row-major `x` (`n × dim`, `n ≥ 1`), each on `min(subsample, n)`
    /// rows, with a generator seeded by `seed`.
    pub fn fit(x: &[f64], dim: usize, trees: usize, subsample: usize, seed: u64) -> Self {
        let n = x.len() / dim.max(1);
        let psi = subsample.min(n).max(1);
        let max_depth = (psi.max(2) as f64).log2().ceil() as usize;
        let mut rng = seeded(seed);
        let mut all: Vec<usize> = (0..n).collect();
        let forest = (0..trees)
            .map(|_| {
                // Partial Fisher–Yates: the first ψ entries are a uniform subsample.
                for i in 0..psi {
                    let j = i + selfsup_core::rng::index(&mut rng, n - i);
                    all.swap(i, j);
                }
                let mut rows = all[..psi].to_vec();
                let mut nodes = Vec::new();
                grow(x, dim, &mut rows, 0, max_depth, &mut rng, &mut nodes);
                nodes
            })
            .collect();
        Self { dim, psi, trees: forest }
    }

    /// The anomaly score `s(x) ∈ (0, 1]` of one sample (`dim` values).
    pub fn score(&self, x: &[f64]) -> f64 {
        let mut total = 0.0;
        for tree in &self.trees {
            let (mut at, mut depth) = (0usize, 0usize);
            loop {
                match tree[at] {
                    Node::Leaf { size } => {
                        total += depth as f64 + average_path_length(size);
                        break;
                    }
                    Node::Split { feature, value, left, right } => {
                        at = if x[feature] <= value { left } else { right };
                        depth += 1;
                    }
                }
            }
        }
        let mean = total / self.trees.len().max(1) as f64;
        let c = average_path_length(self.psi).max(1.0);
        (-mean / c).exp2()
    }

    /// Scores of every row of row-major `x`.
    pub fn scores(&self, x: &[f64]) -> Vec<f64> {
        x.chunks_exact(self.dim.max(1)).map(|r| self.score(r)).collect()
    }
}

/// Grows the subtree over `rows` at `depth`; returns its node index.
fn grow(
    x: &[f64],
    dim: usize,
    rows: &mut [usize],
    depth: usize,
    max_depth: usize,
    rng: &mut Rng,
    nodes: &mut Vec<Node>,
) -> usize {
    let me = nodes.len();
    nodes.push(Node::Leaf { size: rows.len() });
    if rows.len() < 2 || depth >= max_depth {
        return me;
    }
    // Features in random order (drawn without replacement) until one is not constant.
    let mut features: Vec<usize> = (0..dim).collect();
    for tried in 0..dim {
        let j = tried + selfsup_core::rng::index(rng, dim - tried);
        features.swap(tried, j);
        let f = features[tried];
        let (lo, hi) = rows.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
            let v = x[r * dim + f];
            (lo.min(v), hi.max(v))
        });
        if hi <= lo + CONSTANT {
            continue;
        }
        let mut value = lo + uniform(rng) * (hi - lo);
        if value >= hi {
            value = lo; // rounding: keep both sides non-empty
        }
        let mut split = 0;
        for i in 0..rows.len() {
            if x[rows[i] * dim + f] <= value {
                rows.swap(i, split);
                split += 1;
            }
        }
        let (l, r) = rows.split_at_mut(split);
        let left = grow(x, dim, l, depth + 1, max_depth, rng, nodes);
        let right = grow(x, dim, r, depth + 1, max_depth, rng, nodes);
        nodes[me] = Node::Split { feature: f, value, left, right };
        return me;
    }
    me
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_path_length_matches_scikit_learn() {
        // sklearn.ensemble._iforest._average_path_length([1, 2, 3, 10, 256])
        let want = [0.0, 1.0, 1.207392357589623, 3.748880484475505, 10.244770920119917];
        for (m, w) in [1usize, 2, 3, 10, 256].into_iter().zip(want) {
            assert!((average_path_length(m) - w).abs() < 1e-12, "c({m})");
        }
    }

    #[test]
    fn isolates_an_outlier_and_is_seeded() {
        let mut x: Vec<f64> =
            (0..300).flat_map(|i| [(i % 17) as f64 / 17.0, (i % 23) as f64 / 23.0]).collect();
        x.extend([8.0, -8.0]);
        let f = IsolationForest::fit(&x, 2, TREES, SUBSAMPLE, 3);
        let s = f.scores(&x);
        let outlier = s[300];
        assert!(s[..300].iter().all(|&v| v < outlier), "the far point scores highest");
        assert!(outlier > 0.6 && s[..300].iter().sum::<f64>() / 300.0 < 0.5);
        assert_eq!(s, IsolationForest::fit(&x, 2, TREES, SUBSAMPLE, 3).scores(&x));
        // A constant data set cannot be split: every tree is one leaf of ψ rows, s = 0.5.
        let flat = IsolationForest::fit(&[1.0; 20], 2, 5, 256, 0);
        assert!((flat.score(&[1.0, 1.0]) - 0.5).abs() < 1e-15);
    }
}
