//! Standardization at any magnitude and with outlier cells (see [`super::Standardizer`]).

use super::*;

/// Every scale from 1e-300 to 1e300 standardizes to the same values as scale 1 (to 1 ulp:
/// the data times 10^k is not exactly the data times a power of two).
#[test]
fn any_magnitude_same_z_scores() {
    let base = [5.1, 3.5, 4.9, 3.0, 4.7, 3.2, 7.0, 3.2, 6.4, 3.2];
    let rows: Vec<usize> = (0..5).collect();
    let z1 = Standardizer::fit(&base, 2, &rows).transform(&base, &rows);
    for k in [-300, -200, -20, 20, 155, 200, 300] {
        let f = 10f64.powi(k);
        let x: Vec<f64> = base.iter().map(|v| v * f).collect();
        let st = Standardizer::fit(&x, 2, &rows);
        assert!(st.constant.is_empty() && st.outliers.is_empty(), "scale 1e{k}");
        for (a, b) in st.transform(&x, &rows).iter().zip(&z1) {
            assert!((a - b).abs() < 1e-12, "scale 1e{k}: {a} vs {b}");
        }
    }
    // A power of two scale gives the same bits.
    let x: Vec<f64> = base.iter().map(|v| v * 2f64.powi(900)).collect();
    assert_eq!(Standardizer::fit(&x, 2, &rows).transform(&x, &rows), z1);
}

/// One 1e308 in a series leaves its channel's scale (and every other cell's encoder input)
/// as if the cell held its column's largest ordinary value; before, the channel's std was
/// ~1e306 and every other value of the channel reached the encoders as ~0.
#[test]
fn an_extreme_cell_does_not_flatten_its_channel() {
    // 40 rows, 2 channels × 5 steps of ordinary values.
    let (n, d) = (40, 10);
    let x: Vec<f64> = (0..n * d).map(|k| ((k * 7919) % 113) as f64 / 10.0 - 5.0 + (k % d) as f64).collect();
    let rows: Vec<usize> = (0..n).collect();
    let map = |x: &[f64]| {
        let st = Standardizer::fit(x, d, &rows);
        channel_standardizer(x, d, &rows, (2, 5), &st.mean, &st.scale).apply(&st.transform(x, &rows))
    };
    let mut bad = x.clone();
    bad[3 * d + 2] = 1e308;
    let mut repaired = x.clone();
    repaired[3 * d + 2] = (0..n).map(|i| x[i * d + 2]).fold(f64::MIN, f64::max);
    assert_eq!(map(&bad), map(&repaired));
    let clean = map(&x);
    let got = map(&bad);
    let others = (0..n * d).filter(|&k| k != 3 * d + 2);
    let diff = others.map(|k| (got[k] - clean[k]).abs()).fold(0.0, f64::max);
    assert!(diff < 0.05, "largest change of another cell {diff}");
    let spread = |v: &[f64]| (v.iter().map(|z| z * z).sum::<f64>() / v.len() as f64).sqrt();
    assert!((spread(&got) - 1.0).abs() < 1e-9, "{}", spread(&got));
}

#[test]
fn constant_means_equal_not_small() {
    let x = [1e-20, 7.0, 2e-20, 7.0, 3e-20, 7.0];
    let st = Standardizer::fit(&x, 2, &[0, 1, 2]);
    assert_eq!(st.constant, vec![1]);
    // Rounding noise relative to the magnitude is constant too.
    let x = [1e200, 1e200 * (1.0 + f64::EPSILON), 1e200];
    assert_eq!(Standardizer::fit(&x, 1, &[0, 1, 2]).constant, vec![0]);
}

#[test]
fn outliers_are_found_and_clipped() {
    let mut x: Vec<f64> = (0..20).map(|i| i as f64).collect();
    x[7] = 1e200;
    let rows: Vec<usize> = (0..20).collect();
    let st = Standardizer::fit(&x, 1, &rows);
    assert_eq!(st.outliers.len(), 1);
    assert_eq!((st.outliers[0].row, st.outliers[0].feature), (7, 0));
    assert_eq!(st.outliers[0].value, 1e200);
    // Replaced by the largest inlier, 19, and the statistics are those of that column.
    let o = &st.outliers[0];
    assert_eq!((o.clipped_to, st.clip(0, 1e200), st.clip(0, -1e200)), (19.0, 19.0, 0.0), "{o:?}");
    let mut y = x.clone();
    y[7] = 19.0;
    let plain = Standardizer::fit(&y, 1, &rows);
    assert_eq!((st.mean.clone(), st.scale.clone()), (plain.mean.clone(), plain.scale.clone()));
    assert_eq!(st.transform(&x, &rows), plain.transform(&y, &rows));
    assert!(st.constant.is_empty());
    // 1e5 robust stds is not an outlier.
    x[7] = 1e5 * 6.0;
    assert!(Standardizer::fit(&x, 1, &rows).outliers.is_empty());
}
