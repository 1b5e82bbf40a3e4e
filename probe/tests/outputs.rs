//! The output files: `embeddings.csv` keeps any label (comma, quote) readable, and a run whose
//! report cannot be completed leaves no report that looks whole.

use std::path::{Path, PathBuf};

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("outputs").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut full = vec!["probe"];
    full.extend_from_slice(args);
    let code = probe::run_cli(full, &mut out, &mut err);
    (code, String::from_utf8(err).unwrap())
}

/// Three well-separated classes whose names need quoting in CSV.
fn quoted_labels_csv(dir: &Path) -> PathBuf {
    let names = ["plain", "a,b", "say \"hi\""];
    let mut w = csv::Writer::from_path(dir.join("quoted.csv")).unwrap();
    w.write_record(["f0", "f1", "f2", "label"]).unwrap();
    for i in 0..45 {
        let c = i % 3;
        let v = |j: usize| format!("{}", c as f64 * 2.0 + ((i * 7 + j * 5) % 11) as f64 / 11.0);
        w.write_record([v(0), v(1), v(2), names[c].to_string()]).unwrap();
    }
    w.flush().unwrap();
    dir.join("quoted.csv")
}

#[test]
fn labels_with_commas_and_quotes_round_trip_through_embeddings_csv() {
    let dir = tmp("quoted");
    let csv = quoted_labels_csv(&dir);
    let out = dir.join("report");
    let (code, err) =
        run(&[csv.to_str().unwrap(), "--epochs", "2", "--quiet", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut r = csv::Reader::from_path(out.join("embeddings.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    // The search chooses the encoder, hence K (3 for the linear encoder, 16 for the MLP).
    assert_eq!(header[..3], ["row", "split", "label"]);
    let k = header.len() - 3;
    assert!(k >= 3, "{header:?}");
    assert!(header[3..].iter().enumerate().all(|(j, h)| *h == format!("z{j}")), "{header:?}");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 45);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 3 + k, "row {i}: {row:?}");
        assert_eq!(&row[0], i.to_string());
        assert_eq!(&row[2], ["plain", "a,b", "say \"hi\""][i % 3]);
        for v in row.iter().skip(3) {
            assert!(v.parse::<f64>().unwrap().is_finite());
        }
    }
}

#[test]
fn a_report_that_cannot_be_completed_leaves_no_report() {
    let dir = tmp("atomic");
    let csv = quoted_labels_csv(&dir);
    let out = dir.join("report");
    let args = [csv.to_str().unwrap(), "--epochs", "2", "--quiet", "--out", out.to_str().unwrap()];
    assert_eq!(run(&args).0, 0);
    let before: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    // A directory where a plot goes: the report cannot be completed (a second seed changes
    // every file).
    let args = [&args[..], &["--seed", "1"]].concat();
    std::fs::remove_file(out.join("embedding.svg")).unwrap();
    std::fs::create_dir(out.join("embedding.svg")).unwrap();
    let (code, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("embedding.svg"), "{err}");
    assert!(!out.join("report.json").exists(), "a report.json is left from a run whose report failed");
    // Whatever is left is the previous run's, never a mixture with the failed run's files.
    for (name, bytes) in before {
        if let Ok(now) = std::fs::read(out.join(&name)) {
            assert_eq!(now, bytes, "{name} was replaced by the failed run");
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn compare_writes_all_its_files_or_none() {
    let dir = tmp("compare");
    let csv = quoted_labels_csv(&dir);
    let out = dir.join("cmp");
    std::fs::create_dir_all(out.join("compare.md")).unwrap();
    let (code, err) = run(&[
        "compare",
        csv.to_str().unwrap(),
        "--methods",
        "ntxent",
        "--epochs",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(!out.join("compare.json").exists());
    assert!(!out.join("alignment_uniformity.svg").exists());
}

/// `embeddings.csv` embeds its rows a block at a time: every row, across the blocks' edges and
/// with train and test rows interleaved in file order, holds the values of that row embedded
/// alone.
#[test]
fn embeddings_csv_rows_are_each_row_embedded_alone() {
    use probe::dataset::{LoadOptions, load};
    use probe::eval::Representation;
    use probe::network::{Dense, Embedder};
    let dir = tmp("blocks");
    let path = dir.join("rows.csv");
    let n = 2500;
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["f0", "f1", "f2", "label"]).unwrap();
    for i in 0..n {
        let v = |j: usize| format!("{}", ((i * 7 + j * 13) % 29) as f64 / 7.0 - 2.0);
        w.write_record([v(0), v(1), v(2), (i % 3).to_string()]).unwrap();
    }
    w.flush().unwrap();
    let opts = LoadOptions { seed: 1, ..LoadOptions::default() };
    let data = load(&path, &opts).unwrap();
    let weights = |len: usize| (0..len).map(|i| ((i * 5 % 7) as f64 - 3.0) * 0.3).collect::<Vec<f64>>();
    let layer = |inputs, outputs, relu| Dense {
        w: weights(inputs * outputs),
        b: weights(outputs),
        inputs,
        outputs,
        relu,
    };
    let e = Embedder { layers: vec![layer(3, 5, true), layer(5, 2, false)] };
    let rep = Representation::Encoder { e: &e, input: None };
    let mut x_of = vec![None; n];
    for part in [&data.train, &data.test] {
        for (i, &r) in part.rows.iter().enumerate() {
            x_of[r] = Some(&part.x[i * 3..(i + 1) * 3]);
        }
    }
    let out = probe::output::files::embeddings_csv(&data, &rep, 2).unwrap();
    let records: Vec<csv::StringRecord> =
        csv::Reader::from_reader(&out[..]).records().map(Result::unwrap).collect();
    assert_eq!(records.len(), n);
    for (i, rec) in records.iter().enumerate() {
        assert_eq!(&rec[0], i.to_string());
        let want: Vec<String> = rep.apply(x_of[i].unwrap(), 3).iter().map(|v| v.to_string()).collect();
        assert_eq!(rec.iter().skip(3).collect::<Vec<_>>(), want, "row {i}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
