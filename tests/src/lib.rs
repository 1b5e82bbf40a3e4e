//! Cross-crate integration tests live in `tests/tests/`; this library holds what several of
//! them share.

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

/// An empty scratch directory `root/name` for one test (emptied if it exists).
pub fn scratch_in(root: &Path, name: &str) -> PathBuf {
    let d = root.join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
