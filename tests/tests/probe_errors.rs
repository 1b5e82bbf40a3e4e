//! Every bad input of the probe issue, run in-process through `probe::run_cli`: exit code 2
//! and one error line naming the file, the line and column where they apply, what is wrong and
//! how to fix it. Plus the zero-variance note and byte-identical reports.

use std::path::{Path, PathBuf};

use selfsup_tests::{assert_error, run, scratch_in, write};

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    scratch_in(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("probe_errors"), name)
}

const GOOD: &str = "a,b,label\n0,1,x\n1,0,x\n2,2,y\n3,1,y\n1,3,x\n0,0,y\n";

#[test]
fn missing_file() {
    let d = scratch("missing");
    let p = d.join("nope.csv");
    let r = run(&[p.to_str().unwrap()]);
    assert_error(&r, &[p.to_str().unwrap(), "cannot open the file (no such file)", "check the path"]);
}

#[test]
fn unreadable_file() {
    let d = scratch("unreadable");
    // A directory cannot be read as a CSV.
    let r = run(&[d.to_str().unwrap()]);
    assert_error(&r, &[d.to_str().unwrap(), "is a directory", "path of a CSV file"]);
    // Bytes that are not UTF-8 text.
    let p = write(&d, "bin.csv", b"a,b,label\n\xff\xfe,1,0\n");
    assert_error(&run(&[&p]), &[&p, "line 2", "not valid UTF-8", "save it as UTF-8"]);
}

#[test]
fn empty_file() {
    let d = scratch("empty");
    let p = write(&d, "e.csv", b"");
    assert_error(&run(&[&p]), &[&p, "the file is empty", "write a header row"]);
}

#[test]
fn header_only() {
    let d = scratch("header");
    let p = write(&d, "h.csv", b"a,b,label\n");
    assert_error(&run(&[&p]), &[&p, "header but no data rows", "add one row per sample"]);
}

#[test]
fn ragged_row() {
    let d = scratch("ragged");
    let p = write(&d, "r.csv", b"a,b,label\n0,1,0\n1,0\n2,2,1\n");
    assert_error(
        &run(&[&p]),
        &[&p, "line 3", "ragged row: 2 fields, but the header has 3", "one value per header column"],
    );
}

#[test]
fn non_numeric_cell() {
    let d = scratch("nonnum");
    let p = write(&d, "n.csv", b"a,b,label\n0,1,0\n1,abc,0\n2,2,1\n3,3,1\n");
    assert_error(
        &run(&[&p]),
        &[&p, "line 3, column 2 (\"b\")", "cannot parse \"abc\" as a number", "decimal number"],
    );
}

#[test]
fn nan_and_infinite_values() {
    let d = scratch("nan");
    let p = write(&d, "n.csv", b"a,b,label\n0,1,0\n1,NaN,0\n2,2,1\n3,3,1\n");
    assert_error(
        &run(&[&p]),
        &[&p, "line 3, column 2 (\"b\")", "NaN or infinite value \"NaN\"", "finite number"],
    );
    let p = write(&d, "i.csv", b"a,b,label\n0,1,0\n1,2,0\n-inf,2,1\n3,3,1\n");
    assert_error(&run(&[&p]), &[&p, "line 4, column 1 (\"a\")", "NaN or infinite value \"-inf\""]);
}

#[test]
fn missing_label_column() {
    let d = scratch("nolabel");
    let p = write(&d, "l.csv", b"a,b,class\n0,1,0\n1,0,0\n2,2,1\n3,3,1\n");
    assert_error(
        &run(&[&p]),
        &[
            &p,
            "line 1",
            "missing label column \"label\" (columns: a, b, class)",
            "--label NAME|INDEX",
            "--no-label",
        ],
    );
    // Naming it works, by name and by index.
    let o = d.join("out");
    assert_eq!(
        run(&[&p, "--label", "class", "--epochs", "2", "--quiet", "--out", o.to_str().unwrap()]).code,
        0
    );
    assert_eq!(run(&[&p, "--label", "2", "--epochs", "2", "--quiet", "--out", o.to_str().unwrap()]).code, 0);
    assert_error(&run(&[&p, "--label", "7"]), &[&p, "label column index 7 is out of range"]);
}

#[test]
fn class_with_one_row() {
    let d = scratch("single");
    let p = write(&d, "s.csv", b"a,b,label\n0,1,cat\n1,0,cat\n2,2,dog\n3,3,cat\n");
    assert_error(
        &run(&[&p]),
        &[
            &p,
            "line 4, column 3 (\"label\")",
            "class \"dog\" has only 1 row",
            "add rows of this class or remove it",
        ],
    );
}

#[test]
fn test_class_not_in_training() {
    let d = scratch("unseen");
    let p = write(
        &d,
        "u.csv",
        b"a,b,split,label\n0,1,train,0\n1,0,train,0\n2,2,test,0\n3,3,test,1\n4,4,test,1\n",
    );
    assert_error(
        &run(&[&p]),
        &[
            &p,
            "line 5, column 4 (\"label\")",
            "class \"1\" is in the test split but not in the training split",
            "move some rows of this class to train",
        ],
    );
}

#[test]
fn bad_split_value() {
    let d = scratch("splitval");
    let p = write(&d, "s.csv", b"a,split,label\n0,train,0\n1,tset,0\n");
    assert_error(
        &run(&[&p]),
        &[&p, "line 3, column 2 (\"split\")", "split value \"tset\"", "write train or test"],
    );
}

#[test]
fn fewer_rows_than_the_batch() {
    let d = scratch("batch");
    let p = write(&d, "b.csv", GOOD.as_bytes());
    // Six rows, stratified 30% test leaves 4 training rows.
    assert_error(
        &run(&[&p, "--batch", "64"]),
        &[&p, "fewer training rows (4) than the batch size (--batch 64)", "pass --batch 4 or less"],
    );
}

#[test]
fn autoencoder_dim_above_features() {
    let d = scratch("aedim");
    let p = write(&d, "a.csv", GOOD.as_bytes());
    assert_error(
        &run(&[&p, "--method", "ae", "--dim", "3"]),
        &[&p, "--dim 3 is larger than the 2 features", "autoencoder needs K ≤ d", "pass --dim 2 or less"],
    );
}

#[test]
fn unknown_option_values() {
    let d = scratch("optval");
    let p = write(&d, "a.csv", GOOD.as_bytes());
    assert_error(
        &run(&[&p, "--method", "swav"]),
        &[
            "invalid value 'swav' for '--method <METHOD>'",
            "infonce, ntxent, ae, byol, simsiam, barlow, vicreg",
            "probe --help",
        ],
    );
    assert_error(&run(&[&p, "--optimizer", "rmsprop"]), &["invalid value 'rmsprop'", "sgd, adam"]);
    assert_error(&run(&[&p, "--epochs", "ten"]), &["invalid value 'ten' for '--epochs <EPOCHS>'"]);
    assert_error(&run(&[&p, "--frobnicate"]), &["unexpected argument '--frobnicate'"]);
    assert_error(
        &run(&[&p, "--aug", "blur:1"]),
        &["--aug \"blur:1\"", "unknown augmentation `blur`", "name:value items"],
    );
    assert_error(
        &run(&[&p, "--aug", "noise:abc"]),
        &["--aug \"noise:abc\"", "`noise` value `abc` is not a number"],
    );
    assert_error(&run(&[&p, "--test-frac", "1.5"]), &["--test-frac 1.5 is outside (0, 1)"]);
    assert_error(&run(&[&p, "--channels", "3"]), &["--channels 3 does not divide the 2 feature columns", &p]);
    assert_error(&run(&[&p, "--image", "2x2"]), &["--image 2x2 is not the 2 feature columns", &p, "H·W = 2"]);
    assert_error(&run(&[&p, "--image", "8"]), &["invalid value '8' for '--image <HxW>'", "e.g. 8x8"]);
    assert_error(&run(&[&p, "--image", "1x2", "--channels", "2"]), &["--image and --channels both given"]);
    assert_error(
        &run(&[&p, "--aug", "translate:1"]),
        &[
            "--aug \"translate:1\" does not fit 2 features",
            "needs the 2 features to be an image",
            "--image HxW",
        ],
    );
    assert_error(&run(&[&p, "--lr", "-1"]), &["--lr -1 must be a positive number"]);
    assert_error(&run(&[]), &["no CSV file given", "probe gen ring"]);
    assert_error(
        &run(&["gen"]),
        &["the following required arguments were not provided: <KIND>", "probe --help"],
    );
    assert_error(&run(&["gen", "circle"]), &["invalid value 'circle'", "ring, plane"]);
}

#[test]
fn zero_variance_column_is_centred_and_reported() {
    let d = scratch("zerovar");
    let p = write(&d, "z.csv", b"a,const,label\n0,5,0\n1,5,0\n2,5,0\n3,5,1\n4,5,1\n5,5,1\n6,5,0\n7,5,1\n");
    let o = d.join("out");
    let r = run(&[&p, "--epochs", "2", "--out", o.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("zero-variance column(s) in train, centred and not scaled: const"), "{}", r.out);
    let json = std::fs::read_to_string(o.join("report.json")).unwrap();
    assert!(json.contains("\"zero_variance_columns\": [\n      \"const\"\n    ]"), "{json}");
}

#[test]
fn same_seed_same_report_bytes() {
    let d = scratch("determinism");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/iris.csv");
    let (a, b, c) = (d.join("a"), d.join("b"), d.join("c"));
    for o in [&a, &b] {
        let r = run(&[data, "--epochs", "5", "--repeats", "2", "--quiet", "--out", o.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.err);
        assert!(r.out.is_empty(), "--quiet printed: {}", r.out);
    }
    let ja = std::fs::read(a.join("report.json")).unwrap();
    assert_eq!(ja, std::fs::read(b.join("report.json")).unwrap());
    assert_eq!(
        run(&[
            data,
            "--epochs",
            "5",
            "--repeats",
            "2",
            "--seed",
            "9",
            "--quiet",
            "--out",
            c.to_str().unwrap()
        ])
        .code,
        0
    );
    assert_ne!(ja, std::fs::read(c.join("report.json")).unwrap());
    let json: serde_json::Value = serde_json::from_slice(&ja).unwrap();
    assert_eq!(json["schema"], "probe-report/2");
    assert_eq!(json["config"]["seeds"], serde_json::json!([0, 1]));
    assert_eq!(json["evaluation"].as_array().unwrap().len(), 4);
    assert_eq!(json["evaluation"][3]["runs"].as_array().unwrap().len(), 2);
    for f in ["report.md", "loss.svg", "embedding.svg", "embeddings.csv"] {
        assert!(a.join(f).exists(), "{f}");
    }
}

#[test]
fn no_label_pretrains_and_exports() {
    let d = scratch("nolabelrun");
    let p = write(&d, "u.csv", b"a,b,c\n0,1,2\n1,0,3\n2,2,1\n3,1,0\n1,3,3\n0,0,2\n");
    let o = d.join("out");
    let r = run(&[&p, "--no-label", "--epochs", "3", "--out", o.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.err);
    let emb = std::fs::read_to_string(o.join("embeddings.csv")).unwrap();
    assert_eq!(emb.lines().next(), Some("row,split,z0,z1,z2"));
    assert_eq!(emb.lines().count(), 7);
    // A string label column is ignored with --no-label, the split column honoured.
    let p =
        write(&d, "s.csv", b"a,b,split,label\n0,1,train,cat\n1,0,train,dog\n2,2,test,cat\n3,1,train,dog\n");
    let r = run(&[&p, "--no-label", "--epochs", "2", "--out", o.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.err);
    let emb = std::fs::read_to_string(o.join("embeddings.csv")).unwrap();
    assert_eq!(
        emb.lines().collect::<Vec<_>>()[0..4]
            .iter()
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>(),
        ["row,split", "0,train", "1,train", "2,test"]
    );
    assert_eq!(emb.lines().next(), Some("row,split,z0,z1"));
}
