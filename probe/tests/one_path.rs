//! Issue defect 3: `probe` and `probe compare` train through one path, so the same method and
//! settings give identical per-seed results (losses, collapse guard, every metric), for linear
//! NT-Xent and BYOL on a series dataset and for an MLP encoder on tabular rows.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("one_path").join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str]) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut full = vec!["probe"];
    full.extend_from_slice(args);
    let code = probe::run_cli(full, &mut out, &mut err);
    assert_eq!(code, 0, "{args:?}: {}", String::from_utf8_lossy(&err));
}

fn json(path: PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn data(file: &str) -> String {
    format!("{}/../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `probe FILE --method m` for each method and `probe compare FILE --methods …` with the
/// same `extra` options, and checks every per-seed number agrees.
fn same_results(file: &str, methods: &[&str], extra: &[&str]) {
    let dir = tmp(&format!("{}-{}", file.trim_end_matches(".csv"), methods.join("-")));
    let csv = data(file);
    let cmp = dir.join("compare");
    let list = methods.join(",");
    let mut args = vec!["compare", &csv, "--methods", &list, "--quiet", "--out", cmp.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args);
    let c = json(cmp.join("compare.json"));
    let entry = |name: &str| -> Value {
        c["entries"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap().clone()
    };
    for m in methods {
        let one = dir.join(m);
        let mut args =
            vec![csv.as_str(), "--method", m, "--no-search", "--quiet", "--out", one.to_str().unwrap()];
        args.extend_from_slice(extra);
        run(&args);
        let r = json(one.join("report.json"));
        let e = entry(m);
        let pretrained = &r["evaluation"][3];
        assert_eq!(pretrained["name"], "pretrained");
        assert_eq!(pretrained["runs"], e["runs"], "{file} {m}: per-seed metrics differ");
        assert_eq!(pretrained["mean"], e["mean"], "{file} {m}");
        let training = r["training"].as_array().unwrap();
        let losses: Vec<&Value> = training.iter().map(|t| &t["final_loss"]).collect();
        let guards: Vec<&Value> = training.iter().map(|t| &t["collapse"]).collect();
        assert_eq!(losses, e["final_loss"].as_array().unwrap().iter().collect::<Vec<_>>(), "{m}");
        assert_eq!(guards, e["collapse"].as_array().unwrap().iter().collect::<Vec<_>>(), "{m}");
        assert_eq!(r["evaluation"][2]["runs"], entry("random")["runs"], "{m}: the random encoder");
        for (i, b) in ["raw", "pca"].iter().enumerate() {
            assert_eq!(r["evaluation"][i]["runs"], entry(b)["runs"], "{b}");
        }
        let mut settings = r["config"].clone();
        settings["method"] = c["config"]["method"].clone();
        assert_eq!(settings, c["config"], "{m}: the settings as recorded");
    }
}

#[test]
fn linear_ntxent_and_byol_on_a_series() {
    same_results("basic_motions.csv", &["ntxent", "byol"], &["--repeats", "2", "--epochs", "4"]);
}

#[test]
fn mlp_encoder_on_tabular_rows() {
    same_results(
        "iris.csv",
        &["ntxent", "vicreg"],
        &["--encoder", "mlp", "--hidden", "16", "--repeats", "2", "--epochs", "5", "--seed", "3"],
    );
}
