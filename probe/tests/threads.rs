//! Runs (seeds, and the methods of `probe compare`) train and are scored on several threads;
//! the results do not depend on the thread count: `--threads 1` and `--threads 2` write
//! byte-identical `report.json`, `embeddings.csv` and `compare.json`.

use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("threads").join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str]) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut full = vec!["probe"];
    full.extend_from_slice(args);
    assert_eq!(probe::run_cli(full, &mut out, &mut err), 0, "{args:?}: {}", String::from_utf8_lossy(&err));
}

fn data(file: &str) -> String {
    format!("{}/../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn report_is_the_same_on_one_and_two_threads() {
    let iris = data("iris.csv");
    let dirs: Vec<PathBuf> = ["1", "2"].iter().map(|t| tmp(&format!("run{t}"))).collect();
    for (t, dir) in ["1", "2"].iter().zip(&dirs) {
        let args = ["--method", "byol", "--repeats", "3", "--epochs", "6", "--threads", t, "--quiet"];
        run(&[&[iris.as_str()], &args[..], &["--out", dir.to_str().unwrap()]].concat());
    }
    for f in ["report.json", "embeddings.csv"] {
        let a = std::fs::read(dirs[0].join(f)).unwrap();
        assert_eq!(a, std::fs::read(dirs[1].join(f)).unwrap(), "{f}");
    }
}

#[test]
fn compare_is_the_same_on_one_and_two_threads() {
    let csv = data("basic_motions.csv");
    let dirs: Vec<PathBuf> = ["1", "2"].iter().map(|t| tmp(&format!("compare{t}"))).collect();
    for (t, dir) in ["1", "2"].iter().zip(&dirs) {
        let args =
            ["--methods", "ntxent,simsiam,ae", "--repeats", "2", "--epochs", "3", "--threads", t, "--quiet"];
        run(&[&["compare", csv.as_str()], &args[..], &["--out", dir.to_str().unwrap()]].concat());
    }
    let a = std::fs::read(dirs[0].join("compare.json")).unwrap();
    assert_eq!(a, std::fs::read(dirs[1].join("compare.json")).unwrap());
}
