//! The one-vs-rest protocol of the anomaly-detection literature (Ruff et al. 2018, Deep SVDD;
//! Tack et al. 2020, CSI): for each class `c`, the detector learns from the training rows of
//! class `c` only ("normal"); every test row is scored, and the test rows of the other classes
//! are the anomalies.

use crate::dataset::{Dataset, Split};

/// One normal class's task.
#[derive(Clone, Debug)]
pub struct Task {
    /// The normal class id.
    pub class: usize,
    /// Indices (into `Dataset::train`) of the normal class's training rows.
    pub normal_rows: Vec<usize>,
    /// For each test row: whether it is an anomaly (its class is not `class`).
    pub anomaly: Vec<bool>,
}

/// The task of normal class `class`.
pub fn task(ds: &Dataset, class: usize) -> Task {
    let normal_rows = (0..ds.train.len()).filter(|&i| ds.train.y[i] == class).collect();
    let anomaly = ds.test.y.iter().map(|&y| y != class).collect();
    Task { class, normal_rows, anomaly }
}

/// The rows of `split` in raw units (undoing the dataset's standardization), row-major.
pub fn raw(ds: &Dataset, split: &Split) -> Vec<f64> {
    let d = ds.dim();
    split
        .x
        .chunks_exact(d)
        .flat_map(|row| row.iter().zip(&ds.scale).zip(&ds.mean).map(|((z, s), m)| z * s + m))
        .collect()
}

/// The given rows of row-major `x` (`d` features).
pub fn select(x: &[f64], d: usize, rows: &[usize]) -> Vec<f64> {
    rows.iter().flat_map(|&r| x[r * d..(r + 1) * d].iter().copied()).collect()
}
