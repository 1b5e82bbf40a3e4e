//! `probe --export DIR` and `probe --init FILE` for every method and encoder: the trained
//! network goes out as Rust `const` arrays and a PyTorch-named safetensors state dict, comes back
//! in through `--init` and scores exactly as it did; mismatches are one-line errors (exit 2);
//! a failed export leaves nothing that looks whole.

use probe::network::Represent;
use probe::run_cli;
use probe::weights::{Checkpoint, LayerWeights, Precision};
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

fn iris() -> String {
    format!("{}/../data/iris.csv", env!("CARGO_MANIFEST_DIR"))
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

fn metrics(dir: &Path, name: &str) -> Value {
    report(dir)["evaluation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} row in {}", dir.display()))["mean"]
        .clone()
}

fn max_diff(a: &LayerWeights, b: &LayerWeights) -> f64 {
    let e1 = a.embedder();
    let e2 = b.embedder();
    assert_eq!(e1.layers.len(), e2.layers.len());
    let mut m = 0.0f64;
    for (x, y) in e1.layers.iter().zip(&e2.layers) {
        assert_eq!((x.inputs, x.outputs), (y.inputs, y.outputs));
        for (u, v) in x.w.iter().zip(&y.w).chain(x.b.iter().zip(&y.b)) {
            m = m.max((u - v).abs());
        }
    }
    m
}

/// Issue 8, defect 1: for every method and encoder, `--init` starts training from the file
/// (a run with a vanishing learning rate ends where the file began, head included) and the
/// report's `init` row is the loaded encoder (it scores exactly as the exporting run's
/// `pretrained` row).
#[test]
fn init_is_used_by_every_method_and_encoder() {
    let dir = tmp("every");
    let csv = iris();
    let methods = ["ntxent", "infonce", "ae", "barlow", "vicreg", "byol", "simsiam"];
    for encoder in ["linear", "mlp"] {
        for method in methods {
            if method == "ae" && encoder == "mlp" {
                continue;
            }
            let tag = format!("{method}-{encoder}");
            let (r1, e1, r2, e2) = (
                dir.join(format!("{tag}-r1")),
                dir.join(format!("{tag}-e1")),
                dir.join(format!("{tag}-r2")),
                dir.join(format!("{tag}-e2")),
            );
            let common = ["--method", method, "--encoder", encoder, "--hidden", "8", "--no-search", "-q"];
            let mut a: Vec<&str> = vec![&csv, "--epochs", "3", "--out", s(&r1), "--export", s(&e1)];
            a.extend(common);
            let (code, _, err) = probe(&a);
            assert_eq!(code, 0, "{tag}: {err}");
            let f1 = e1.join("encoder.safetensors");
            let mut b: Vec<&str> = vec![
                &csv,
                "--epochs",
                "1",
                "--lr",
                "1e-9",
                "--out",
                s(&r2),
                "--export",
                s(&e2),
                "--init",
                s(&f1),
            ];
            b.extend(common);
            let (code, _, err) = probe(&b);
            assert_eq!(code, 0, "{tag}: {err}");
            assert_eq!(metrics(&r2, "init"), metrics(&r1, "pretrained"), "{tag}");
            assert!(report(&r2)["config"]["init"].as_str().unwrap().contains("encoder.safetensors"), "{tag}");
            let (c1, c2) =
                (Checkpoint::read(&f1).unwrap(), Checkpoint::read(&e2.join("encoder.safetensors")).unwrap());
            assert!(
                max_diff(&c1.net.encoder, &c2.net.encoder) < 1e-6,
                "{tag}: training did not start from --init"
            );
            assert_eq!(c1.net.head.is_some(), encoder == "mlp", "{tag}"); // the MLP's default head
            if let (Some(h1), Some(h2)) = (&c1.net.head, &c2.net.head) {
                assert!(max_diff(h1, h2) < 1e-6, "{tag}: the head did not start from --init");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 8, defect 2: `--encoder mlp --export` writes the MLP (both layers, biases, head) to
/// both files, and the file gives exactly the embeddings probe evaluated, in f32 and f64.
#[test]
fn mlp_export_is_the_mlp_in_both_files() {
    let dir = tmp("mlp");
    let csv = iris();
    for (precision, flag) in [(Precision::F32, None), (Precision::F64, Some("--f64"))] {
        let (rep, exp) = (dir.join("r"), dir.join("e"));
        let mut a = vec![
            csv.as_str(),
            "--encoder",
            "mlp",
            "--hidden",
            "8",
            "--epochs",
            "2",
            "-q",
            "--out",
            s(&rep),
            "--export",
            s(&exp),
        ];
        a.extend(flag);
        let (code, _, err) = probe(&a);
        assert_eq!(code, 0, "{err}");
        let c = Checkpoint::read(&exp.join("encoder.safetensors")).unwrap();
        assert_eq!(c.net.precision, precision);
        let LayerWeights::Mlp { hidden, out } = &c.net.encoder else { panic!("not an MLP: {c:?}") };
        // The MLP's default K is 16 whatever d (`settings::resolve::MLP_DIM`).
        assert_eq!((hidden.inputs, hidden.outputs, out.outputs), (4, 8, 16));
        assert!(hidden.b.is_some() && out.b.is_some());
        assert!(matches!(c.net.head, Some(LayerWeights::Mlp { .. })));
        assert_eq!(c.features, ["f0", "f1", "f2", "f3"]);
        let rs = std::fs::read_to_string(exp.join("encoder.rs")).unwrap();
        let t = if precision == Precision::F32 { "f32" } else { "f64" };
        for want in [
            "pub const ARCH: &str = \"mlp\";",
            "pub const H: usize = 8;",
            &format!("pub const W1: [{t}; H * D] = ["),
            &format!("pub const W2: [{t}; K * H] = ["),
        ] {
            assert!(rs.contains(want), "{want} missing from encoder.rs");
        }
        // The file's encoder on the raw CSV rows gives probe's embeddings.csv.
        let st = c.standardization.as_ref().unwrap();
        let raw: Vec<Vec<f64>> = std::fs::read_to_string(&csv)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(4).map(|v| v.parse().unwrap()).collect())
            .collect();
        // embeddings.csv holds the layer the run evaluated (the search may pick the hidden one).
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(rep.join("report.json")).unwrap()).unwrap();
        let layer = match report["config"]["model"]["represent"].as_str() {
            Some("hidden") => Represent::Hidden,
            Some("output") => Represent::Output,
            other => panic!("config.model.represent: {other:?}"),
        };
        let emb = c.net.encoder.embedder().represent(layer);
        let csv_out = std::fs::read_to_string(rep.join("embeddings.csv")).unwrap();
        for (line, x) in csv_out.lines().skip(1).zip(&raw) {
            let xs: Vec<f64> = x.iter().enumerate().map(|(j, v)| (v - st.mean[j]) / st.scale[j]).collect();
            let z = emb.apply(&xs, 4);
            let want: Vec<f64> = line.split(',').skip(3).map(|v| v.parse().unwrap()).collect();
            for (a, b) in z.iter().zip(&want) {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{line}: {z:?}");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn init_mismatches_are_one_line_errors_with_exit_code_2() {
    let dir = tmp("mismatch");
    let csv = iris();
    let exp = dir.join("e");
    let (code, _, err) = probe(&[
        &csv,
        "--encoder",
        "mlp",
        "--hidden",
        "8",
        "--epochs",
        "1",
        "-q",
        "--out",
        s(&dir.join("r")),
        "--export",
        s(&exp),
    ]);
    assert_eq!(code, 0, "{err}");
    let f = exp.join("encoder.safetensors");
    let plane = format!("{}/../data/plane.csv", env!("CARGO_MANIFEST_DIR"));
    let cases: [(&[&str], &str); 5] = [
        (
            &[&csv],
            "the file holds an MLP encoder (\"encoder.0.weight\" (8, 4), \"encoder.2.weight\" (16, 8)) but this run has --encoder linear; fix: pass --encoder mlp --hidden 8",
        ),
        (
            &[&csv, "--encoder", "mlp"],
            "\"encoder.0.weight\" has shape (8, 4), expected (128, 4) for --hidden 128; fix: pass --hidden 8",
        ),
        (
            &[&csv, "--encoder", "mlp", "--hidden", "8", "--dim", "3"],
            "\"encoder.2.weight\" has shape (16, 8), expected (3, 8) for --dim 3; fix: drop --dim or pass --dim 16",
        ),
        (
            &[&plane, "--encoder", "mlp", "--hidden", "8"],
            "\"encoder.0.weight\" has shape (8, 4), expected (8, 3): the CSV has 3 features; fix: ",
        ),
        (
            &[&csv, "--encoder", "mlp", "--hidden", "8", "--head", "linear"],
            "the file's head is mlp but this run has --head linear; fix: pass --head mlp",
        ),
    ];
    let r2 = dir.join("r2");
    for (args, want) in cases {
        let mut a = args.to_vec();
        a.extend(["-q", "--out", s(&r2), "--init", s(&f)]);
        let (code, _, err) = probe(&a);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("error: {}: ", f.display())) && err.contains(want),
            "{err}\nwant: {want}"
        );
    }
    let (code, _, err) = probe(&[&csv, "-q", "--out", s(&dir.join("r")), "--init", "no/such.safetensors"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: no/such.safetensors: cannot read the file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Weights written by Python (`tests/data/make_torch_weights.py`): a bare f16 `weight` loads;
/// a linear encoder with a non-zero bias is refused with the file named and a fix.
#[test]
fn init_reads_weights_written_by_python() {
    let dir = tmp("python");
    let plane = format!("{}/../data/plane.csv", env!("CARGO_MANIFEST_DIR")); // 3 features
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let half = data.join("torch_linear_f16_weight_only.safetensors");
    let (code, out, err) = probe(&[&plane, "--epochs", "1", "--out", s(&dir.join("r")), "--init", s(&half)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("chose --dim 2: the output size of the --init encoder"), "{out}");
    let biased = data.join("torch_linear_3to2.safetensors");
    let (code, _, err) = probe(&[&plane, "-q", "--out", s(&dir.join("r2")), "--init", s(&biased)]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("\"encoder.bias\"[0] is 0.0625: probe's linear encoder has no bias; fix: "),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An export that cannot be written fails with one line and leaves no partial files.
#[test]
fn a_failed_export_leaves_nothing_behind() {
    let dir = tmp("atomic");
    let blocker = dir.join("file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let exp = blocker.join("export");
    let (code, _, err) = probe(&[
        &iris(),
        "--encoder",
        "mlp",
        "--hidden",
        "8",
        "--epochs",
        "1",
        "-q",
        "--out",
        s(&dir.join("r")),
        "--export",
        s(&exp),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("exists and is not a directory; fix: pass --export"), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["file", "r"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn help_lists_export_and_init() {
    let (code, out, _) = probe(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--export <DIR>") && out.contains("[default: no export]"), "{out}");
    assert!(out.contains("--init <FILE>") && out.contains("[default: random"), "{out}");
}

/// State dicts written by PyTorch itself (`safetensors.torch.save_file` of an `nn.Linear` and an
/// `nn.Sequential(Linear, ReLU, Linear)`, `tests/data/torch_roundtrip.py --write-test-data`):
/// probe reads every parameter exactly, embeds as PyTorch did (float64, 1e-12), and `--init`
/// takes them for a run on a CSV with the same number of features.
#[test]
fn reads_state_dicts_written_by_pytorch() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("torch_expected.json")).unwrap()).unwrap();
    let floats =
        |v: &Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect() };
    for (name, want_mlp) in [("torch_linear_4to2", false), ("torch_mlp_4_8_2", true)] {
        let e = &expected[name];
        let c = Checkpoint::read(&data.join(format!("{name}.safetensors"))).unwrap();
        assert_eq!((c.net.precision, c.net.head.is_none()), (Precision::F32, true));
        let mut tensors = Vec::new();
        match &c.net.encoder {
            LayerWeights::Linear(l) if !want_mlp => tensors.push(("encoder.weight", l.w.clone())),
            LayerWeights::Mlp { hidden, out } if want_mlp => {
                tensors.push(("encoder.0.weight", hidden.w.clone()));
                tensors.push(("encoder.0.bias", hidden.b.clone().unwrap()));
                tensors.push(("encoder.2.weight", out.w.clone()));
                tensors.push(("encoder.2.bias", out.b.clone().unwrap()));
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(tensors.len(), e["tensors"].as_object().unwrap().len());
        // float32 in the file; the JSON's decimals parse to within an f64 ulp, exact as f32.
        let f32s = |v: Vec<f64>| -> Vec<f32> { v.into_iter().map(|x| x as f32).collect() };
        for (t, values) in tensors {
            assert!(values.iter().all(|&v| (v as f32) as f64 == v), "{name} {t}: not float32 values");
            assert_eq!(f32s(values), f32s(floats(&e["tensors"][t]["values"])), "{name} {t}");
        }
        let emb = c.net.encoder.embedder();
        for (x, z) in e["inputs"].as_array().unwrap().iter().zip(e["embeddings"].as_array().unwrap()) {
            let got = emb.apply(&floats(x), 4);
            for (a, b) in got.iter().zip(floats(z)) {
                assert!((a - b).abs() <= 1e-12, "{name}: {got:?} vs {z}");
            }
        }
        let dir = tmp(name);
        let encoder = if want_mlp { "mlp" } else { "linear" };
        let f = data.join(format!("{name}.safetensors"));
        let args = [
            iris(),
            "--encoder".into(),
            encoder.into(),
            "--hidden".into(),
            "8".into(),
            "--epochs".into(),
            "1".into(),
        ];
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend(["--out", s(&dir), "--init", s(&f)]);
        let (code, out, err) = probe(&a);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("chose --dim 2: the output size of the --init encoder"), "{out}");
        if want_mlp {
            assert!(out.contains("the file has no head, the head is initialized as usual"), "{out}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
