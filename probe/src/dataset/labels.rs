//! Labels: which column holds them (`--label NAME|INDEX`), class ids (integers in numeric
//! order, otherwise strings in lexicographic order, as scikit-learn's `LabelEncoder`) and the
//! check that every class has at least two rows.

use crate::error::{Loc, ProbeError, Result, shown};
use std::collections::BTreeMap;
use std::path::Path;

/// The index of the label column `label` (a header name, else a 0-based index).
pub fn find_label(path: &Path, headers: &[String], label: &str) -> Result<usize> {
    if let Some(i) = headers.iter().position(|h| h == label) {
        return Ok(i);
    }
    if let Ok(i) = label.parse::<usize>() {
        if i < headers.len() {
            return Ok(i);
        }
        return Err(ProbeError::input(
            path,
            Loc { line: Some(1), column: None },
            format!(
                "label column index {i} is out of range (the header has {} columns, 0-based)",
                headers.len()
            ),
            format!("pass --label with an index below {} or a column name", headers.len()),
        ));
    }
    let names: Vec<String> = headers.iter().take(8).map(|h| shown(h)).collect();
    let more = if headers.len() > 8 { ", ..." } else { "" };
    Err(ProbeError::input(
        path,
        Loc { line: Some(1), column: None },
        format!("missing label column \"{}\" (columns: {}{more})", shown(label), names.join(", ")),
        "name the label column with --label NAME|INDEX, or pass --no-label to pretrain without evaluation",
    ))
}

/// Class names and ids: integer labels in numeric order, otherwise lexicographic order.
pub fn encode_labels(labels: &[String]) -> (Vec<String>, Vec<usize>) {
    let ints: Option<Vec<i64>> = labels.iter().map(|s| s.parse::<i64>().ok()).collect();
    let names: Vec<String> = match &ints {
        Some(v) => {
            let mut u: Vec<i64> = v.clone();
            u.sort_unstable();
            u.dedup();
            u.iter().map(i64::to_string).collect()
        }
        None => {
            let mut u: Vec<String> = labels.to_vec();
            u.sort();
            u.dedup();
            u
        }
    };
    let y = match &ints {
        Some(v) => {
            let map: BTreeMap<i64, usize> =
                names.iter().enumerate().map(|(i, s)| (s.parse().unwrap_or(0), i)).collect();
            v.iter().map(|k| map[k]).collect()
        }
        None => {
            let map: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
            labels.iter().map(|s| map[s.as_str()]).collect()
        }
    };
    (names, y)
}

/// Refuses a class with fewer than two rows (one to train, one to test); `lines` are the file
/// lines of the rows, `column` the label column (1-based, name).
pub fn check_class_sizes(
    path: &Path,
    names: &[String],
    y: &[usize],
    lines: &[u64],
    column: (usize, &str),
) -> Result<()> {
    let mut counts = vec![0usize; names.len()];
    for &c in y {
        counts[c] += 1;
    }
    if let Some(c) = counts.iter().position(|&k| k < 2) {
        let row = y.iter().position(|&v| v == c).unwrap_or(0);
        return Err(ProbeError::input(
            path,
            Loc { line: Some(lines[row]), column: Some(column) },
            format!(
                "class \"{}\" has only 1 row; every class needs at least 2 (one to train, one to test)",
                shown(&names[c])
            ),
            "add rows of this class or remove it",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_numeric_and_string_order() {
        let (n, y) = encode_labels(&["10".into(), "2".into(), "10".into()]);
        assert_eq!(n, ["2", "10"]);
        assert_eq!(y, [1, 0, 1]);
        let (n, y) = encode_labels(&["b".into(), "a".into(), "b".into()]);
        assert_eq!(n, ["a", "b"]);
        assert_eq!(y, [1, 0, 1]);
    }
}
