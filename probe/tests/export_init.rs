//! `probe --export DIR` and `probe --init FILE`: the trained encoder goes out as Rust `const`
//! arrays and safetensors, comes back in through safetensors and scores exactly as it did;
//! weights written by Python's `safetensors` load; mismatches are one-line errors.

use probe::run_cli;
use probe::safetensors_io::{EncoderWeights, Precision};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("selfsup-export-init-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn probe(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_cli(std::iter::once("probe").chain(args.iter().copied()), &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn metrics(report_dir: &Path, name: &str) -> Value {
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(report_dir.join("report.json")).unwrap()).unwrap();
    r["evaluation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} row in {}", report_dir.display()))["mean"]
        .clone()
}

#[test]
fn export_then_init_scores_the_same_encoder() {
    let dir = tmp("roundtrip");
    let csv = dir.join("ring.csv");
    assert_eq!(probe(&["gen", "ring", "--out", s(&csv)]).0, 0);
    let (rep1, rep2, exp) = (dir.join("r1"), dir.join("r2"), dir.join("export"));
    let (code, out, err) = probe(&[s(&csv), "--epochs", "3", "--out", s(&rep1), "--export", s(&exp)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("exported the encoder (seed 0) to"), "{out}");
    let w = EncoderWeights::read(&exp.join("encoder.safetensors")).unwrap();
    assert_eq!((w.k, w.d, w.precision, w.bias.is_none()), (2, 2, Precision::F32, true));
    assert_eq!(w.features, ["x0", "x1"]);
    assert!(w.input_mean.is_some() && w.input_scale.is_some());
    let rs = std::fs::read_to_string(exp.join("encoder.rs")).unwrap();
    assert!(rs.contains("pub const W: [f32; K * D] = [") && rs.contains("pub const FEATURES: [&str; D] = ["));

    // Back in: the initial encoder of the second run is the first run's trained one, on the
    // same split and evaluation seed, so its scores are identical.
    let init = exp.join("encoder.safetensors");
    let (code, out, err) = probe(&[s(&csv), "--epochs", "1", "--out", s(&rep2), "--init", s(&init)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("chose --dim 2: the output size of the --init encoder"), "{out}");
    assert_eq!(metrics(&rep2, "init"), metrics(&rep1, "pretrained"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn init_reads_weights_written_by_python() {
    let dir = tmp("python");
    let csv = dir.join("plane.csv"); // 3 features, as the committed nn.Linear(3, 2)
    assert_eq!(probe(&["gen", "plane", "--out", s(&csv)]).0, 0);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let half = data.join("torch_linear_f16_weight_only.safetensors");
    let (code, _, err) =
        probe(&[s(&csv), "--epochs", "1", "-q", "--out", s(&dir.join("r")), "--init", s(&half)]);
    assert_eq!(code, 0, "{err}");
    let init = metrics(&dir.join("r"), "init");
    assert!(init["linear_probe_accuracy"].as_f64().unwrap() > 0.0);

    // The f32 file has a non-zero bias: refused with the file named and a fix.
    let biased = data.join("torch_linear_3to2.safetensors");
    let (code, _, err) = probe(&[s(&csv), "-q", "--out", s(&dir.join("r2")), "--init", s(&biased)]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("torch_linear_3to2.safetensors: \"encoder.bias\"[0] is 0.0625: probe's encoders have no bias; fix: "), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn init_shape_mismatches_are_one_line_errors() {
    let dir = tmp("mismatch");
    let csv = dir.join("ring.csv"); // 2 features; the committed encoders take 3
    assert_eq!(probe(&["gen", "ring", "--out", s(&csv)]).0, 0);
    let half =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/torch_linear_f16_weight_only.safetensors");
    let (code, _, err) = probe(&[s(&csv), "-q", "--out", s(&dir.join("r")), "--init", s(&half)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("\"encoder.weight\" has 3 inputs (shape (2, 3)) but")
            && err.contains("has 2 features; fix: "),
        "{err}"
    );
    let csv3 = dir.join("plane.csv");
    assert_eq!(probe(&["gen", "plane", "--out", s(&csv3)]).0, 0);
    let (code, _, err) =
        probe(&[s(&csv3), "-q", "--dim", "3", "--out", s(&dir.join("r")), "--init", s(&half)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--dim 3 but the --init encoder") && err.contains("fix: drop --dim or pass --dim 2"),
        "{err}"
    );
    let (code, _, err) =
        probe(&[s(&csv3), "-q", "--out", s(&dir.join("r")), "--init", "no/such.safetensors"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: no/such.safetensors: cannot read the file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_lists_export_and_init() {
    let (code, out, _) = probe(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--export <DIR>") && out.contains("[default: no export]"), "{out}");
    assert!(out.contains("--init <FILE>") && out.contains("[default: random"), "{out}");
}
