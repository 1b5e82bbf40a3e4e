//! The automatic search of `probe FILE` (issue 11): it prefers the clearly better candidate,
//! leaves the options the user set alone, is reproduced by the command it prints, does not
//! depend on the thread count, and without labels selects by RankMe and says so.

use probe::dataset::{LoadOptions, load};
use probe::network::Represent;
use probe::search::halving::halve;
use probe::search::result::Criterion;
use probe::search::validation::{Round, fold_data, folds, plan, probe_gtol};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("search").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> String {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut full = vec!["probe"];
    full.extend_from_slice(args);
    assert_eq!(probe::run_cli(full, &mut out, &mut err), 0, "{args:?}: {}", String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

fn iris() -> String {
    format!("{}/../data/iris.csv", env!("CARGO_MANIFEST_DIR"))
}

fn parse(args: &[&str]) -> probe::settings::options::RunArgs {
    use clap::Parser;
    let mut v = vec!["probe"];
    v.extend_from_slice(args);
    probe::cli::Cli::try_parse_from(v).unwrap().run
}

/// Four well-separated classes in 8 dimensions: a 1-dimensional embedding (on the unit
/// "sphere" of R¹, ±1) cannot separate them, an 8-dimensional one can.
fn four_blobs(dir: &Path) -> PathBuf {
    let path = dir.join("blobs.csv");
    let mut s = String::from("x0,x1,x2,x3,x4,x5,x6,x7,label\n");
    let mut state = 12345u64;
    let mut noise = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    for i in 0..160 {
        let c = i % 4;
        let row: Vec<String> =
            (0..8).map(|j| format!("{:.4}", if j % 4 == c { 3.0 } else { 0.0 } + noise())).collect();
        s.push_str(&format!("{},{c}\n", row.join(",")));
    }
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn search_prefers_the_clearly_better_candidate() {
    let dir = tmp("better");
    let path = four_blobs(&dir);
    let opts = LoadOptions::default();
    let data = load(&path, &opts).unwrap();
    let p = plan(data.train.len(), 28);
    let fold_of = folds(&data.train.y, 4, p.k, 0);
    let gtol = probe_gtol(data.train.len());
    let rounds: Vec<Round> = (0..p.rounds)
        .map(|f| Round { data: fold_data(&data, &fold_of, f), seed: 0, probe_gtol: gtol })
        .collect();
    let layers = vec![vec![Represent::Output]; 2];
    // The worse candidate first, so that the tie-break (candidates' order) cannot pick it.
    let cands =
        [parse(&["x.csv", "--dim", "1", "--epochs", "9"]), parse(&["x.csv", "--dim", "8", "--epochs", "9"])];
    for threads in [1, 2] {
        let (scores, win) = halve(&cands, &layers, &[0, 0], &rounds, &path, Criterion::ProbeAndKnn, threads);
        assert_eq!(win, 1, "{scores:?}");
        let (a, b) = (scores[0][0].score.unwrap(), scores[1][0].score.unwrap());
        assert!(b > a + 10.0, "K = 8 {b} vs K = 1 {a}");
    }
}

#[test]
fn options_set_by_the_user_are_not_searched() {
    let dir = tmp("fixed");
    let out = dir.join("r");
    let text = run(&[
        &iris(),
        "--encoder",
        "linear",
        "--aug",
        "noise:0.5",
        "--epochs",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(text.contains("search:"), "{text}");
    let r = report(&out);
    let s = &r["search"];
    let fixed: Vec<&str> = s["fixed"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(fixed, ["--aug", "--encoder"]);
    for c in s["candidates"].as_array().unwrap() {
        let o = c["options"].as_str().unwrap();
        assert!(!o.contains("--encoder") && !o.contains("--aug"), "{o}");
    }
    assert_eq!(r["config"]["model"]["encoder"], "linear");
    assert_eq!(r["config"]["aug"], "noise:0.5");
    assert_eq!(r["config"]["epochs"], 4);
}

#[test]
fn the_printed_command_repeats_the_search_run_and_no_search_is_one_run() {
    let dir = tmp("repeat");
    let (a, b, c) = (dir.join("search"), dir.join("repeat"), dir.join("single"));
    run(&[&iris(), "--epochs", "5", "--repeats", "2", "--quiet", "--out", a.to_str().unwrap()]);
    let ra = report(&a);
    let cmd = ra["search"]["command"].as_str().unwrap().to_string();
    assert!(cmd.ends_with("--no-search") && cmd.contains("--epochs 5"), "{cmd}");
    let words: Vec<&str> = cmd.split(' ').skip(2).collect();
    let mut args = vec![iris()];
    args.extend(words.iter().map(|w| w.to_string()));
    args.extend(["--quiet".into(), "--out".into(), b.to_str().unwrap().into()]);
    run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let rb = report(&b);
    assert!(rb.get("search").is_none());
    assert_eq!(ra["evaluation"], rb["evaluation"]);
    assert_eq!(ra["training"], rb["training"]);
    // --no-search: one run with the defaults, exactly the run with every searched option
    // spelled out at its default value (no search either way).
    run(&[&iris(), "--epochs", "5", "--no-search", "--quiet", "--out", c.to_str().unwrap()]);
    let d = dir.join("spelled");
    run(&[
        &iris(),
        "--epochs",
        "5",
        "--encoder",
        "linear",
        "--aug",
        "noise:0.5",
        "--tau",
        "0.5",
        "--dim",
        "4",
        "--quiet",
        "--out",
        d.to_str().unwrap(),
    ]);
    let (rc, rd) = (report(&c), report(&d));
    assert!(rc.get("search").is_none() && rd.get("search").is_none());
    assert_eq!(rc["evaluation"], rd["evaluation"]);
    assert_eq!(rc["verdict"], rd["verdict"]);
}

#[test]
fn the_search_does_not_depend_on_the_thread_count() {
    let dirs: Vec<PathBuf> = ["1", "2"].iter().map(|t| tmp(&format!("threads{t}"))).collect();
    for (t, dir) in ["1", "2"].iter().zip(&dirs) {
        run(&[
            &iris(),
            "--epochs",
            "6",
            "--repeats",
            "2",
            "--threads",
            t,
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ]);
    }
    let a = std::fs::read(dirs[0].join("report.json")).unwrap();
    assert_eq!(a, std::fs::read(dirs[1].join("report.json")).unwrap());
    assert!(report(&dirs[0])["search"]["candidates"].as_array().unwrap().len() >= 2);
}

#[test]
fn without_labels_the_search_uses_rankme_and_says_so() {
    let dir = tmp("nolabel");
    let text = run(&[&iris(), "--no-label", "--epochs", "6", "--out", dir.to_str().unwrap()]);
    assert!(text.contains("RankMe (no labels used)"), "{text}");
    let s = &report(&dir)["search"];
    assert_eq!(s["labels_used"], false);
    assert_eq!(s["criterion"], "rankme");
    assert!(s["validation"].is_null());
    for c in s["candidates"].as_array().unwrap() {
        assert!(!c["options"].as_str().unwrap().contains("--dim"));
        for r in c["rungs"].as_array().unwrap() {
            assert!(r["linear_probe"].is_null() && r["knn"].is_null());
            assert!(r["rankme"].as_f64().unwrap() > 0.0);
        }
    }
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("no labels were used"), "{md}");
}

#[test]
fn too_few_training_rows_to_validate_keep_the_defaults() {
    let dir = tmp("tiny");
    let p = dir.join("tiny.csv");
    std::fs::write(&p, "a,b,label\n0,1,0\n1,0,0\n2,2,1\n3,3,1\n").unwrap();
    let out = dir.join("r");
    run(&[p.to_str().unwrap(), "--epochs", "2", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(report(&out).get("search").is_none());
}
