//! What a run tells its user, through `probe::run_cli`: the terminal explains its table and
//! ends with the verdict; sampled metrics, outlier cells and the cause of a divergence are
//! reported as they are (issue 10).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use selfsup_tests::{report, run, scaled_iris, scratch_in};

fn scratch(name: &str) -> PathBuf {
    scratch_in(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe_reports"), name)
}

const IRIS: &str = include_str!("../../data/iris.csv");

/// The first row of iris.csv in each split.
fn first_rows() -> (usize, usize) {
    let split = |r: usize| IRIS.lines().nth(r + 1).unwrap().split(',').nth(4).unwrap().to_string();
    ((0..150).find(|&r| split(r) == "train").unwrap(), (0..150).find(|&r| split(r) == "test").unwrap())
}

#[test]
fn the_first_command_explains_its_table_and_ends_with_the_verdict() {
    let d = scratch("ring");
    let ring = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/ring.csv");
    let r = run(&[ring, "--out", d.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.err);
    let lines: Vec<&str> = r.out.lines().collect();
    let last_row = lines.iter().position(|l| l.starts_with("pretrained ")).expect(&r.out);
    let legend = lines[last_row + 1];
    assert!(legend.starts_with("columns: K embedding size; LR acc, LR F1: linear-probe"), "{}", r.out);
    for column in ["kNN k=1", "w:", "R@5", "mAP", "align", "unif", "std", "eff.rank"] {
        assert!(legend.contains(column), "{column} not explained: {legend}");
    }
    let verdict = lines.iter().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(verdict.starts_with("verdict: on par with the baselines, as it must be: a linear 2 → 2 encoder can at best match raw features"), "{verdict}");
    assert!(verdict.contains("linear probe 98.37 vs raw 98.37"), "{verdict}");
    assert!(verdict.contains("What this run shows instead: ntxent pretraining learned a non-degenerate map (effective rank 2.00 of 2)"), "{verdict}");
    assert!(verdict.contains("its random start (linear probe 98.37 vs 97.39"), "{verdict}");
    assert_eq!(r.out.matches("verdict:").count(), 1, "{}", r.out);
    // Every test row is a query on the ring: no sampling note, and the report says so.
    assert!(!r.out.contains("sampled"), "{}", r.out);
    for e in report(&d)["evaluation"].as_array().unwrap() {
        assert_eq!((e["test_rows"].as_u64(), e["knn_queries"].as_u64()), (Some(307), Some(307)));
        assert_eq!((e["map_queries"].as_u64(), e["uniformity_rows"].as_u64()), (Some(307), Some(307)));
    }
}

#[test]
fn sampled_metrics_are_reported() {
    let d = scratch("sampled");
    // Three classes of 2-D points, 600 training rows and 10,200 test rows: above the kNN
    // (10,000), mAP (1,000) and uniformity (2,048) sizes.
    let mut s = String::from("x,y,split,label\n");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut unit = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    for i in 0..10_800 {
        let c = i % 3;
        let (cx, cy) = [(0.0, 0.0), (3.0, 0.0), (0.0, 3.0)][c];
        let split = if i < 600 { "train" } else { "test" };
        let _ = writeln!(s, "{},{},{split},{c}", cx + unit(), cy + unit());
    }
    let p = d.join("big.csv");
    std::fs::write(&p, s).unwrap();
    let o = d.join("out");
    let r = run(&[p.to_str().unwrap(), "--epochs", "2", "--out", o.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.err);
    let notes: Vec<&str> = r.out.lines().filter(|l| l.starts_with("note: sampled metrics")).collect();
    assert_eq!(notes.len(), 1, "{}", r.out);
    assert!(
        notes[0].contains("kNN accuracies and recalls over 10000 of the 10200 test rows, mAP over 1000 queries, uniformity over the pairs of 2048 rows"),
        "{}",
        notes[0]
    );
    let json = report(&o);
    let ev = json["evaluation"].as_array().unwrap();
    assert_eq!(ev.len(), 4);
    for e in ev {
        assert_eq!(e["test_rows"], 10_200, "{}", e["name"]);
        assert_eq!(e["knn_queries"], 10_000, "{}", e["name"]);
        assert_eq!(e["map_queries"], 1_000, "{}", e["name"]);
        assert_eq!(e["uniformity_rows"], 2_048, "{}", e["name"]);
    }
    let md = std::fs::read_to_string(o.join("report.md")).unwrap();
    assert!(md.contains("sampled metrics, on seeded samples"), "{md}");
}

#[test]
fn outlier_cells_are_recorded_in_the_reports() {
    let d = scratch("outliers");
    let (train, test) = first_rows();
    let p = scaled_iris(&d, "outliers.csv", 1.0, |r, v| {
        if r == train || r == test {
            v[2] = 1e200;
        }
    });
    let o = d.join("out");
    let r = run(&[&p, "--epochs", "2", "--out", o.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.err);
    let json = report(&o);
    let w = json["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 2, "{w:?}");
    for (w, (row, split)) in w.iter().zip([(train, "train"), (test, "test")]) {
        assert_eq!(w["kind"], "outlier");
        assert_eq!(w["line"], row + 2, "{w}");
        assert_eq!((w["column"].as_u64(), w["column_name"].as_str()), (Some(3), Some("f2")), "{w}");
        assert_eq!(w["split"], split);
        assert_eq!(w["value"], 1e200);
        let to = w["clipped_to"].as_f64().unwrap();
        assert_eq!(to, 6.9, "{w}");
        assert!(w["robust_stds"].as_f64().unwrap() > 1e6, "{w}");
        assert!(
            w["action"].as_str().unwrap().starts_with("replaced by 6.9000e0, the nearest training value"),
            "{w}"
        );
    }
    let notes = json["input"]["notes"].as_array().unwrap();
    assert!(notes.iter().any(|n| n.as_str().unwrap().starts_with("warning:")), "{notes:?}");
    let md = std::fs::read_to_string(o.join("report.md")).unwrap();
    assert!(md.contains("## Warnings"), "{md}");
    assert!(md.contains(&format!("- line {}, column 3 (`f2`, train): 1e200", train + 2)), "{md}");
    // A clean file records none.
    let clean = scaled_iris(&d, "clean.csv", 1.0, |_, _| {});
    let o = d.join("clean");
    assert_eq!(run(&[&clean, "--epochs", "2", "--quiet", "--out", o.to_str().unwrap()]).code, 0);
    assert_eq!(report(&o)["warnings"].as_array().map(Vec::len), Some(0));
}

/// Values near f64::MAX are the input's business: they standardize like any other, train
/// without diverging, and nothing tells the user to change the learning rate or optimizer.
#[test]
fn values_near_f64_max_are_not_blamed_on_the_learning_rate() {
    let d = scratch("near-max");
    let (train, _) = first_rows();
    let p = scaled_iris(&d, "near-max.csv", 1.2e307, |r, v| {
        if r == train {
            v[0] = 1e308;
        }
    });
    for (tag, extra) in
        [("adam", vec!["--optimizer", "adam"]), ("ae-sgd", vec!["--method", "ae", "--optimizer", "sgd"])]
    {
        let o = d.join(tag);
        let mut args = vec![p.as_str(), "--out", o.to_str().unwrap()];
        args.extend_from_slice(&extra);
        let r = run(&args);
        assert_eq!(r.code, 0, "{tag}: {}", r.err);
        assert!(
            !r.err.contains("learning rate") && !r.out.contains("learning rate"),
            "{tag}: {}{}",
            r.out,
            r.err
        );
        let json = report(&o);
        assert!(json["training"][0]["final_loss"].as_f64().unwrap().is_finite());
        let raw = json["evaluation"][0]["mean"]["linear_probe_accuracy"].as_f64().unwrap();
        assert!(raw > 90.0, "{tag}: raw accuracy {raw}");
    }
}
