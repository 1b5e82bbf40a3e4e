//! `probe labels`: the report does not depend on the thread count (byte-identical
//! `report.json` on 1 and 2 threads), is reproduced by the same command, holds every curve at
//! every fraction, and impossible options get one clear line and exit code 2.

use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("labels").join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut full = vec!["probe", "labels"];
    full.extend_from_slice(args);
    let code = probe::run_cli(full, &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

fn iris() -> String {
    format!("{}/../data/iris.csv", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn report_is_the_same_on_one_and_two_threads_and_holds_every_curve() {
    let csv = iris();
    let dirs: Vec<PathBuf> = ["1", "2", "2again"].iter().map(|t| tmp(&format!("run{t}"))).collect();
    for (t, dir) in ["1", "2", "2"].iter().zip(&dirs) {
        let args =
            ["--fractions", "5,50,100", "--draws", "2", "--repeats", "2", "--epochs", "5", "--threads", t];
        let (code, out, err) = run(&[&[csv.as_str()], &args[..], &["--out", dir.to_str().unwrap()]].concat());
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("fine-tune from pretrained"), "{out}");
    }
    let a = std::fs::read(dirs[0].join("report.json")).unwrap();
    assert_eq!(a, std::fs::read(dirs[1].join("report.json")).unwrap(), "1 vs 2 threads");
    assert_eq!(a, std::fs::read(dirs[2].join("report.json")).unwrap(), "same command");
    assert!(dirs[0].join("labels.svg").exists() && dirs[0].join("report.md").exists());
    let r: serde_json::Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(r["schema"], "probe-labels/1");
    let curves = r["curves"].as_array().unwrap();
    assert_eq!(curves.len(), 10, "4 representations × (linear, kNN) + 2 fine-tunings");
    for c in curves {
        let points = c["points"].as_array().unwrap();
        assert_eq!(points.len(), 3);
        // 2 seeds × 2 draws below 100 %, 2 seeds × 1 draw at 100 %.
        let runs: Vec<usize> = points.iter().map(|p| p["accuracy"].as_array().unwrap().len()).collect();
        assert_eq!(runs, vec![4, 4, 2], "{}", c["representation"]);
        for p in points {
            let m = p["mean"].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&m), "{m}");
        }
    }
    // Every subset has at least one row per class (iris: 35 training rows per class).
    for s in r["subsets"].as_array().unwrap() {
        assert!(s["min_class_rows"].as_u64().unwrap() >= 1);
        // Largest remainder with one row per class: 5 % of 3 × 35 is 2 + 2 + 1, 50 % is 18 + 18 + 17.
        let want = match s["fraction"].as_f64().unwrap() as u32 {
            5 => 5,
            50 => 53,
            _ => 105,
        };
        let rows = s["rows"].as_u64().unwrap();
        assert_eq!(rows, want, "{s}");
    }
}

#[test]
fn bad_options_get_one_clear_line() {
    let csv = iris();
    for (args, says) in [
        (vec!["--fractions", "0,10"], "--fractions 0: a label fraction is a percentage"),
        (vec!["--fractions", "150"], "--fractions 150: a label fraction is a percentage"),
        (vec!["--fractions", "-5"], "-5"),
        (vec!["--fractions", "NaN"], "--fractions NaN"),
        (vec!["--draws", "0"], "--draws 0"),
        (vec!["--no-label"], "needs labels"),
    ] {
        let (code, _, err) = run(&[&[csv.as_str(), "--quiet"], &args[..]].concat());
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says) && err.contains("fix"), "{args:?}: {err}");
    }
}
