//! Geometry of an embedding, independent of labels.
//!
//! With `ẑ = z / ‖z‖` (zero vectors stay zero):
//!
//! - **alignment** (Wang & Isola 2020, α = 2): `E ‖ẑ_a − ẑ_b‖²` over the two augmented views
//!   of the same row; 0 is perfect invariance, 4 is the maximum.
//! - **uniformity** (Wang & Isola 2020, t = 2): `log E_{i<j} exp(−2 ‖ẑ_i − ẑ_j‖²)` over pairs
//!   of distinct rows; lower is more uniform on the sphere, 0 is total collapse. Exact (all
//!   `n(n−1)/2` pairs) up to [`UNIFORMITY_EXACT_ROWS`] rows; above, the mean over all pairs of a
//!   seeded sample of that many rows (an unbiased estimate of the inner mean), so that its cost
//!   stays fixed; [`Diagnostics::uniformity_rows`] says how many rows it used.
//! - **per-dimension std** of the normalized embedding (ddof = 0): collapse when near 0;
//!   healthy near `1/√K`.
//! - **effective rank** (Roy & Vetterli 2007; RankMe, Garrido et al. 2023): `exp(H(p))` with
//!   `p_i = σ_i / Σ σ` the normalized singular values of the (unnormalized) `n × K` embedding
//!   matrix; between 1 and `min(n, K)`.

use crate::knn::normalize_rows;
use nalgebra::DMatrix;

/// Rows up to which uniformity uses every pair; above, the pairs of a seeded sample of this
/// many rows (about 2 million pairs).
pub const UNIFORMITY_EXACT_ROWS: usize = 2048;

/// The diagnostics of one embedding.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// Alignment (α = 2).
    pub alignment: f64,
    /// Uniformity (t = 2).
    pub uniformity: f64,
    /// Rows whose pairs `uniformity` averages (fewer than the rows: a seeded sample).
    pub uniformity_rows: usize,
    /// Standard deviation of each coordinate of the normalized embedding.
    pub std_per_dim: Vec<f64>,
    /// Mean of `std_per_dim`.
    pub std_mean: f64,
    /// `1/√K`, the healthy reference for `std_per_dim`.
    pub std_reference: f64,
    /// Effective rank.
    pub effective_rank: f64,
}

/// Alignment of paired rows of `a` and `b` (row-major `n × k`).
pub fn alignment(a: &[f64], b: &[f64], k: usize) -> f64 {
    let (a, b) = (normalize_rows(a, k), normalize_rows(b, k));
    let n = a.len().checked_div(k).unwrap_or(0);
    let s: f64 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
    s / n.max(1) as f64
}

/// Uniformity of the rows of `z` (row-major `n × k`).
pub fn uniformity(z: &[f64], k: usize) -> f64 {
    let u = normalize_rows(z, k);
    let n = u.len().checked_div(k).unwrap_or(0);
    if n < 2 {
        return 0.0;
    }
    // The rows in groups of `PAIR_LANES`, feature-major (`packed[(g·k + t)·PAIR_LANES + l]` =
    // feature `t` of row `g·PAIR_LANES + l`), so that the squared distances from row `i` to a
    // group's rows are summed side by side, each still in feature order from 0.
    let groups = n.div_ceil(PAIR_LANES);
    let mut packed = vec![0.0; groups * k * PAIR_LANES];
    for (r, row) in u.chunks_exact(k).enumerate() {
        for (t, &v) in row.iter().enumerate() {
            packed[((r / PAIR_LANES) * k + t) * PAIR_LANES + r % PAIR_LANES] = v;
        }
    }
    let mut sum = 0.0;
    for i in 0..n {
        let ui = &u[i * k..(i + 1) * k];
        for g in (i + 1) / PAIR_LANES..groups {
            let mut d2 = [0.0f64; PAIR_LANES];
            for (&x, col) in ui.iter().zip(packed[g * k * PAIR_LANES..].chunks_exact(PAIR_LANES)) {
                for (s, &y) in d2.iter_mut().zip(col) {
                    *s += (x - y) * (x - y);
                }
            }
            // The pairs (i, j) with j > i, in increasing j.
            let first = (g * PAIR_LANES).max(i + 1);
            for j in first..((g + 1) * PAIR_LANES).min(n) {
                sum += (-2.0 * d2[j - g * PAIR_LANES]).exp();
            }
        }
    }
    (sum / (n * (n - 1) / 2) as f64).ln()
}

/// Rows whose distances to one row [`uniformity`] sums side by side (two 4-wide vectors).
const PAIR_LANES: usize = 8;

/// Uniformity of the rows of `z` on all pairs of at most `max_rows` rows (a sample seeded with
/// `seed` when there are more); returns it with the number of rows used.
pub fn uniformity_sampled(z: &[f64], k: usize, max_rows: usize, seed: u64) -> (f64, usize) {
    let rows = crate::parallel::sample_indices(z.len().checked_div(k).unwrap_or(0), max_rows, seed);
    if rows.len() * k == z.len() {
        return (uniformity(z, k), rows.len());
    }
    let sub: Vec<f64> = rows.iter().flat_map(|&r| z[r * k..(r + 1) * k].iter().copied()).collect();
    (uniformity(&sub, k), rows.len())
}

/// Per-coordinate standard deviation of the normalized rows.
pub fn std_per_dim(z: &[f64], k: usize) -> Vec<f64> {
    let u = normalize_rows(z, k);
    let n = u.len().checked_div(k).unwrap_or(0).max(1) as f64;
    (0..k)
        .map(|j| {
            let m = u.iter().skip(j).step_by(k).sum::<f64>() / n;
            (u.iter().skip(j).step_by(k).map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt()
        })
        .collect()
}

/// Effective rank of the `n × k` matrix `z`.
pub fn effective_rank(z: &[f64], k: usize) -> f64 {
    let n = z.len().checked_div(k).unwrap_or(0);
    if n == 0 || k == 0 {
        return 0.0; // no singular value (nalgebra's decomposition needs a non-empty matrix)
    }
    // Singular values² are the eigenvalues of the smaller Gram matrix.
    let m = DMatrix::from_row_slice(n, k, z);
    let gram = if n < k { &m * m.transpose() } else { m.transpose() * &m };
    let eig = gram.symmetric_eigenvalues();
    let sig: Vec<f64> = eig.iter().map(|l| l.max(0.0).sqrt()).collect();
    let total: f64 = sig.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let h: f64 = sig.iter().map(|s| s / total).filter(|&p| p > 0.0).map(|p| -p * p.ln()).sum();
    h.exp()
}

/// All diagnostics: `z` the embeddings of the test rows, `view_a`/`view_b` the embeddings of
/// two augmented views of the same rows; uniformity's row sample (if any) seeded with 0.
pub fn diagnose(z: &[f64], view_a: &[f64], view_b: &[f64], k: usize) -> Diagnostics {
    diagnose_with(z, view_a, view_b, k, 0)
}

/// [`diagnose`] with uniformity's row sample seeded with `seed`.
pub fn diagnose_with(z: &[f64], view_a: &[f64], view_b: &[f64], k: usize, seed: u64) -> Diagnostics {
    let std = std_per_dim(z, k);
    let (uniformity, uniformity_rows) = uniformity_sampled(z, k, UNIFORMITY_EXACT_ROWS, seed);
    Diagnostics {
        alignment: alignment(view_a, view_b, k),
        uniformity,
        uniformity_rows,
        std_mean: std.iter().sum::<f64>() / k.max(1) as f64,
        std_per_dim: std,
        std_reference: 1.0 / (k as f64).sqrt(),
        effective_rank: effective_rank(z, k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse_and_spread() {
        let same = [1.0, 0.0, 2.0, 0.0, 3.0, 0.0];
        assert_eq!(uniformity(&same, 2), 0.0);
        assert_eq!(std_per_dim(&same, 2), vec![0.0, 0.0]);
        assert!((effective_rank(&same, 2) - 1.0).abs() < 1e-12);
        assert_eq!(alignment(&same, &same, 2), 0.0);
        // Four orthogonal-ish directions on the circle: rank 2, alignment of opposite views 4.
        let sq = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0];
        assert!((effective_rank(&sq, 2) - 2.0).abs() < 1e-12);
        let opp = [-1.0, 0.0, 0.0, -1.0, 1.0, 0.0, 0.0, 1.0];
        assert!((alignment(&sq, &opp, 2) - 4.0).abs() < 1e-12);
        // Pairs at squared distance 2 (4 pairs) and 4 (2 pairs).
        let u = ((4.0 * (-4.0f64).exp() + 2.0 * (-8.0f64).exp()) / 6.0).ln();
        assert!((uniformity(&sq, 2) - u).abs() < 1e-12);
    }

    /// The packed loop has the bits of the plain one: every pair `i < j`, `d²` summed in
    /// feature order, the terms in `(i, j)` order.
    #[test]
    fn uniformity_has_the_bits_of_the_plain_loop() {
        for (n, k) in [(2, 1), (9, 3), (17, 5), (40, 16)] {
            let z: Vec<f64> = (0..n * k).map(|i| ((i * 7919 % 61) as f64 - 30.0) / 7.0).collect();
            let u = normalize_rows(&z, k);
            let mut sum = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    let d2: f64 =
                        (0..k).map(|t| (u[i * k + t] - u[j * k + t]) * (u[i * k + t] - u[j * k + t])).sum();
                    sum += (-2.0 * d2).exp();
                }
            }
            let plain = (sum / (n * (n - 1) / 2) as f64).ln();
            assert_eq!(uniformity(&z, k).to_bits(), plain.to_bits(), "n = {n}, k = {k}");
        }
    }

    #[test]
    fn empty_embeddings_do_not_panic() {
        for (z, k) in [(&[][..], 0), (&[][..], 3), (&[1.0, 2.0][..], 0)] {
            let d = diagnose(z, z, z, k);
            assert_eq!((d.alignment, d.uniformity, d.effective_rank), (0.0, 0.0, 0.0));
        }
    }

    #[test]
    fn uniformity_is_exact_up_to_the_limit_then_sampled() {
        let z: Vec<f64> = (0..300).map(|i| ((i * 7919 % 61) as f64 - 30.0) / 7.0).collect();
        assert_eq!(uniformity_sampled(&z, 3, 100, 5), (uniformity(&z, 3), 100));
        let (u, rows) = uniformity_sampled(&z, 3, 40, 5);
        assert_eq!(rows, 40);
        assert_eq!(u, uniformity_sampled(&z, 3, 40, 5).0);
        let sample = crate::parallel::sample_indices(100, 40, 5);
        let sub: Vec<f64> = sample.iter().flat_map(|&r| z[r * 3..r * 3 + 3].to_vec()).collect();
        assert_eq!(u, uniformity(&sub, 3));
        assert_eq!(diagnose(&z, &z, &z, 3).uniformity_rows, 100);
    }
}
