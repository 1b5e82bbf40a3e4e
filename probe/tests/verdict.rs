//! The verdict end to end on tiny synthetic inputs: the first line of the terminal results and
//! of `report.md` (under the title), the `verdict` object of `report.json`, the 2-D note, and no
//! verdict without labels. The outcome rules themselves are tested in `output::verdict`.

use probe::run_cli;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("selfsup-verdict-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Two classes of `n` rows each in `d` features: class c is centred at ±1 on the first feature,
/// with a deterministic spread on the others.
fn blobs(dir: &std::path::Path, n: usize, d: usize) -> PathBuf {
    let mut s = (0..d).map(|j| format!("x{j}")).collect::<Vec<_>>().join(",");
    s.push_str(",label\n");
    for i in 0..2 * n {
        let c = i % 2;
        for j in 0..d {
            let v = if j == 0 { if c == 0 { -1.0 } else { 1.0 } } else { 0.0 };
            let wiggle = (((i * 7 + j * 13) % 11) as f64 - 5.0) / 10.0;
            let _ = write!(s, "{},", v + wiggle);
        }
        let _ = writeln!(s, "{c}");
    }
    let p = dir.join("blobs.csv");
    std::fs::write(&p, s).unwrap();
    p
}

fn run(args: &[&str]) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_cli(std::iter::once("probe").chain(args.iter().copied()), &mut out, &mut err);
    (code, String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap())
}

fn outputs(dir: &std::path::Path) -> (Value, String) {
    let json = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    (json, std::fs::read_to_string(dir.join("report.md")).unwrap())
}

#[test]
fn the_verdict_ends_the_terminal_leads_report_md_and_is_in_report_json() {
    let dir = tmp("tab");
    let csv = blobs(&dir, 20, 4);
    let out = dir.join("out");
    let (code, text) = run(&[
        csv.to_str().unwrap(),
        "--epochs",
        "3",
        "--dim",
        "2",
        "--repeats",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    let (json, md) = outputs(&out);
    let v = &json["verdict"];
    let summary = v["summary"].as_str().unwrap();
    assert_eq!(v["split"], "test");
    assert_eq!(v["seeds"], 2);
    assert!(["helps", "mixed", "on-par", "does-not-help"].contains(&v["outcome"].as_str().unwrap()));
    assert!(v["note"].is_null(), "K = 2 < d = 4: no note");
    for m in v["margins"].as_array().unwrap() {
        let best = m["raw"].as_f64().unwrap().max(m["pca"].as_f64().unwrap());
        assert!((m["pretrained"].as_f64().unwrap() - best - m["margin"].as_f64().unwrap()).abs() < 1e-9);
    }
    // The terminal ends with the verdict, after the table; report.md's first line under the
    // title is it.
    assert!(text.lines().any(|l| l.starts_with("representation")), "{text}");
    assert_eq!(text.lines().last(), Some(format!("verdict: {summary}").as_str()), "{text}");
    assert_eq!(md.lines().nth(2), Some(format!("**Verdict:** {summary}").as_str()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_linear_encoder_with_k_at_least_d_says_it_cannot_beat_raw_features() {
    let dir = tmp("2d");
    let csv = blobs(&dir, 20, 2);
    let out = dir.join("out");
    let (code, text) = run(&[
        csv.to_str().unwrap(),
        "--quiet",
        "--epochs",
        "3",
        "--encoder",
        "linear",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    let (json, _) = outputs(&out);
    let note = json["verdict"]["note"].as_str().unwrap();
    assert!(note.starts_with("a linear 2 → 2 encoder cannot beat raw features"), "{note}");
    assert!(json["verdict"]["summary"].as_str().unwrap().ends_with(note));
    // An MLP encoder can: no note.
    let out = dir.join("mlp");
    let args = [
        csv.to_str().unwrap(),
        "--quiet",
        "--epochs",
        "3",
        "--encoder",
        "mlp",
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, text) = run(&args);
    assert_eq!(code, 0, "{text}");
    assert!(outputs(&out).0["verdict"]["note"].is_null());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_labels_no_verdict() {
    let dir = tmp("nolabel");
    let csv = blobs(&dir, 10, 3);
    let out = dir.join("out");
    let args =
        [csv.to_str().unwrap(), "--quiet", "--no-label", "--epochs", "2", "--out", out.to_str().unwrap()];
    let (code, text) = run(&args);
    assert_eq!(code, 0, "{text}");
    let (json, md) = outputs(&out);
    assert!(json["verdict"].is_null());
    assert!(!md.contains("**Verdict:**"));
    let _ = std::fs::remove_dir_all(&dir);
}
