//! Principal component analysis fitted on the training rows: `z = Vₖᵀ (x − μ)` with `Vₖ` the
//! eigenvectors of the `k` largest eigenvalues of the sample covariance
//! `Σ = (1/(n−1)) Σ_i (x_i − μ)(x_i − μ)ᵀ` (no whitening, as scikit-learn's `PCA(k)`).
//! Each component's sign is fixed so that its largest-magnitude entry is positive, so the
//! result is deterministic.
//!
//! The eigen-decomposition is nalgebra's `SymmetricEigen` (built with `default-features =
//! false`, so nalgebra's `std` feature stays out of the dependency graph). With at least as
//! many rows as features it decomposes the `d × d` covariance (cost `O(n d² + d³)`). With fewer
//! rows than features (wide data) it decomposes the `n × n` Gram matrix `G = X_c X_cᵀ` of the
//! centred rows instead (cost `O(n² d + n³)`): `G u = λ u` gives the component
//! `v = X_cᵀ u / ‖X_cᵀ u‖` with the same eigenvalue `λ/(n−1)` of `Σ`. When `k` exceeds the
//! number of non-zero eigenvalues there (`k ≥ n − 1` at least), the components past the rank
//! are not determined by `G` and the covariance path is used.

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
        if n < dim
            && let Some(p) = Self::fit_gram(x, dim, k, &mean)
        {
            return p;
        }
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

    /// The Gram-matrix path of the module doc; `None` when `k` exceeds its rank.
    fn fit_gram(x: &[f64], dim: usize, k: usize, mean: &[f64]) -> Option<Self> {
        let n = x.len() / dim;
        let xc: Vec<f64> = x.chunks_exact(dim).flat_map(|r| r.iter().zip(mean).map(|(v, m)| v - m)).collect();
        let mut gram = DMatrix::<f64>::zeros(n, n);
        for a in 0..n {
            for b in a..n {
                let v: f64 = xc[a * dim..(a + 1) * dim]
                    .iter()
                    .zip(&xc[b * dim..(b + 1) * dim])
                    .map(|(p, q)| p * q)
                    .sum();
                gram[(a, b)] = v;
                gram[(b, a)] = v;
            }
        }
        let eig = gram.symmetric_eigen();
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]).then(a.cmp(&b)));
        let k = k.min(dim);
        let top = idx.first().map_or(0.0, |&i| eig.eigenvalues[i]);
        let denom = (n.max(2) - 1) as f64;
        let mut components = Vec::with_capacity(k * dim);
        let mut explained_variance = Vec::with_capacity(k);
        for &i in idx.iter().take(k) {
            let lambda = eig.eigenvalues[i];
            if lambda.is_nan() || lambda <= 1e-12 * top {
                return None;
            }
            let u = eig.eigenvectors.column(i);
            let mut v = vec![0.0; dim];
            for (row, ua) in xc.chunks_exact(dim).zip(u.iter()) {
                v.iter_mut().zip(row).for_each(|(vj, r)| *vj += ua * r);
            }
            let norm = v.iter().map(|e| e * e).sum::<f64>().sqrt();
            let big = (0..dim).fold(0, |b, j| if v[j].abs() > v[b].abs() { j } else { b });
            let sign = if v[big] < 0.0 { -1.0 } else { 1.0 };
            components.extend(v.iter().map(|e| sign * e / norm));
            explained_variance.push(lambda / denom);
        }
        if components.len() < k * dim {
            return None;
        }
        Some(Self { dim, k, mean: mean.to_vec(), components, explained_variance })
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

    /// Wide data (fewer rows than features): the Gram path gives the covariance path's
    /// components, variances and projections up to rounding.
    #[test]
    fn gram_path_matches_the_covariance_path() {
        let (n, d, k) = (12, 30, 4);
        let x: Vec<f64> =
            (0..n * d).map(|i| ((i * 7919 % 97) as f64 - 48.0) / 13.0 + (i % d) as f64 * 0.1).collect();
        let mean: Vec<f64> = (0..d).map(|j| x.iter().skip(j).step_by(d).sum::<f64>() / n as f64).collect();
        let wide = Pca::fit_gram(&x, d, k, &mean).expect("rank 11 ≥ k");
        // The covariance path on the rows repeated three times (3n ≥ d): the same mean and
        // scatter matrix S (tripled), so the same components, and Σ = 3S/(3n − 1) instead of
        // S/(n − 1).
        let twice: Vec<f64> = x.iter().chain(&x).chain(&x).copied().collect();
        let tall = Pca::fit(&twice, d, k);
        for (a, b) in wide.components.iter().zip(&tall.components) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        let scale = (3 * n - 1) as f64 / (3.0 * (n - 1) as f64);
        for (a, b) in wide.explained_variance.iter().zip(&tall.explained_variance) {
            assert!((a - b * scale).abs() < 1e-9 * a, "{a} vs {b}");
        }
        assert!(Pca::fit_gram(&x, d, n, &mean).is_none(), "k past the rank");
        assert_eq!(Pca::fit(&x, d, n).k, n);
    }
}
