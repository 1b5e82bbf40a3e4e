//! Cross-crate integration tests live in `tests/tests/`; this library holds what several of
//! them share.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What one in-process run of the `probe` command line returned.
pub struct Run {
    /// Exit code (0 success, 2 user error).
    pub code: i32,
    /// Standard output.
    pub out: String,
    /// Standard error.
    pub err: String,
}

/// Runs `probe ARGS…` in-process through `probe::run_cli`, capturing both streams.
pub fn run(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut full = vec!["probe"];
    full.extend_from_slice(args);
    let code = probe::run_cli(full, &mut out, &mut err);
    Run { code, out: String::from_utf8(out).unwrap(), err: String::from_utf8(err).unwrap() }
}

/// Writes `contents` to `dir/name` and returns its path.
pub fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p.to_str().unwrap().to_string()
}

/// Asserts exit code 2 and a single error line, with a fix, containing every fragment.
pub fn assert_error(r: &Run, fragments: &[&str]) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.out, r.err);
    let line = r.err.trim_end();
    assert!(!line.contains('\n'), "not one line: {line:?}");
    assert!(line.starts_with("error: "), "{line}");
    assert!(line.contains("; fix: "), "no fix in: {line}");
    for f in fragments {
        assert!(line.contains(f), "{f:?} missing from: {line}");
    }
}

/// The `report.json` a run wrote to `dir`.
pub fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// `data/iris.csv` with every feature times `f`, then `edit(row, features)`, written to
/// `dir/name` (features as `{:e}`, the shortest form that reads back exactly); returns its path.
pub fn scaled_iris(dir: &Path, name: &str, f: f64, edit: impl Fn(usize, &mut [f64])) -> String {
    let iris = include_str!("../../data/iris.csv");
    let mut lines = iris.lines();
    let mut s = format!("{}\n", lines.next().unwrap());
    for (r, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let mut v: Vec<f64> = cells[..4].iter().map(|c| c.parse::<f64>().unwrap() * f).collect();
        edit(r, &mut v);
        let v: Vec<String> = v.iter().map(|x| format!("{x:e}")).collect();
        let _ = writeln!(s, "{},{}", v.join(","), cells[4..].join(","));
    }
    write(dir, name, s.as_bytes())
}

/// `data/FILE` with the split of the issues' baseline tables (`label` column, 30 % test,
/// seed 0).
pub fn dataset(file: &str) -> probe::dataset::Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(file);
    let opts = probe::dataset::LoadOptions::default();
    probe::dataset::load(&path, &opts).unwrap_or_else(|e| panic!("{e}"))
}

/// An empty scratch directory `root/name` for one test (emptied if it exists).
pub fn scratch_in(root: &Path, name: &str) -> PathBuf {
    let d = root.join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
