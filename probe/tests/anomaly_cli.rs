//! `probe anomaly` end to end on iris: the report's files and fields, the baselines in the same
//! table, `--normal`, byte-identical reports for the same seed, `--no-label` scores, and one
//! clear error line with exit code 2 for bad options.

use std::path::{Path, PathBuf};

fn iris() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/iris.csv")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut all = vec!["probe", "anomaly"];
    all.extend_from_slice(args);
    let code = probe::run_cli(all, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("probe-anomaly-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The `report.json` a run wrote into `dir`.
fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// `probe anomaly iris.csv --normal 1 --quiet EXTRA…` into `dir`: its report, after checking
/// that it succeeded.
fn normal_one(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![iris().to_str().unwrap().to_string(), "--out".into(), dir.to_str().unwrap().into()];
    args.extend(["--normal", "1", "--quiet"].iter().chain(extra).map(|a| a.to_string()));
    let (code, _, err) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    report(dir)
}

#[test]
fn one_vs_rest_report_with_baselines_and_roc() {
    let dir = tmp("ovr");
    let (code, out, err) = run(&[iris().to_str().unwrap(), "--out", dir.to_str().unwrap(), "--repeats", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("| ssl_euc") && out.contains("| iforest |"), "{out}");
    let json = report(&dir);
    assert_eq!(json["schema"], "probe-anomaly/2");
    assert_eq!(json["tasks"].as_array().unwrap().len(), 3, "one task per class");
    let names: Vec<&str> =
        json["detectors"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    // `--knn auto`: each encoder family with the k chosen on the training rows.
    let k = json["knn"].as_u64().unwrap();
    assert_eq!(names[0], format!("ssl_euc{k}"));
    for (name, family) in names[..4].iter().zip(["ssl_euc", "ssl_cos", "random_euc", "random_cos"]) {
        let k: usize = name.strip_prefix(family).unwrap().parse().unwrap();
        assert!([1, 3, 5, 10].contains(&k), "{name}");
    }
    let chosen = json["chosen"][0][1].as_array().unwrap().iter().find(|c| c["option"] == "--knn").unwrap();
    assert_eq!(chosen["value"], k.to_string());
    assert!(chosen["reason"].as_str().unwrap().contains("k 10: "), "{chosen}");
    assert_eq!(
        names[4..],
        ["knn_euclidean_1", "knn_euclidean_5", "knn_cosine_1", "knn_cosine_5", "pca_recon", "iforest"]
    );
    let ssl = &json["detectors"][0];
    assert_eq!(ssl["auroc_per_run"].as_array().unwrap().len(), 2, "one value per seed");
    for d in json["detectors"].as_array().unwrap() {
        let a = d["auroc"][0].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&a), "{}: {a}", d["name"]);
    }
    // Cross-fitting: all 35 training rows of the class train the final detector and each has
    // an out-of-fold calibration score.
    assert_eq!(json["tasks"][0]["calibration_rows"], 35);
    assert_eq!(json["tasks"][0]["fit_rows"], 35);
    let svg = std::fs::read_to_string(dir.join("roc.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains(names[0]) && !svg.contains(names[1]));
    assert!(std::fs::read_to_string(dir.join("report.md")).unwrap().contains("| iforest |"));

    // The same seed gives a byte-identical report.
    let again = tmp("ovr-again");
    let (code, _, err) = run(&[iris().to_str().unwrap(), "--out", again.to_str().unwrap(), "--repeats", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(dir.join("report.json")).unwrap(),
        std::fs::read(again.join("report.json")).unwrap()
    );
}

#[test]
fn one_normal_class_and_unlabelled_scores() {
    let dir = tmp("normal");
    let json = normal_one(&dir, &[]);
    assert_eq!(json["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(json["tasks"][0]["class"], "1");
    // Tabular rows: the one-class temperature unless --tau is given.
    assert_eq!(json["config"]["tau"], 0.02);
    assert!(json["chosen"][0][1].as_array().unwrap().iter().any(|c| c["option"] == "--tau"));
    let json = normal_one(&dir, &["--tau", "0.5"]);
    assert_eq!(json["config"]["tau"], 0.5, "--tau given: kept");
    assert_eq!(json["config"]["shifted"], 0);
    assert_eq!(json["config"]["batch"], 35);
    let json = normal_one(&dir, &["--shifted", "2"]);
    assert_eq!(json["config"]["shifted"], 2);
    // The 35 normal rows and their 2 shifted copies are the encoder's training rows (one batch).
    assert_eq!(json["config"]["batch"], 105);

    let dir = tmp("nolabel");
    let (code, _, err) =
        run(&[iris().to_str().unwrap(), "--out", dir.to_str().unwrap(), "--no-label", "--quiet"]);
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(dir.join("scores.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "row,score,flag");
    assert_eq!(rows.len(), 151, "every row scored");
    let flagged = rows[1..].iter().filter(|r| r.ends_with(",1")).count();
    assert!(flagged <= 7, "at most 5 % of 150 rows above the threshold: {flagged}");
    // --no-label trains with the same one-class defaults as the labelled protocol (tabular: the
    // one-class temperature), not the main run's.
    let scores = |extra: &[&str]| {
        let d = tmp(&format!("nolabel{}", extra.join("")));
        let mut a = vec![iris().to_str().unwrap().to_string(), "--out".into(), d.to_str().unwrap().into()];
        a.extend(["--no-label", "--quiet"].iter().chain(extra).map(|s| s.to_string()));
        let (code, _, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code, 0, "{err}");
        std::fs::read_to_string(d.join("scores.csv")).unwrap()
    };
    assert_eq!(csv, scores(&["--tau", "0.02"]), "--no-label uses the one-class temperature");
    assert_ne!(csv, scores(&["--tau", "0.5"]), "not the main run's");
}

/// Eight training rows per class cannot set a 5 % false-positive rate: a warning gives the
/// rate to expect (1/9) and the rows needed, report.json each class's expected rate; the
/// input's notes (here a row-id column) are printed and kept in the report.
#[test]
fn few_normal_rows_warn_of_the_rate_to_expect() {
    let dir = tmp("few");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(iris()).unwrap();
    let mut kept = [0usize; 3];
    let mut csv = format!("id,{}\n", text.lines().next().unwrap());
    for (i, line) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let (split, class) = (f[4], f[5].parse::<usize>().unwrap());
        if split == "train" {
            if kept[class] == 8 {
                continue;
            }
            kept[class] += 1;
        }
        csv.push_str(&format!("{i},{line}\n"));
    }
    let file = dir.join("few.csv");
    std::fs::write(&file, csv).unwrap();
    let out = dir.join("out");
    let (code, text, err) =
        run(&[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--drop", "id", "--epochs", "20"]);
    assert_eq!(code, 0, "{err}");
    assert!(!text.contains("row id"), "--drop id: no note: {text}");
    let (code, text, err) = run(&[file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--epochs", "20"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("few.csv: column 1 (\"id\") holds a different integer"), "{text}");
    let warning = text.lines().find(|l| l.starts_with("warning: normal class 0:")).expect(&text);
    assert!(warning.contains("8 calibration scores") && warning.contains("1/9 = 11.1 %"), "{warning}");
    assert!(warning.contains("19 or more training rows"), "{warning}");
    let json = report(&out);
    assert!(json["notes"][0].as_str().unwrap().contains("like a row id"), "{}", json["notes"]);
    for t in json["tasks"].as_array().unwrap() {
        assert_eq!(t["calibration_rows"], 8);
        assert_eq!(t["expected_fpr"].as_f64().unwrap(), 1.0 / 9.0);
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| 0 | 8 | 8 | 11.1 |"), "{md}");
    // Enough rows: no warning (iris, 35 training rows per class: 2/36 = 5.6 %).
    let json = normal_one(&tmp("enough"), &[]);
    assert_eq!(json["tasks"][0]["expected_fpr"].as_f64().unwrap(), 2.0 / 36.0);
}

#[test]
fn knn_auto_never_reads_the_test_rows() {
    // The iris CSV with every test row's features replaced: the choice of k and its validation
    // AUROCs stay, the test scores change.
    let dir = tmp("auto");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(iris()).unwrap();
    let moved: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split(',').collect();
            if i == 0 || f[4] != "test" {
                return format!("{l}\n");
            }
            let x: Vec<String> =
                f[..4].iter().map(|v| format!("{}", v.parse::<f64>().unwrap() * 1.3 + 0.2)).collect();
            format!("{},{},{}\n", x.join(","), f[4], f[5])
        })
        .collect();
    let p = dir.join("moved.csv");
    std::fs::write(&p, moved).unwrap();
    let knn_choice = |csv: &Path, extra: &[&str]| {
        let out = dir.join("out");
        let mut a = vec![csv.to_str().unwrap(), "--out", out.to_str().unwrap(), "--normal", "1", "--quiet"];
        a.extend_from_slice(extra);
        let (code, _, err) = run(&a);
        assert_eq!(code, 0, "{err}");
        let json = report(&out);
        let c = json["chosen"][0][1].as_array().unwrap().iter().find(|c| c["option"] == "--knn").cloned();
        (c, json["detectors"][0]["auroc"][0].as_f64().unwrap(), json["detectors"][0]["name"].clone())
    };
    let (a, auroc_a, _) = knn_choice(&iris(), &[]);
    let (b, auroc_b, _) = knn_choice(&p, &[]);
    assert!(a.is_some());
    assert_eq!(a, b, "the choice of k reads the training rows only");
    assert_ne!(auroc_a, auroc_b, "the test rows did change");
    // A given k is kept, with no choice reported.
    let (c, _, name) = knn_choice(&iris(), &["--knn", "3"]);
    assert_eq!((c, name.as_str()), (None, Some("ssl_euc3")));
}

/// A tabular CSV of 20 features, two classes of 24 training and 6 test rows each.
fn wide_csv(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv: String = (0..20).map(|j| format!("f{j},")).collect::<String>() + "split,label\n";
    for i in 0..60usize {
        let class = i % 2;
        for j in 0..20usize {
            let v = ((i * 31 + j * 17) % 23) as f64 / 23.0 + (class * j) as f64 * 0.1;
            csv.push_str(&format!("{v},"));
        }
        csv.push_str(&format!("{},{class}\n", if i < 48 { "train" } else { "test" }));
    }
    let p = dir.join("wide.csv");
    std::fs::write(&p, csv).unwrap();
    p
}

#[test]
fn tabular_rows_keep_their_width_unless_dim_is_given() {
    let dir = tmp("wide");
    let csv = wide_csv(&dir);
    let out = dir.join("out");
    let base =
        [csv.to_str().unwrap(), "--out", out.to_str().unwrap(), "--normal", "0", "--epochs", "2", "--quiet"];
    let (code, _, err) = run(&base);
    assert_eq!(code, 0, "{err}");
    let json = report(&out);
    // 20 features: the main run would embed them in min(16, d) = 16 dimensions.
    assert_eq!(json["config"]["dim"], 20);
    let dim = json["chosen"][0][1].as_array().unwrap().iter().find(|c| c["option"] == "--dim").cloned();
    assert_eq!(dim.unwrap()["value"], "20");
    let mut args = base.to_vec();
    args.extend(["--dim", "8"]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report(&out)["config"]["dim"], 8, "--dim given: kept");
}

#[test]
fn held_out_calibration_and_validation_folds() {
    let dir = tmp("holdout");
    let (code, _, err) = run(&[
        iris().to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--calibration",
        "0.2",
        "--score",
        "cosine",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    let json = report(&dir);
    // 7 of the class's 35 training rows are held out for the threshold.
    assert_eq!(json["tasks"][0]["calibration_rows"], 7);
    assert_eq!(json["tasks"][0]["fit_rows"], 28);
    assert!(json["detectors"][0]["name"].as_str().unwrap().starts_with("ssl_cos"), "--score comes first");

    // 99 % held out: the encoder trains on 2 rows, whose one-class loss starts near 0 (10⁻³)
    // and rises to its usual size: not a divergence.
    let (code, _, err) = run(&[
        iris().to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--calibration",
        "0.99",
        "--normal",
        "0",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report(&dir)["tasks"][0]["fit_rows"], 2);

    // --validate scores 4 folds of the training rows: 105 rows, 35 per class, never the test rows.
    let dir = tmp("validate");
    let (code, _, err) =
        run(&[iris().to_str().unwrap(), "--out", dir.to_str().unwrap(), "--validate", "--quiet"]);
    assert_eq!(code, 0, "{err}");
    let json = report(&dir);
    assert_eq!(json["validate"], true);
    let first = &json["tasks"][0];
    let scored = first["test_normal"].as_u64().unwrap() + first["test_anomalies"].as_u64().unwrap();
    assert!((26..=27).contains(&scored), "one fold of 105 training rows: {scored}");
    assert_eq!(json["detectors"][0]["auroc_per_run"].as_array().unwrap().len(), 4, "one run per fold");
}

#[test]
fn bad_options_are_one_line_with_exit_code_2() {
    for (args, what) in [
        (vec!["--fpr", "1.5"], "--fpr 1.5"),
        (vec!["--knn", "0"], "--knn 0"),
        (vec!["--knn", "33"], "--knn 33"),
        (vec!["--normal", "rose"], "--normal rose: no such class"),
        (vec!["--calibration", "0"], "--calibration 0"),
        (vec!["--calibration", "kfold"], "--calibration kfold"),
        (vec!["--score", "manhattan"], "manhattan"),
        (vec!["--shifted", "17"], "--shifted 17"),
    ] {
        let mut a = vec![iris().to_str().unwrap().to_string()];
        a.extend(args.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let (code, _, err) = run(&refs);
        assert_eq!(code, 2, "{what}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(what) && err.contains("fix"), "{err}");
    }
}
