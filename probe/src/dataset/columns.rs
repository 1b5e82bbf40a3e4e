//! Which columns are read and how they are separated: the delimiter (`,` `;` or tab, from the
//! header line, or `--delimiter`), the label and `split` columns, an unnamed first column
//! (the index pandas' `DataFrame.to_csv` writes) left out with a note, `--drop COLS` and
//! `--features COLS`, and a warning for a feature that looks like a row id.

use super::labels::find_label;
use crate::error::{Loc, ProbeError, Result, shown};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Name of the column that fixes the split.
pub const SPLIT_COLUMN: &str = "split";

/// The delimiters recognised from the header line.
pub const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// Rows needed before a column of distinct integers is called a likely row id.
pub const ID_MIN_ROWS: usize = 10;

/// The user's choice of columns and delimiter.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// Field delimiter; `None`: detected from the header line.
    pub delimiter: Option<u8>,
    /// Columns to leave out (header names or 0-based indices).
    pub drop: Vec<String>,
    /// The only columns to use as features (names or indices); empty: every other column.
    pub features: Vec<String>,
}

impl Columns {
    /// The options `--delimiter` (`,` `;` `tab` or a tab character), `--drop` and `--features`.
    pub fn from_options(delimiter: Option<&str>, drop: &[String], features: &[String]) -> Result<Self> {
        let delimiter = match delimiter {
            None => None,
            Some(",") => Some(b','),
            Some(";") => Some(b';'),
            Some("tab" | "\t" | "\\t") => Some(b'\t'),
            Some(other) => {
                return Err(ProbeError::usage(
                    format!("--delimiter \"{}\" is not one of , ; tab", shown(other)),
                    "pass --delimiter ',' or ';' or tab, or leave it out to detect it from the header line",
                ));
            }
        };
        let items = |v: &[String]| v.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        Ok(Columns { delimiter, drop: items(drop), features: items(features) })
    }
}

/// The delimiter of the header line: whichever of `,` `;` tab occurs most often outside
/// double quotes (`,` on a tie or when none occurs). Reads at most the first 1 MiB.
pub fn detect_delimiter(path: &Path) -> u8 {
    let Ok(f) = std::fs::File::open(path) else { return b',' };
    let mut line = Vec::new();
    if BufReader::new(f.take(1 << 20)).read_until(b'\n', &mut line).is_err() {
        return b',';
    }
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in &line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(k) = DELIMITERS.iter().position(|&d| d == b) {
                counts[k] += 1;
            }
        }
    }
    let mut best = 0;
    for k in 1..3 {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    DELIMITERS[best]
}

/// The label column, the `split` column, the feature columns and notes, from the header.
pub struct Chosen {
    /// Index of the label column.
    pub label_col: Option<usize>,
    /// Index of the `split` column.
    pub split_col: Option<usize>,
    /// Indices of the feature columns.
    pub feature_cols: Vec<usize>,
    /// Notes for the user (e.g. an unnamed index column left out).
    pub notes: Vec<String>,
}

/// Resolves a `--drop` / `--features` item: a header name, else a 0-based index.
fn column_index(headers: &[String], option: &str, item: &str) -> Result<usize> {
    if let Some(i) = headers.iter().position(|h| h == item) {
        return Ok(i);
    }
    match item.parse::<usize>() {
        Ok(i) if i < headers.len() => Ok(i),
        _ => {
            let names: Vec<String> = headers.iter().take(8).map(|h| shown(h)).collect();
            let more = if headers.len() > 8 { ", ..." } else { "" };
            Err(ProbeError::usage(
                format!("{option} \"{}\": no such column (columns: {}{more})", shown(item), names.join(", ")),
                format!(
                    "name columns by header or by 0-based index below {}, comma-separated",
                    headers.len()
                ),
            ))
        }
    }
}

/// Chooses the columns of `headers`; `label` as in [`super::read::read_table`].
pub fn choose(path: &Path, headers: &[String], label: Option<&str>, cols: &Columns) -> Result<Chosen> {
    let mut notes = Vec::new();
    let mut left_out = vec![false; headers.len()];
    if headers.len() > 1 && headers[0].is_empty() {
        left_out[0] = true;
        notes.push(format!(
            "note: {}: column 1 has no name (the index column pandas' to_csv writes): not used",
            shown(&path.display().to_string())
        ));
    }
    if let Some(i) = headers.iter().enumerate().position(|(i, h)| h.is_empty() && !left_out[i]) {
        return Err(ProbeError::input(
            path,
            Loc { line: Some(1), column: Some((i + 1, "")) },
            "empty column name in the header",
            "give every column a name (only the first column may be unnamed: a pandas index, left out)",
        ));
    }
    let label_col = label.map(|l| find_label(path, headers, l)).transpose()?;
    for item in &cols.drop {
        let i = column_index(headers, "--drop", item)?;
        if Some(i) == label_col {
            return Err(ProbeError::usage(
                format!("--drop \"{}\" is the label column", shown(item)),
                "keep the label column, or pass --no-label to pretrain without evaluation",
            ));
        }
        left_out[i] = true;
    }
    let split_col =
        headers.iter().position(|h| h == SPLIT_COLUMN).filter(|&i| Some(i) != label_col && !left_out[i]);
    let ignored = if label.is_none() { headers.iter().position(|h| h == "label") } else { None };
    let usable =
        |i: usize| Some(i) != label_col && Some(i) != split_col && Some(i) != ignored && !left_out[i];
    let feature_cols: Vec<usize> = if cols.features.is_empty() {
        (0..headers.len()).filter(|&i| usable(i)).collect()
    } else {
        let mut f = Vec::new();
        for item in &cols.features {
            let i = column_index(headers, "--features", item)?;
            if !usable(i) {
                return Err(ProbeError::usage(
                    format!("--features \"{}\" is the label, split, or a dropped column", shown(item)),
                    "list only feature columns in --features",
                ));
            }
            if !f.contains(&i) {
                f.push(i);
            }
        }
        f.sort_unstable();
        f
    };
    if feature_cols.is_empty() {
        return Err(ProbeError::input(
            path,
            Loc { line: Some(1), column: None },
            "no feature columns (only label/split or left-out columns)",
            "add at least one numeric feature column, or drop fewer columns",
        ));
    }
    Ok(Chosen { label_col, split_col, feature_cols, notes })
}

/// Warnings for feature columns that hold a different integer in every row (at least
/// [`ID_MIN_ROWS`] rows): likely a row id, which leaks the label when rows are sorted by class.
pub fn id_like_notes(path: &Path, headers: &[String], feature_cols: &[usize], x: &[f64]) -> Vec<String> {
    let d = feature_cols.len();
    let n = x.len().checked_div(d).unwrap_or(0);
    if n < ID_MIN_ROWS {
        return Vec::new();
    }
    let mut notes = Vec::new();
    for (j, &c) in feature_cols.iter().enumerate() {
        let mut v: Vec<f64> = (0..n).map(|i| x[i * d + j]).collect();
        if v.iter().any(|a| a.fract() != 0.0) {
            continue;
        }
        v.sort_by(f64::total_cmp);
        if v.windows(2).all(|w| w[0] != w[1]) {
            notes.push(format!(
                "warning: {}: column {} (\"{}\") holds a different integer in every row, like a row id; as a feature it can leak the label; pass --drop {} if it is one",
                shown(&path.display().to_string()),
                c + 1,
                shown(&headers[c]),
                shown(&headers[c])
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn drop_and_features_by_name_or_index() {
        let p = Path::new("x.csv");
        let hd = h(&["id", "a", "b", "label"]);
        let cols = Columns { drop: vec!["id".into()], ..Default::default() };
        assert_eq!(choose(p, &hd, Some("label"), &cols).unwrap().feature_cols, [1, 2]);
        let cols = Columns { features: vec!["2".into()], ..Default::default() };
        assert_eq!(choose(p, &hd, Some("label"), &cols).unwrap().feature_cols, [2]);
        let cols = Columns { drop: vec!["label".into()], ..Default::default() };
        assert!(choose(p, &hd, Some("label"), &cols).is_err());
        let cols = Columns { drop: vec!["zz".into()], ..Default::default() };
        let e = choose(p, &hd, Some("label"), &cols).err().unwrap().to_string();
        assert!(e.contains("--drop \"zz\": no such column (columns: id, a, b, label)"), "{e}");
        let c = choose(p, &h(&["", "a", "label"]), Some("label"), &Columns::default()).unwrap();
        assert_eq!((c.feature_cols, c.notes.len()), (vec![1], 1));
    }
}
