//! On the split of each file, the raw-feature (and PCA) kNN numbers match
//! `data/BASELINES.md` exactly (to its two decimals), and the linear probe agrees with
//! scikit-learn's `LogisticRegression()` (lbfgs, C = 1) within 1 point.

use probe::knn;
use probe::linear_probe::LogisticRegression;
use probe::pca::Pca;
use selfsup_tests::dataset;

/// (LR, kNN k=1, k=5, k=20, k=20 weighted) from BASELINES.md; None = not run there.
type Row = (f64, Option<[f64; 4]>);

fn check(file: &str, d_expected: usize, rows: &[(&str, Row)]) {
    let data = dataset(file);
    let d = data.dim();
    assert_eq!(d, d_expected);
    let c = data.num_classes();
    for (name, (lr, knn_expected)) in rows {
        let (tr, te, k) = match name.strip_prefix("PCA-") {
            None => (data.train.x.clone(), data.test.x.clone(), d),
            Some(k) => {
                let k: usize = k.parse().unwrap();
                let p = Pca::fit(&data.train.x, d, k);
                (p.transform(&data.train.x), p.transform(&data.test.x), k)
            }
        };
        let probe = LogisticRegression::evaluate(&tr, &data.train.y, &te, &data.test.y, k, c);
        assert!(probe.converged, "{file} {name}: L-BFGS did not converge");
        assert!(
            (probe.accuracy - lr).abs() <= 1.0,
            "{file} {name}: LR {:.2} vs sklearn {lr}",
            probe.accuracy
        );
        if let Some(e) = knn_expected {
            let s = knn::evaluate(&tr, &data.train.y, &te, &data.test.y, k, c);
            let got = [s.k1, s.k5, s.k20, s.k20_weighted].map(|v| format!("{v:.2}"));
            assert_eq!(got, e.map(|v| format!("{v:.2}")), "{file} {name}: kNN k=1, 5, 20, 20w");
        }
    }
}

#[test]
fn digits() {
    check(
        "digits.csv",
        64,
        &[
            ("raw", (97.22, Some([97.59, 95.93, 93.89, 96.85]))),
            ("PCA-16", (94.26, Some([95.19, 93.89, 91.30, 94.63]))),
            ("PCA-8", (85.74, Some([87.96, 87.41, 83.70, 86.67]))),
            ("PCA-2", (57.22, None)),
        ],
    );
}

#[test]
fn iris() {
    check("iris.csv", 4, &[("raw", (97.78, Some([86.67, 82.22, 82.22, 82.22]))), ("PCA-2", (91.11, None))]);
}

#[test]
fn basic_motions() {
    check(
        "basic_motions.csv",
        600,
        &[
            ("raw", (72.50, Some([77.50, 70.00, 32.50, 77.50]))),
            ("PCA-16", (75.00, Some([80.00, 65.00, 30.00, 65.00]))),
            ("PCA-8", (87.50, Some([82.50, 72.50, 30.00, 60.00]))),
            ("PCA-4", (60.00, None)),
        ],
    );
}
