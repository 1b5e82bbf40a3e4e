//! Reading the CSV: a header row is required; the label column (if any), the optional `split`
//! column and the numeric feature columns are told apart, and every cell is checked (ragged
//! rows, empty cells, text, NaN and infinities are refused with the line and column).

use super::columns::{self, Columns};
use crate::error::{Loc, ProbeError, Result, shown};
use std::path::Path;

pub use super::columns::SPLIT_COLUMN;

/// The file's contents, checked but not yet split or standardized.
#[derive(Clone, Debug)]
pub struct Table {
    /// Header names, in file order.
    pub headers: Vec<String>,
    /// Index of the label column (None without labels).
    pub label_col: Option<usize>,
    /// Index of the `split` column, if any.
    pub split_col: Option<usize>,
    /// Indices of the feature columns.
    pub feature_cols: Vec<usize>,
    /// Features in raw units, row-major `n × d`.
    pub x: Vec<f64>,
    /// Label of each row as written (empty without labels).
    pub labels: Vec<String>,
    /// File line of each data row.
    pub lines: Vec<u64>,
    /// Notes and warnings about the columns (an unnamed index column left out, a likely row id).
    pub notes: Vec<String>,
    /// Whether each row is marked `test` (empty without a split column).
    pub is_test: Vec<bool>,
}

impl Table {
    /// Number of feature columns `d`.
    pub fn dim(&self) -> usize {
        self.feature_cols.len()
    }
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.x.len() / self.dim()
    }
}

/// Reads and checks `path`; `label` names the label column (`None`: no labels, and a column
/// named `label` is ignored rather than read as a feature); `cols` chooses the delimiter and
/// the columns (see [`columns`]).
pub fn read_table(path: &Path, label: Option<&str>, cols: &Columns) -> Result<Table> {
    let at = |line: Option<u64>| Loc { line, column: None };
    let meta = std::fs::metadata(path).map_err(|e| {
        ProbeError::input(
            path,
            at(None),
            format!("cannot open the file ({})", io_reason(&e)),
            "check the path and the file's permissions",
        )
    })?;
    if meta.is_dir() {
        return Err(ProbeError::input(
            path,
            at(None),
            "is a directory, not a CSV file",
            "give the path of a CSV file",
        ));
    }
    let delimiter = cols.delimiter.unwrap_or_else(|| columns::detect_delimiter(path));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| csv_error(path, &e))?;
    let headers: Vec<String> =
        reader.headers().map_err(|e| csv_error(path, &e))?.iter().map(str::to_string).collect();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(ProbeError::input(
            path,
            at(None),
            "the file is empty",
            "write a header row (feature names and `label`) followed by one row per sample",
        ));
    }
    let chosen = columns::choose(path, &headers, label, cols)?;
    let mut t = Table {
        headers,
        label_col: chosen.label_col,
        split_col: chosen.split_col,
        feature_cols: chosen.feature_cols,
        notes: chosen.notes,
        x: Vec::new(),
        labels: Vec::new(),
        lines: Vec::new(),
        is_test: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, &e)),
        }
        read_record(path, &record, &mut t)?;
    }
    if t.x.is_empty() {
        return Err(ProbeError::input(
            path,
            at(None),
            "the file has a header but no data rows",
            "add one row per sample below the header",
        ));
    }
    let ids = columns::id_like_notes(path, &t.headers, &t.feature_cols, &t.x);
    t.notes.extend(ids);
    Ok(t)
}

/// Checks one record and appends its features, label and split mark to `t`.
fn read_record(path: &Path, record: &csv::StringRecord, t: &mut Table) -> Result<()> {
    let line = record.position().map(|p| p.line()).unwrap_or(0);
    t.lines.push(line);
    let headers = &t.headers;
    if record.len() != headers.len() {
        return Err(ProbeError::input(
            path,
            Loc { line: Some(line), column: None },
            format!("ragged row: {} fields, but the header has {}", record.len(), headers.len()),
            "give every row one value per header column (check for missing or extra commas)",
        ));
    }
    for &c in &t.feature_cols {
        let cell = &record[c];
        let loc = Loc { line: Some(line), column: Some((c + 1, &headers[c])) };
        if cell.is_empty() {
            return Err(ProbeError::input(
                path,
                loc,
                "empty cell (missing value)",
                "fill in the value or remove the row",
            ));
        }
        let v: f64 = cell.parse().map_err(|_| {
            ProbeError::input(
                path,
                loc.clone(),
                format!("cannot parse \"{}\" as a number", shown(cell)),
                "write a decimal number such as 1.5 or -2e-3, or pass --label/--no-label if this is the label",
            )
        })?;
        if v.is_finite() {
            t.x.push(v);
            continue;
        }
        let special = ["nan", "inf", "infinity"]
            .iter()
            .any(|w| cell.trim_start_matches(['+', '-']).eq_ignore_ascii_case(w));
        if !special {
            return Err(ProbeError::input(
                path,
                loc,
                format!(
                    "\"{}\" is beyond the range of a 64-bit float (largest magnitude about 1.8e308)",
                    shown(cell)
                ),
                "rescale the column (write it in larger units) or remove the row",
            ));
        }
        return Err(ProbeError::input(
            path,
            loc,
            format!("NaN or infinite value \"{}\"", shown(cell)),
            "replace it with a finite number or remove the row",
        ));
    }
    if let Some(lc) = t.label_col {
        let cell = &record[lc];
        if cell.is_empty() {
            return Err(ProbeError::input(
                path,
                Loc { line: Some(line), column: Some((lc + 1, &headers[lc])) },
                "empty label",
                "give every row a label or remove the row",
            ));
        }
        t.labels.push(cell.to_string());
    }
    if let Some(sc) = t.split_col {
        let test = match &record[sc] {
            "train" => false,
            "test" => true,
            cell => {
                return Err(ProbeError::input(
                    path,
                    Loc { line: Some(line), column: Some((sc + 1, SPLIT_COLUMN)) },
                    format!("split value \"{}\" is neither \"train\" nor \"test\"", shown(cell)),
                    "write train or test, or remove the split column to get a stratified split",
                ));
            }
        };
        t.is_test.push(test);
    }
    Ok(())
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> ProbeError {
    let line = e.position().map(|p| p.line());
    match e.kind() {
        csv::ErrorKind::Io(io) => ProbeError::input(
            path,
            Loc { line, column: None },
            format!("cannot read the file ({})", io_reason(io)),
            "check the path and the file's permissions",
        ),
        csv::ErrorKind::Utf8 { .. } => ProbeError::input(
            path,
            Loc { line, column: None },
            "the file is not valid UTF-8 text",
            "save it as UTF-8 CSV",
        ),
        _ => ProbeError::input(
            path,
            Loc { line, column: None },
            format!("malformed CSV ({e})"),
            "check quoting and commas on that line",
        ),
    }
}
