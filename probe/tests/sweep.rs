//! `probe sweep`: each point is the `probe` run its command line names (the same scores), its
//! settings differ from the base in the varied field only, the report does not depend on the
//! thread count, and bad factors are one error line with exit code 2.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep").join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str]) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut full = vec!["probe"];
    full.extend_from_slice(args);
    let code = probe::run_cli(full, &mut out, &mut err);
    (code, String::from_utf8_lossy(&err).into_owned())
}

fn iris() -> String {
    format!("{}/../data/iris.csv", env!("CARGO_MANIFEST_DIR"))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn sweep(dir: &Path, threads: &str) {
    let csv = iris();
    let args = [
        "sweep",
        csv.as_str(),
        "--vary",
        "tau=0.2,0.5",
        "--vary",
        "normalize=l2,none",
        "--vary",
        "aug=0.5",
        "--repeats",
        "2",
        "--epochs",
        "4",
        "--threads",
        threads,
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ];
    let (code, err) = run(&args);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn sweep_is_the_same_on_one_and_two_threads_and_each_point_is_a_probe_run() {
    let dirs = [tmp("t1"), tmp("t2")];
    sweep(&dirs[0], "1");
    sweep(&dirs[1], "2");
    let a = std::fs::read(dirs[0].join("sweep.json")).unwrap();
    assert_eq!(a, std::fs::read(dirs[1].join("sweep.json")).unwrap());
    for f in ["tau.svg", "normalize.svg", "aug.svg", "loss_vs_accuracy.svg", "sweep.md"] {
        assert!(dirs[0].join(f).exists(), "{f}");
    }

    let r = json(&dirs[0].join("sweep.json"));
    let points = r["points"].as_array().unwrap();
    // tau=0.5 and normalize=l2 are both the base: run once, reported twice.
    let labels: Vec<String> = points
        .iter()
        .map(|p| p["set"][0][0].as_str().unwrap().to_string() + "=" + p["set"][0][1].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["tau=0.2", "tau=0.5", "normalize=l2", "normalize=none", "aug=0.5"]);
    assert_eq!(points[1]["pretrained"], points[2]["pretrained"]);
    let points: Vec<Value> =
        points.iter().enumerate().filter(|(i, _)| *i != 2).map(|(_, p)| p.clone()).collect();

    // Each point's settings are the base's with the varied field changed.
    let base = &r["base"];
    let field = |p: &Value, path: &[&str]| path.iter().fold(p.clone(), |v, k| v[*k].clone());
    for (p, (path, want)) in points.iter().zip([
        (vec!["tau"], Value::from(0.2)),
        (vec!["tau"], Value::from(0.5)),
        (vec!["model", "normalize"], Value::from("none")),
        (vec!["aug"], Value::from("noise:0.25")),
    ]) {
        let mut s = p["settings"].clone();
        assert_eq!(field(&s, &path), want, "{path:?}");
        let mut b = base.clone();
        for v in [&mut s, &mut b] {
            let mut t = &mut *v;
            for k in &path[..path.len() - 1] {
                t = &mut t[*k];
            }
            t[path[path.len() - 1]] = Value::Null;
            v["chosen"] = Value::Null;
            for k in ["encoder_input", "probe_c", "knn_temperature"] {
                if let Some(o) = v.as_object_mut() {
                    o.remove(k);
                }
            }
        }
        assert_eq!(s, b, "{path:?}: only the varied field differs");
    }

    // The point normalize=none is exactly `probe` with its command line.
    let cmd = points[2]["command"].as_str().unwrap();
    let dir = tmp("plain");
    let mut args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    let out = dir.to_str().unwrap();
    args.extend(["--quiet", "--out", out]);
    let (code, err) = run(&args);
    assert_eq!(code, 0, "{cmd}: {err}");
    let plain = json(&dir.join("report.json"));
    let pretrained =
        plain["evaluation"].as_array().unwrap().iter().find(|e| e["name"] == "pretrained").unwrap();
    assert_eq!(pretrained["runs"], points[2]["pretrained"]["runs"]);
    let losses: Vec<f64> =
        plain["training"].as_array().unwrap().iter().map(|t| t["final_loss"].as_f64().unwrap()).collect();
    let mean = losses.iter().sum::<f64>() / losses.len() as f64;
    assert_eq!(mean, points[2]["final_loss"]["mean"].as_f64().unwrap());
}

#[test]
fn bad_factors_are_one_error_line() {
    let csv = iris();
    for (vary, want) in [
        ("speed=1,2", "unknown factor"),
        ("tau=0.1,0.1", "repeats a value"),
        ("tau=abc", "not a number"),
        ("queue=8", "--method infonce"),
        ("normalize=maybe", "not one of"),
        ("aug=-1", "zero or positive"),
        ("batch=100000", "sweep point batch=100000: fewer training rows"),
    ] {
        let (code, err) = run(&[
            "sweep",
            csv.as_str(),
            "--vary",
            vary,
            "--epochs",
            "1",
            "--quiet",
            "--out",
            "/nonexistent/x",
        ]);
        assert_eq!(code, 2, "{vary}: {err}");
        assert!(err.contains(want), "{vary}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{vary}: {err}");
        assert_eq!(err.matches("fix:").count(), 1, "{vary}: {err}");
    }
    let (code, err) = run(&[csv.as_str(), "--method", "byol", "--normalize", "none"]);
    assert_eq!(code, 2, "{err}");
}
