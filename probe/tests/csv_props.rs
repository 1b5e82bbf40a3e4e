//! Property tests of the CSV loader (`probe::dataset::load`, the path every command reads
//! through): any bytes, and any table of odd cells, load to a dataset with finite values or
//! give an error message; never a panic. The stricter form holds too: one printable line of
//! bounded length (the loader escapes control characters and cuts long cells, `error::shown`).

use probe::dataset::{LoadOptions, load};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Longest acceptable error line: a cell echoed into it must be cut.
const MAX_MESSAGE: usize = 600;

fn scratch_file(bytes: &[u8]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("probe-csv-props-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("case{}.csv", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, bytes).expect("write temp file");
    path
}

/// Loads `bytes`; `strict` also requires the error to be one printable line of bounded length.
fn check_load(
    bytes: &[u8],
    label: Option<&str>,
    channels: Option<usize>,
    strict: bool,
) -> Result<(), TestCaseError> {
    let path = scratch_file(bytes);
    let opts = LoadOptions { label: label.map(String::from), channels, ..LoadOptions::default() };
    let r = load(&path, &opts);
    let _ = std::fs::remove_file(&path);
    match r {
        Ok(data) => {
            prop_assert_eq!(data.train.x.len(), data.train.len() * data.dim());
            // Class ids are empty without labels.
            prop_assert!(data.train.y.is_empty() || data.train.y.len() == data.train.len());
            prop_assert!(data.train.x.iter().chain(&data.test.x).all(|v| v.is_finite()));
        }
        Err(e) => {
            let m = e.to_string();
            prop_assert!(!m.is_empty());
            if !strict {
                return Ok(());
            }
            prop_assert!(!m.chars().any(char::is_control), "control character in {m:?}");
            prop_assert!(
                m.len() <= MAX_MESSAGE,
                "{} bytes: {:?}…",
                m.len(),
                m.chars().take(200).collect::<String>()
            );
        }
    }
    Ok(())
}

/// A cell: numbers (ordinary, extreme, special), labels, empties, quotes, odd bytes.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-5.0f64..5.0).prop_map(|v| format!("{v:.3}")),
        2 => prop::sample::select(vec!["0", "1", "2", "a", "b", "train", "test"]).prop_map(String::from),
        1 => any::<f64>().prop_map(|v| v.to_string()),
        1 => prop::sample::select(vec![
            "", " ", "nan", "NaN", "inf", "-inf", "1e308", "1e-320", "\"1,5\"", "\"", "\"\"", "1e999", "\t", "\0", "é",
        ])
        .prop_map(String::from),
        1 => "[ -~]{0,12}",
        1 => any::<String>(),
    ]
}

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["x0", "x1", "label", "split", "t0", "t1", "c0_t0", "c1_t0", "", "label"])
            .prop_map(String::from),
        "[a-z_0-9]{0,4}",
    ]
}

/// A table: a header of 1–5 columns, 0–14 rows of roughly that many cells.
fn table() -> impl Strategy<Value = String> {
    (1usize..6).prop_flat_map(|w| {
        let rows = prop::collection::vec(prop::collection::vec(cell(), w.saturating_sub(1)..w + 2), 0..15);
        (prop::collection::vec(header(), w), rows, prop::sample::select(vec![",", ";", "\t"]), any::<bool>())
            .prop_map(|(h, rows, sep, crlf)| {
                let eol = if crlf { "\r\n" } else { "\n" };
                let mut s = h.join(sep);
                for r in rows {
                    s.push_str(eol);
                    s.push_str(&r.join(sep));
                }
                s
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_load_or_give_an_error(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_load(&bytes, Some("label"), None, false)?;
    }

    #[test]
    fn any_table_loads_or_gives_an_error(
        t in table(),
        label in prop::sample::select(vec![Some("label"), Some("0"), Some("7"), Some("x1"), None]),
        channels in prop::sample::select(vec![None, Some(0), Some(1), Some(2), Some(3)]),
    ) {
        check_load(t.as_bytes(), label, channels, false)?;
    }

    #[test]
    fn any_bytes_give_one_printable_line(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_load(&bytes, Some("label"), None, true)?;
    }

    #[test]
    fn any_table_gives_one_printable_line(
        t in table(),
        label in prop::sample::select(vec![Some("label"), Some("0"), Some("7"), Some("x1"), None]),
        channels in prop::sample::select(vec![None, Some(0), Some(1), Some(2), Some(3)]),
    ) {
        check_load(t.as_bytes(), label, channels, true)?;
    }

    #[test]
    fn long_cells_are_cut_in_the_message(n in 600usize..5000, at in 0usize..3) {
        let big = "x".repeat(n);
        let mut cells = ["1.0".to_string(), "2.0".to_string(), "0".to_string()];
        cells[at] = big;
        let csv = format!("x0,x1,label\n1.0,2.0,0\n{}\n3.0,1.0,1\n", cells.join(","));
        check_load(csv.as_bytes(), Some("label"), None, true)?;
    }
}
