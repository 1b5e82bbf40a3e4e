//! Standardization with training statistics: each feature by its train mean and standard
//! deviation (ddof = 0; a constant column is only centred, as scikit-learn's `StandardScaler`),
//! computed so that any magnitude of f64 gives the same result, with extreme outliers found and
//! replaced by the nearest ordinary training value before any statistic is taken; and for time
//! series the map to per-channel standardized values that the encoders see, with the same
//! outlier rule.

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

/// Cells farther than this many robust standard deviations from their column's train median
/// are outliers: reported, and replaced by the nearest inlier training value of their column
/// before the statistics are taken.
pub const OUTLIER_ROBUST_STDS: f64 = 1e6;

/// The outlier rule of one fit, per column: train median `m_j`, half the robust standard
/// deviation `r_j / 2` (see [`median_and_robust_std`]) and the smallest and largest train value
/// within [`OUTLIER_ROBUST_STDS`]` · r_j` of the median (the inliers).
///
/// A cell `v` is an outlier when `|v/2 − m_j/2| > 10⁶ · r_j/2` (halved so that nothing
/// overflows); [`Inliers::clean`] replaces it by the inlier minimum or maximum on its side, so
/// that a single 1e308 neither dominates its column's (or channel's) mean and variance nor,
/// standardized, its row. Every other value passes unchanged, so data without outliers
/// standardizes bit for bit as without the rule.
#[derive(Clone, Debug)]
struct Inliers {
    median: Vec<f64>,
    robust_half: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl Inliers {
    /// Fits the rule on the rows `rows` of row-major `x` (`n × d`).
    fn fit(x: &[f64], d: usize, rows: &[usize]) -> Self {
        let mut s =
            Inliers { median: vec![0.0; d], robust_half: vec![0.0; d], lo: vec![0.0; d], hi: vec![0.0; d] };
        let mut col = Vec::with_capacity(rows.len());
        for j in 0..d {
            col.clear();
            col.extend(rows.iter().map(|&i| x[i * d + j]));
            let (med, robust_half) = median_and_robust_std(&mut col);
            s.median[j] = med;
            s.robust_half[j] = robust_half;
            // `col` is sorted: the inliers are a contiguous run around the median.
            let first = col.iter().position(|&v| !s.is_outlier(j, v));
            let last = col.iter().rposition(|&v| !s.is_outlier(j, v));
            if let (Some(a), Some(b)) = (first, last) {
                (s.lo[j], s.hi[j]) = (col[a], col[b]);
            }
        }
        s
    }

    /// Whether `v` is an outlier of column `j`.
    fn is_outlier(&self, j: usize, v: f64) -> bool {
        let r = self.robust_half[j];
        r > 0.0 && (v / 2.0 - self.median[j] / 2.0).abs() > OUTLIER_ROBUST_STDS * r
    }

    /// `v` itself, or for an outlier the inlier extreme of column `j` on its side.
    fn clean(&self, j: usize, v: f64) -> f64 {
        if !self.is_outlier(j, v) {
            v
        } else if v > self.median[j] {
            self.hi[j]
        } else {
            self.lo[j]
        }
    }
}

/// The largest power of two not above `m` (`m` finite and positive, normal or subnormal);
/// dividing by it is exact, and maps `m` into `[1, 2)`.
fn pow2_floor(m: f64) -> f64 {
    let b = m.to_bits();
    if b >> 52 != 0 {
        f64::from_bits(b & 0x7ff0_0000_0000_0000)
    } else {
        f64::from_bits(1 << (63 - b.leading_zeros()))
    }
}

/// A cell far outside its column (see [`OUTLIER_ROBUST_STDS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Outlier {
    /// 0-based index of the data row.
    pub row: usize,
    /// 0-based index of the feature.
    pub feature: usize,
    /// Its distance from the train median in robust standard deviations.
    pub robust_stds: f64,
    /// The cell's value.
    pub value: f64,
    /// The value standardized in its place: the largest (or smallest) training value of its
    /// column that is not an outlier.
    pub clipped_to: f64,
}

/// An outlier cell as the reports record it (`warnings[]` in `report.json`, the warnings of
/// `report.md`): where it is, what it holds and what was done with it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CellWarning {
    /// `outlier`.
    pub kind: String,
    /// 1-based line of the file.
    pub line: u64,
    /// 1-based column of the file.
    pub column: usize,
    /// The column's header.
    pub column_name: String,
    /// `train` or `test`: the split of the cell's row.
    pub split: String,
    /// The cell's value.
    pub value: f64,
    /// Its distance from the column's train median in robust standard deviations.
    pub robust_stds: f64,
    /// The value used in its place.
    pub clipped_to: f64,
    /// What was done, in words.
    pub action: String,
}

/// Per-feature standardization fitted on training rows, at any magnitude.
///
/// Cells farther than [`OUTLIER_ROBUST_STDS`] robust standard deviations `s` from the train
/// median `m` (`s = 1.4826·MAD`, or `1.2533·mean |x − m|` when the MAD is 0; computed on
/// `x / 2` so that no deviation overflows) are replaced by the largest (or smallest) train value
/// of their column within that distance; `clip(x)` below is that replacement, the identity on
/// every other value. Each column is then divided
/// by `u_j`, the largest power of two not above its clipped train `max |x|` (exact, so on
/// ordinary data the result is bit for bit the plain formula, and nothing overflows or
/// underflows when squaring, from 1e-300 to 1e300). `μ_j = mean`, `σ_j = std` (ddof 0) of the
/// clipped train values and `z = (clip(x) − μ_j) / σ_j`. A column is constant when its
/// clipped train values are all equal or `σ_j ≤ 10·ε·max |x_j|` (rounding noise relative to
/// the column's magnitude, not an absolute threshold); it is only
/// centred (`σ_j = 1`, as scikit-learn's `StandardScaler`).
///
/// ```
/// use probe::dataset::standardize::Standardizer;
/// // One column at 1e200 and one at 1e-200: both standardize to ±1.
/// let x = [1e200, 1e-200, 3e200, 3e-200];
/// let s = Standardizer::fit(&x, 2, &[0, 1]);
/// assert_eq!(s.transform(&x, &[0, 1]), vec![-1.0, -1.0, 1.0, 1.0]);
/// assert!(s.constant.is_empty());
/// // A 1e308 among ordinary values takes the largest of them and leaves the statistics alone.
/// let x = [1.0, 2.0, 3.0, 4.0, 1e308];
/// let s = Standardizer::fit(&x, 1, &[0, 1, 2, 3]);
/// assert_eq!(s.transform(&x, &[4]), s.transform(&x, &[3]));
/// assert_eq!((s.mean[0], s.outliers.len()), (2.5, 0));
/// ```
#[derive(Clone, Debug)]
pub struct Standardizer {
    /// Train mean `μ_j` (raw units).
    pub mean: Vec<f64>,
    /// Train standard deviation `σ_j` (raw units; 1 for a constant column).
    pub scale: Vec<f64>,
    /// Indices of the constant columns.
    pub constant: Vec<usize>,
    /// Cells beyond [`OUTLIER_ROBUST_STDS`] in the rows fitted and transformed so far.
    pub outliers: Vec<Outlier>,
    unit: Vec<f64>,
    mean_u: Vec<f64>,
    scale_u: Vec<f64>,
    inliers: Inliers,
}

impl Standardizer {
    /// Fits the rows `rows` of row-major `x` (`n × d`).
    pub fn fit(x: &[f64], d: usize, rows: &[usize]) -> Self {
        let n = rows.len() as f64;
        let mut s = Standardizer {
            mean: vec![0.0; d],
            scale: vec![1.0; d],
            constant: Vec::new(),
            outliers: Vec::new(),
            unit: vec![1.0; d],
            mean_u: vec![0.0; d],
            scale_u: vec![1.0; d],
            inliers: Inliers::fit(x, d, rows),
        };
        for j in 0..d {
            let m = rows.iter().map(|&i| s.clip(j, x[i * d + j]).abs()).fold(0.0, f64::max);
            let u = if m > 0.0 { pow2_floor(m) } else { 1.0 };
            s.unit[j] = u;
            let vals = rows.iter().map(|&i| s.clip(j, x[i * d + j]) / u);
            let (lo, hi) =
                vals.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
            let mean_u = vals.clone().sum::<f64>() / n;
            let var_u = vals.map(|v| (v - mean_u) * (v - mean_u)).sum::<f64>() / n;
            let sd_u = var_u.sqrt();
            s.mean_u[j] = mean_u;
            s.mean[j] = mean_u * u;
            if lo == hi || sd_u <= 10.0 * f64::EPSILON * (m / u) {
                s.constant.push(j);
                s.scale_u[j] = 1.0 / u;
            } else {
                s.scale_u[j] = sd_u;
                s.scale[j] = sd_u * u;
            }
        }
        s.find_outliers(x, d, rows);
        s
    }

    /// `v`, or for an outlier of column `j` the inlier training extreme on its side.
    fn clip(&self, j: usize, v: f64) -> f64 {
        self.inliers.clean(j, v)
    }

    /// Records the outliers among `rows` (constant columns have none: their spread is 0).
    pub fn find_outliers(&mut self, x: &[f64], d: usize, rows: &[usize]) {
        for &i in rows {
            for j in 0..d {
                let value = x[i * d + j];
                if self.inliers.is_outlier(j, value) && !self.constant.contains(&j) {
                    let (med, r) = (self.inliers.median[j], self.inliers.robust_half[j]);
                    self.outliers.push(Outlier {
                        row: i,
                        feature: j,
                        robust_stds: (value / 2.0 - med / 2.0).abs() / r,
                        value,
                        clipped_to: self.clip(j, value),
                    });
                }
            }
        }
    }

    /// The rows `rows` standardized: `(clip(x_ij) / u_j − μ_j / u_j) / (σ_j / u_j)`.
    pub fn transform(&self, x: &[f64], rows: &[usize]) -> Vec<f64> {
        let d = self.mean.len();
        let mut xs = Vec::with_capacity(rows.len() * d);
        for &i in rows {
            for j in 0..d {
                xs.push((self.clip(j, x[i * d + j]) / self.unit[j] - self.mean_u[j]) / self.scale_u[j]);
            }
        }
        xs
    }
}

/// The median of `v` (sorted in place) and the robust standard deviation of `v / 2` (halved
/// so that no deviation overflows): `1.4826·MAD`, or `1.2533·mean |v − median|` when more
/// than half the values are equal (MAD 0); both equal the standard deviation for normal data.
fn median_and_robust_std(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let median = |s: &[f64]| {
        let n = s.len();
        if n % 2 == 1 { s[n / 2] } else { s[n / 2 - 1] / 2.0 + s[n / 2] / 2.0 }
    };
    let med = median(v);
    let mut dev: Vec<f64> = v.iter().map(|x| (x / 2.0 - med / 2.0).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    if mad > 0.0 {
        (med, 1.4826 * mad)
    } else {
        (med, 1.2533 * (dev.iter().map(|e| e / dev.len() as f64).sum::<f64>()))
    }
}

/// The map from per-feature standardized values to per-channel standardized values:
/// `v = σ_j x_j + μ_j`, `x_e = (v − μ_c) / σ_c` with `μ_c`, `σ_c` the train mean and std
/// (ddof = 0) of channel `c` over all its steps, computed in units of the largest power of two
/// not above the channel's `max |x|` (as [`Standardizer`], so no magnitude overflows); a
/// channel with `σ_c ≤ 10·ε·max |x|` keeps `σ_c = 1`. The channel's statistics are taken over
/// the values [`Standardizer`] standardizes, each outlier replaced by its column's inlier
/// extreme (`mean`, `scale` are the [`Standardizer`] fitted on the same `x` and `rows`), so one
/// extreme cell does not flatten the whole channel.
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
    let inliers = Inliers::fit(x, d, rows);
    let value = |i: usize, j: usize| inliers.clean(j, x[i * d + j]);
    for c in 0..channels {
        let cols = c * length..(c + 1) * length;
        let m = rows.iter().flat_map(|&i| cols.clone().map(move |j| value(i, j).abs())).fold(0.0, f64::max);
        let u = if m > 0.0 { pow2_floor(m) } else { 1.0 };
        let mc_u: f64 = cols.clone().map(|j| mean[j] / u).sum::<f64>() / length as f64;
        let mut var = 0.0;
        for &i in rows {
            for j in cols.clone() {
                let e = value(i, j) / u - mc_u;
                var += e * e;
            }
        }
        let sc_u = (var / count).sqrt();
        let sc = if sc_u <= 10.0 * f64::EPSILON * (m / u) { 1.0 } else { sc_u * u };
        let mc = mc_u * u;
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
        let st = Standardizer::fit(&x, 4, &rows);
        assert_eq!(st.constant, vec![2, 3]);
        let m = channel_standardizer(&x, 4, &rows, (2, 2), &st.mean, &st.scale);
        let standardized = st.transform(&x, &rows);
        let e = m.apply(&standardized);
        let sd = 5f64.sqrt(); // channel 0: mean 4, var (9 + 1 + 1 + 9) / 4 = 5
        for (got, want) in e.iter().zip([-3.0 / sd, -1.0 / sd, 0.0, 0.0, 1.0 / sd, 3.0 / sd, 0.0, 0.0]) {
            assert!((got - want).abs() < 1e-12, "{e:?}");
        }
    }
}

#[cfg(test)]
#[path = "standardize_tests.rs"]
mod magnitude_tests;
