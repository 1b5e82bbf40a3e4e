//! Successful runs through `probe::run_cli`: every method and precision, series detection,
//! divergence handling and `probe gen`. Few epochs: these check wiring and reports, not accuracy.

use std::path::{Path, PathBuf};

use selfsup_tests::{Run, report, run, scratch_in};

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    scratch_in(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe_runs"), name)
}

fn data(file: &str) -> String {
    format!("{}/../data/{file}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_method_and_precision_runs_on_the_ring() {
    let d = scratch("methods");
    let ring = data("ring.csv");
    for (i, extra) in [
        vec!["--method", "ntxent"],
        vec!["--method", "infonce", "--f64"],
        vec!["--method", "ae", "--optimizer", "sgd"],
    ]
    .iter()
    .enumerate()
    {
        let o = d.join(i.to_string());
        let mut args = vec![ring.as_str(), "--epochs", "3", "--quiet", "--out", o.to_str().unwrap()];
        args.extend_from_slice(extra);
        let Run { code, err, .. } = run(&args);
        assert_eq!(code, 0, "{extra:?}: {err}");
        let r = report(&o);
        assert_eq!(r["config"]["method"], extra[1]);
        assert_eq!(r["training"][0]["loss_per_epoch"].as_array().unwrap().len(), 3);
        let names: Vec<&str> =
            r["evaluation"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["raw", "pca", "random", "pretrained"]);
        for e in r["evaluation"].as_array().unwrap() {
            let acc = e["mean"]["linear_probe_accuracy"].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&acc));
        }
    }
    assert_eq!(report(&d.join("1"))["config"]["precision"], "f64");
    assert_eq!(report(&d.join("2"))["config"]["aug"], "none");
}

#[test]
fn basic_motions_is_recognised_as_six_channels() {
    let d = scratch("series");
    let o = d.join("bm");
    let Run { code, out, err } =
        run(&[&data("basic_motions.csv"), "--epochs", "2", "--no-search", "--out", o.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("series"), "{out}");
    let r = report(&o);
    assert_eq!(r["input"]["kind"], "series");
    assert_eq!(r["input"]["channels"], 6);
    assert_eq!(r["input"]["length"], 100);
    assert_eq!(r["input"]["series_detected_by"], "header");
    assert_eq!(r["config"]["encoder_input"], "series standardized per channel");
    assert_eq!(r["config"]["dim"], 16);
    assert_eq!(r["config"]["aug"], "jitter:0.1,scale:0.2,shift:0.05");
    // Raw features follow the scikit-learn protocol exactly (BASELINES.md: 72.50 LR, 77.50 kNN w).
    assert_eq!(r["evaluation"][0]["mean"]["linear_probe_accuracy"], 72.5);
    assert_eq!(r["evaluation"][0]["mean"]["knn_k20_weighted"], 77.5);
    let chosen = r["config"]["chosen"].as_array().unwrap();
    assert!(
        chosen
            .iter()
            .any(|c| c["option"] == "--aug" && c["reason"].as_str().unwrap().contains("time series"))
    );
}

/// The case: an autoencoder at `--lr 1000` explodes within its first epoch (loss
/// ~1e10 from then on), which a comparison with the first epoch alone never sees.
#[test]
fn an_autoencoder_exploding_in_its_first_epoch_is_divergence() {
    let d = scratch("diverge-first-epoch");
    let Run { code, err, .. } =
        run(&[&data("digits.csv"), "--method", "ae", "--lr", "1000", "--out", d.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: training diverged at epoch 1: "), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn divergence_stops_with_advice() {
    let d = scratch("diverge");
    let Run { code, err, .. } = run(&[
        &data("plane.csv"),
        "--method",
        "ae",
        "--optimizer",
        "sgd",
        "--lr",
        "50",
        "--epochs",
        "20",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: training diverged at epoch "), "{err}");
    assert!(err.contains("lower the learning rate (now --lr 50), e.g. --lr 5"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn gen_writes_the_committed_datasets() {
    for (kind, file) in [("ring", "ring.csv"), ("plane", "plane.csv")] {
        let Run { code, out, err } = run(&["gen", kind]);
        assert_eq!(code, 0, "{err}");
        let committed = std::fs::read_to_string(data(file)).unwrap();
        assert_eq!(out, committed, "data/{file} is not what `probe gen {kind}` writes");
    }
}

/// `probe compare` refuses the run options it would ignore (issue 10, item 5).
#[test]
fn compare_refuses_options_it_would_ignore() {
    for (opt, val, want) in [("--method", "byol", "--methods"), ("--export", "/tmp/never", "does not export")]
    {
        let Run { code, err, .. } = run(&["compare", &data("iris.csv"), opt, val, "--epochs", "1"]);
        assert_eq!(code, 2, "{opt}: {err}");
        assert!(err.contains(want) && err.lines().count() == 1, "{opt}: {err}");
    }
}

/// Only the plain run searches; every other command refuses `--no-search` instead of ignoring
/// it.
#[test]
fn commands_that_never_search_refuse_no_search() {
    for cmd in ["compare", "anomaly", "sweep", "labels"] {
        let mut args = vec![cmd, "--no-search", "--epochs", "1"];
        let csv = data("iris.csv");
        args.insert(1, &csv);
        if cmd == "sweep" {
            args.extend(["--vary", "tau=0.1,0.2"]);
        }
        let Run { code, err, .. } = run(&args);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(err.contains("never searches") && err.lines().count() == 1, "{cmd}: {err}");
    }
}

/// The export holds the whole MLP; when the report evaluated its hidden layer the terminal says
/// which part of the exported encoder gives that representation, and says nothing otherwise.
#[test]
fn an_export_of_a_hidden_layer_run_says_which_layer_was_evaluated() {
    let note = "apply only its first layer";
    for (represent, says) in [("hidden", true), ("output", false)] {
        let dir = scratch(&format!("export_{represent}"));
        let (exp, out) = (dir.join("export"), dir.join("out"));
        let r = run(&[
            &data("iris.csv"),
            "--no-search",
            "--encoder",
            "mlp",
            "--represent",
            represent,
            "--epochs",
            "3",
            "--export",
            exp.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(r.out.contains("exported the encoder"), "{}", r.out);
        assert_eq!(r.out.contains(note), says, "--represent {represent}: {}", r.out);
    }
}

/// Digits' `pixel_{row}_{col}` header makes an 8 × 8 image: the report says so, the encoders
/// see the image standardized as a whole, and a translation runs; `--image` declares the same
/// layout for other names.
#[test]
fn digits_are_an_image_and_translate() {
    let d = scratch("image");
    let o = d.join("header");
    let args = [data("digits.csv"), "--no-search".into(), "--epochs".into(), "2".into()];
    let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
    a.extend(["--aug", "translate:0.5,noise:0.5", "--quiet", "--out", o.to_str().unwrap()]);
    let Run { code, err, .. } = run(&a);
    assert_eq!(code, 0, "{err}");
    let r = report(&o);
    assert_eq!(r["input"]["kind"], "image");
    assert_eq!(r["input"]["image"], serde_json::json!([8, 8]));
    assert_eq!(r["input"]["image_detected_by"], "header");
    assert_eq!(r["config"]["encoder_input"], "image standardized as a whole");
    assert_eq!(r["config"]["aug"], "translate:0.5,noise:0.5");
    // the same pixels under other names are tabular unless declared
    let csv = std::fs::read_to_string(data("digits.csv")).unwrap();
    let (head, rest) = csv.split_once('\n').unwrap();
    let renamed: Vec<String> =
        head.split(',').enumerate().map(|(i, h)| if i < 64 { format!("f{i}") } else { h.into() }).collect();
    let file = d.join("digits_f.csv");
    std::fs::write(&file, format!("{}\n{rest}", renamed.join(","))).unwrap();
    for (extra, kind) in [(None, "tabular"), (Some("8x8"), "image")] {
        let o = d.join(kind);
        let mut a = vec![
            file.to_str().unwrap(),
            "--no-search",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            o.to_str().unwrap(),
        ];
        if let Some(s) = extra {
            a.extend(["--image", s]);
        }
        let Run { code, err, .. } = run(&a);
        assert_eq!(code, 0, "{err}");
        assert_eq!(report(&o)["input"]["kind"], kind);
    }
}
