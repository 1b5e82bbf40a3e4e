//! Principal component analysis fitted on the training rows: `z = Vₖᵀ (x − μ)` with `Vₖ` the
//! eigenvectors of the `k` largest eigenvalues of the sample covariance
//! `Σ = (1/(n−1)) Σ_i (x_i − μ)(x_i − μ)ᵀ` (no whitening, as scikit-learn's `PCA(k)`).
//! Each component's sign is fixed so that its largest-magnitude entry is positive, so the
//! result is deterministic.
//!
//! The eigen-decomposition is nalgebra's `SymmetricEigen` (built with `default-features =
//! false`, so nalgebra's `std` feature stays out of the dependency graph).

use nalgebra::DMatrix;

/// A fitted PCA.
#[derive(Clone, Debug)]
pub struct Pca {
    /// Input dimension `d`.
    pub dim: usize,
    /// Number of components `k`.
    pub k: usize,
    /// Train mean.
    pub mean: Vec<f64>,
    /// Components, row-major `k × d` (row `i` = `i`-th principal axis).
    pub components: Vec<f64>,
    /// Explained variance of each component (eigenvalues of `Σ`).
    pub explained_variance: Vec<f64>,
}

impl Pca {
    /// Fits `k` components on row-major `x` (`n × dim`).
    pub fn fit(x: &[f64], dim: usize, k: usize) -> Self {
        let n = x.len() / dim;
        let mut mean = vec![0.0; dim];
        for row in x.chunks_exact(dim) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut cov = DMatrix::<f64>::zeros(dim, dim);
        let mut c = vec![0.0; dim];
        for row in x.chunks_exact(dim) {
            for j in 0..dim {
                c[j] = row[j] - mean[j];
            }
            for a in 0..dim {
                if c[a] == 0.0 {
                    continue;
                }
                for b in a..dim {
                    cov[(a, b)] += c[a] * c[b];
                }
            }
        }
        let denom = (n.max(2) - 1) as f64;
        for a in 0..dim {
            for b in a..dim {
                let v = cov[(a, b)] / denom;
                cov[(a, b)] = v;
                cov[(b, a)] = v;
            }
        }
        let eig = cov.symmetric_eigen();
        let mut idx: Vec<usize> = (0..dim).collect();
        idx.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]).then(a.cmp(&b)));
        let k = k.min(dim);
        let mut components = Vec::with_capacity(k * dim);
        let mut explained_variance = Vec::with_capacity(k);
        for &i in idx.iter().take(k) {
            let v = eig.eigenvectors.column(i);
            let big = (0..dim).fold(0, |b, j| if v[j].abs() > v[b].abs() { j } else { b });
            let sign = if v[big] < 0.0 { -1.0 } else { 1.0 };
            components.extend(v.iter().map(|e| sign * e));
            explained_variance.push(eig.eigenvalues[i].max(0.0));
        }
        Self { dim, k, mean, components, explained_variance }
    }

    /// Projects row-major `x` (`n × dim`) to `n × k`.
    pub fn transform(&self, x: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(x.len() / self.dim * self.k);
        for row in x.chunks_exact(self.dim) {
            for comp in self.components.chunks_exact(self.dim) {
                out.push(comp.iter().zip(row).zip(&self.mean).map(|((c, v), m)| c * (v - m)).sum());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_long_axis() {
        // Points along (1, 1) with a little spread along (1, −1).
        let mut x = Vec::new();
        for i in 0..20 {
            let t = i as f64 - 9.5;
            x.extend([t + 0.1, t - 0.1, t - 0.1, t + 0.1]);
        }
        let p = Pca::fit(&x, 2, 1);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        assert!(
            (p.components[0] - s).abs() < 1e-9 && (p.components[1] - s).abs() < 1e-9,
            "{:?}",
            p.components
        );
        let z = p.transform(&x);
        assert!((z[0] - (-9.5 * 2.0 * s)).abs() < 1e-9);
        assert!(
            (p.explained_variance[0] - 4.0 * (0..20).map(|i| (i as f64 - 9.5).powi(2)).sum::<f64>() / 39.0)
                .abs()
                < 1e-9
        );
    }
}
