//! Standardization with training statistics: each feature by its train mean and standard
//! deviation (ddof = 0; a zero-variance column is only centred, as scikit-learn's
//! `StandardScaler`), and for time series the map to per-channel standardized values that the
//! encoders see.

/// A per-feature affine map `y_j = a_j x_j + b_j`.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    /// Factors `a_j`.
    pub a: Vec<f64>,
    /// Offsets `b_j`.
    pub b: Vec<f64>,
}

impl Affine {
    /// Applies the map to row-major rows of `a.len()` features.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        let d = self.a.len();
        x.chunks_exact(d)
            .flat_map(|row| row.iter().zip(&self.a).zip(&self.b).map(|((v, a), b)| a * v + b))
            .collect()
    }
}

/// Train mean, scale (std, or 1 for zero variance) and the zero-variance column indices of
/// the rows `rows` of row-major `x` (`n × d`).
pub fn train_stats(x: &[f64], d: usize, rows: &[usize]) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    let n = rows.len() as f64;
    let mut mean = vec![0.0; d];
    for &i in rows {
        for j in 0..d {
            mean[j] += x[i * d + j];
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; d];
    for &i in rows {
        for j in 0..d {
            let c = x[i * d + j] - mean[j];
            var[j] += c * c;
        }
    }
    let mut zero = Vec::new();
    let scale = (0..d)
        .map(|j| {
            let s = (var[j] / n).sqrt();
            // StandardScaler's rule: a scale below 10·ε (relative to the mean) counts as zero.
            if s <= 10.0 * f64::EPSILON * mean[j].abs().max(1.0) {
                zero.push(j);
                1.0
            } else {
                s
            }
        })
        .collect();
    (mean, scale, zero)
}

/// The rows `rows` of row-major `x` (`n × d`), standardized: `(x_ij − mean_j) / scale_j`.
pub fn standardized_rows(x: &[f64], d: usize, rows: &[usize], mean: &[f64], scale: &[f64]) -> Vec<f64> {
    let mut xs = Vec::with_capacity(rows.len() * d);
    for &i in rows {
        for j in 0..d {
            xs.push((x[i * d + j] - mean[j]) / scale[j]);
        }
    }
    xs
}

/// The map from per-feature standardized values to per-channel standardized values:
/// `v = σ_j x_j + μ_j`, `x_e = (v − μ_c) / σ_c` with `μ_c`, `σ_c` the train mean and std
/// (ddof = 0) of channel `c` over all its steps.
pub fn channel_standardizer(
    x: &[f64],
    d: usize,
    rows: &[usize],
    (channels, length): (usize, usize),
    mean: &[f64],
    scale: &[f64],
) -> Affine {
    let mut a = vec![0.0; d];
    let mut b = vec![0.0; d];
    let count = (rows.len() * length) as f64;
    for c in 0..channels {
        let cols = c * length..(c + 1) * length;
        let mc: f64 = cols.clone().map(|j| mean[j]).sum::<f64>() / length as f64;
        let mut var = 0.0;
        for &i in rows {
            for j in cols.clone() {
                let e = x[i * d + j] - mc;
                var += e * e;
            }
        }
        let sc = (var / count).sqrt();
        let sc = if sc <= 10.0 * f64::EPSILON * mc.abs().max(1.0) { 1.0 } else { sc };
        for j in cols {
            a[j] = scale[j] / sc;
            b[j] = (mean[j] - mc) / sc;
        }
    }
    Affine { a, b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_standardizer_maps_to_channel_z_scores() {
        // Two rows, two channels of two steps: channel 0 = {1, 3, 5, 7}, channel 1 = {10, 10, 10, 10}.
        let x = [1.0, 3.0, 10.0, 10.0, 5.0, 7.0, 10.0, 10.0];
        let rows = [0, 1];
        let (mean, scale, zero) = train_stats(&x, 4, &rows);
        assert_eq!(zero, vec![2, 3]);
        let m = channel_standardizer(&x, 4, &rows, (2, 2), &mean, &scale);
        let standardized = standardized_rows(&x, 4, &rows, &mean, &scale);
        let e = m.apply(&standardized);
        let sd = 5f64.sqrt(); // channel 0: mean 4, var (9 + 1 + 1 + 9) / 4 = 5
        for (got, want) in e.iter().zip([-3.0 / sd, -1.0 / sd, 0.0, 0.0, 1.0 / sd, 3.0 / sd, 0.0, 0.0]) {
            assert!((got - want).abs() < 1e-12, "{e:?}");
        }
    }
}
