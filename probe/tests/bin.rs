//! The real binary: help, one error, a small successful run (proves `main` wires `run_cli`
//! to the process's streams and exit code).

use std::process::Command;

fn probe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_probe"))
}

#[test]
fn help_lists_every_option_with_its_default() {
    let o = probe().arg("--help").output().unwrap();
    assert!(o.status.success());
    let h = String::from_utf8(o.stdout).unwrap();
    for opt in [
        "--label",
        "--no-label",
        "--test-frac",
        "--channels",
        "--method",
        "--dim",
        "--epochs",
        "--batch",
        "--lr",
        "--tau",
        "--optimizer",
        "--weight-decay",
        "--aug",
        "--seed",
        "--repeats",
        "--f64",
        "--out",
        "--quiet",
    ] {
        assert!(h.contains(opt), "{opt} missing from --help");
    }
    for default in [
        "[default: label]",
        "[default: 0.3]",
        "[default: ntxent]",
        "[default: 2 for 2-D data, else min(16, d), 16 for an MLP encoder]",
        "[default: 0.5]",
        "[default: adam]",
        "[default: 0]",
        "[default: 1]",
        "[default: reports/<csv stem>/]",
    ] {
        assert!(h.contains(default), "{default} missing from --help:\n{h}");
    }
}

#[test]
fn error_exit_code_and_line() {
    let o = probe().arg("no/such/file.csv").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8(o.stderr).unwrap();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("error: no/such/file.csv: cannot open the file (no such file); fix: "), "{e}");
}

#[test]
fn small_run_and_gen() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe_bin");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("ring.csv");
    let o = probe().args(["gen", "ring", "--out"]).arg(&csv).output().unwrap();
    assert!(o.status.success());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 1025);
    let o = probe().arg(&csv).args(["--epochs", "3", "--out"]).arg(dir.join("r")).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("pretrained"), "{out}");
    assert!(dir.join("r/report.json").exists());
}
