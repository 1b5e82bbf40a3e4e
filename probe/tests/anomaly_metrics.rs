//! AUROC and average precision against scikit-learn's `roc_auc_score` and
//! `average_precision_score` on fixed scores with ties (data: `data/anomaly/sklearn_metrics.json`,
//! written by `data/anomaly/sklearn_metrics.py`), to 1e-12; and the thresholded metrics.

use probe::eval::anomaly::metrics::{at_threshold, auroc, average_precision, roc_curve};

#[test]
fn auroc_and_average_precision_match_scikit_learn() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/anomaly/sklearn_metrics.json"
    ))
    .unwrap();
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 9);
    for (i, case) in cases.iter().enumerate() {
        let scores: Vec<f64> =
            case["scores"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let anomaly: Vec<bool> =
            case["anomaly"].as_array().unwrap().iter().map(|v| v.as_i64() == Some(1)).collect();
        let (want_auc, want_ap) =
            (case["roc_auc"].as_f64().unwrap(), case["average_precision"].as_f64().unwrap());
        let auc = auroc(&scores, &anomaly).unwrap();
        let ap = average_precision(&scores, &anomaly).unwrap();
        assert!((auc - want_auc).abs() <= 1e-12, "case {i}: AUROC {auc} vs sklearn {want_auc}");
        assert!((ap - want_ap).abs() <= 1e-12, "case {i}: AP {ap} vs sklearn {want_ap}");
        // The ROC curve ends at (1, 1) and its trapezoid area is the AUROC.
        let roc = roc_curve(&scores, &anomaly);
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        let area: f64 = roc.windows(2).map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0).sum();
        assert!((area - auc).abs() < 1e-12);
    }
}

#[test]
fn undefined_cases_are_none() {
    assert_eq!(auroc(&[0.1, 0.2], &[true, true]), None, "one class only");
    assert_eq!(auroc(&[0.1, f64::NAN], &[true, false]), None);
    assert_eq!(average_precision(&[0.1, 0.2], &[false, false]), None);
}

#[test]
fn thresholded_metrics() {
    let scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    let anomaly = [false, false, true, false, true, true];
    let m = at_threshold(&scores, &anomaly, 0.35); // flags 0.4, 0.5, 0.6
    assert_eq!((m.precision, m.recall, m.fpr), (2.0 / 3.0, 2.0 / 3.0, 1.0 / 3.0));
    assert!((m.f1 - 2.0 / 3.0).abs() < 1e-15);
    let none = at_threshold(&scores, &anomaly, 1.0);
    assert_eq!((none.precision, none.recall, none.f1, none.fpr), (0.0, 0.0, 0.0, 0.0));
}
