//! Loading a CSV into standardized train and test matrices.
//!
//! - A header row is required. The label column is `label` unless `--label NAME|INDEX` says
//!   otherwise; labels may be integers (class ids in numeric order) or strings (class ids in
//!   lexicographic order, as scikit-learn's `LabelEncoder`); the names are kept for the report.
//! - An optional `split` column (`train` / `test`) fixes the split; otherwise a stratified,
//!   seeded split puts `round(n_c · test_frac)` rows of each class `c` (at least 1 and at most
//!   `n_c − 1`) into the test set.
//! - Every other column is a numeric feature. Features are standardized with the *train* mean
//!   and standard deviation (ddof = 0); a zero-variance column is only centred, as
//!   scikit-learn's `StandardScaler` does, and listed in the report.
//! - The data kind decides the default augmentations: a time series when the headers are
//!   `t0..tL-1` or channel-major `c0_t0..cC-1_tL-1` (or with `--channels C`), 2-D points when
//!   there are exactly two features, tabular otherwise.
//!
//! Matrices are row-major `n × d` `Vec<f64>`: one sample per row, which is also the
//! column-major `d × n` layout of selfsup-core (samples are columns).

use crate::error::{Loc, ProbeError, Result};
use selfsup_core::rng::{seeded, shuffle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the features are; decides the default augmentations and embedding size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// Exactly two features: points in the plane.
    Points2d,
    /// Independent numeric features.
    Tabular,
    /// A multichannel series flattened channel-major (`c0_t0..c0_tL-1, c1_t0, ...`).
    Series {
        /// Number of channels `C`.
        channels: usize,
        /// Number of time steps `L`.
        length: usize,
        /// How it was recognised: `"header"` or `"--channels"`.
        source: &'static str,
    },
}

impl DataKind {
    /// Short name used in the report: `points2d`, `tabular` or `series`.
    pub fn name(&self) -> &'static str {
        match self {
            DataKind::Points2d => "points2d",
            DataKind::Tabular => "tabular",
            DataKind::Series { .. } => "series",
        }
    }
}

/// Rows of one split.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// Standardized features, row-major `n × d`.
    pub x: Vec<f64>,
    /// Class ids (empty without labels).
    pub y: Vec<usize>,
    /// 0-based index of each row among the file's data rows.
    pub rows: Vec<usize>,
}

impl Split {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Where the train/test split came from.
#[derive(Clone, Debug, PartialEq)]
pub enum SplitSource {
    /// The file's `split` column.
    Column,
    /// Stratified, seeded, with this test fraction.
    Stratified(f64),
    /// No labels and no split column: every row trains, nothing is evaluated.
    AllTrain,
}

/// A loaded, standardized dataset.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The file.
    pub path: PathBuf,
    /// Header names of the feature columns.
    pub feature_names: Vec<String>,
    /// Class names by id (empty without labels).
    pub class_names: Vec<String>,
    /// Header name of the label column (None with `--no-label`).
    pub label_column: Option<String>,
    /// Training rows.
    pub train: Split,
    /// Test rows.
    pub test: Split,
    /// Where the split came from.
    pub split_source: SplitSource,
    /// What the features are.
    pub kind: DataKind,
    /// Train mean of each feature (raw units).
    pub mean: Vec<f64>,
    /// Train standard deviation of each feature (1 for zero-variance columns).
    pub scale: Vec<f64>,
    /// Names of the zero-variance columns (centred only).
    pub zero_variance: Vec<String>,
    /// For time series: the per-feature affine map `x_e = a_j x_j + b_j` from the standardized
    /// features to the encoders' input, each channel standardized as a whole (train mean and
    /// std over all its steps), so that a time shift moves values of one scale. `None` for
    /// other data (the encoders see the standardized features).
    pub encoder_input: Option<Affine>,
}

/// A per-feature affine map `y_j = a_j x_j + b_j`.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    /// Factors `a_j`.
    pub a: Vec<f64>,
    /// Offsets `b_j`.
    pub b: Vec<f64>,
}

impl Affine {
    /// Applies the map to row-major rows of `a.len()` features.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        let d = self.a.len();
        x.chunks_exact(d)
            .flat_map(|row| row.iter().zip(&self.a).zip(&self.b).map(|((v, a), b)| a * v + b))
            .collect()
    }
}

impl Dataset {
    /// Number of features `d`.
    pub fn dim(&self) -> usize {
        self.feature_names.len()
    }
    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }
    /// The training rows as the encoders see them (see [`Dataset::encoder_input`]).
    pub fn encoder_train(&self) -> std::borrow::Cow<'_, [f64]> {
        match &self.encoder_input {
            Some(m) => std::borrow::Cow::Owned(m.apply(&self.train.x)),
            None => std::borrow::Cow::Borrowed(&self.train.x),
        }
    }

    /// Whether labels are present (evaluation runs).
    pub fn labelled(&self) -> bool {
        self.label_column.is_some()
    }
}

/// How to read the file.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Label column by name or 0-based index; `None` for `--no-label` (a column named `label` is
    /// then ignored).
    pub label: Option<String>,
    /// Test fraction of the stratified split.
    pub test_frac: f64,
    /// Seed of the stratified split.
    pub seed: u64,
    /// Declared number of channels of a time series.
    pub channels: Option<usize>,
}

const SPLIT_COLUMN: &str = "split";

/// Reads, validates, splits and standardizes `path`.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Dataset> {
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
    let mut reader = csv::ReaderBuilder::new()
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
    if let Some(i) = headers.iter().position(|h| h.is_empty()) {
        return Err(ProbeError::input(
            path,
            Loc { line: Some(1), column: Some((i + 1, "")) },
            "empty column name in the header",
            "give every column a name",
        ));
    }

    // Which column is the label, which the split, which the features.
    let label_col = match &opts.label {
        None => None,
        Some(l) => Some(find_label(path, &headers, l)?),
    };
    let split_col = headers.iter().position(|h| h == SPLIT_COLUMN).filter(|&i| Some(i) != label_col);
    // Without labels, a column named `label` is ignored rather than read as a feature.
    let ignored = if opts.label.is_none() { headers.iter().position(|h| h == "label") } else { None };
    let feature_cols: Vec<usize> = (0..headers.len())
        .filter(|&i| Some(i) != label_col && Some(i) != split_col && Some(i) != ignored)
        .collect();
    if feature_cols.is_empty() {
        return Err(ProbeError::input(
            path,
            at(Some(1)),
            "no feature columns (only label/split)",
            "add at least one numeric feature column",
        ));
    }
    let d = feature_cols.len();

    // Read every row.
    let mut x: Vec<f64> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut label_lines: Vec<u64> = Vec::new();
    let mut is_test: Vec<bool> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, &e)),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != headers.len() {
            return Err(ProbeError::input(
                path,
                at(Some(line)),
                format!("ragged row: {} fields, but the header has {}", record.len(), headers.len()),
                "give every row one value per header column (check for missing or extra commas)",
            ));
        }
        for &c in &feature_cols {
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
                    format!("cannot parse \"{cell}\" as a number"),
                    "write a decimal number such as 1.5 or -2e-3, or pass --label/--no-label if this is the label",
                )
            })?;
            if !v.is_finite() {
                return Err(ProbeError::input(
                    path,
                    loc,
                    format!("NaN or infinite value \"{cell}\""),
                    "replace it with a finite number or remove the row",
                ));
            }
            x.push(v);
        }
        if let Some(lc) = label_col {
            let cell = &record[lc];
            if cell.is_empty() {
                return Err(ProbeError::input(
                    path,
                    Loc { line: Some(line), column: Some((lc + 1, &headers[lc])) },
                    "empty label",
                    "give every row a label or remove the row",
                ));
            }
            labels.push(cell.to_string());
            label_lines.push(line);
        }
        if let Some(sc) = split_col {
            let cell = &record[sc];
            let t = match cell {
                "train" => false,
                "test" => true,
                _ => {
                    return Err(ProbeError::input(
                        path,
                        Loc { line: Some(line), column: Some((sc + 1, SPLIT_COLUMN)) },
                        format!("split value \"{cell}\" is neither \"train\" nor \"test\""),
                        "write train or test, or remove the split column to get a stratified split",
                    ));
                }
            };
            is_test.push(t);
        }
    }
    let n = x.len() / d;
    if n == 0 {
        return Err(ProbeError::input(
            path,
            at(None),
            "the file has a header but no data rows",
            "add one row per sample below the header",
        ));
    }

    // Class ids.
    let (class_names, y) =
        if label_col.is_some() { encode_labels(&labels) } else { (Vec::new(), Vec::new()) };
    if let Some(lc) = label_col {
        let mut counts = vec![0usize; class_names.len()];
        for &c in &y {
            counts[c] += 1;
        }
        if let Some(c) = counts.iter().position(|&k| k < 2) {
            let row = y.iter().position(|&v| v == c).unwrap_or(0);
            return Err(ProbeError::input(
                path,
                Loc { line: Some(label_lines[row]), column: Some((lc + 1, &headers[lc])) },
                format!(
                    "class \"{}\" has only 1 row; every class needs at least 2 (one to train, one to test)",
                    class_names[c]
                ),
                "add rows of this class or remove it",
            ));
        }
    }

    // Split.
    let (train_rows, test_rows, split_source) = if split_col.is_some() {
        let tr: Vec<usize> = (0..n).filter(|&i| !is_test[i]).collect();
        let te: Vec<usize> = (0..n).filter(|&i| is_test[i]).collect();
        (tr, te, SplitSource::Column)
    } else if label_col.is_some() {
        if !(opts.test_frac > 0.0 && opts.test_frac < 1.0) {
            return Err(ProbeError::usage(
                format!("--test-frac {} is outside (0, 1)", opts.test_frac),
                "pass a fraction such as --test-frac 0.3",
            ));
        }
        let (tr, te) = stratified_split(&y, class_names.len(), opts.test_frac, opts.seed);
        (tr, te, SplitSource::Stratified(opts.test_frac))
    } else {
        ((0..n).collect(), Vec::new(), SplitSource::AllTrain)
    };
    if train_rows.is_empty() {
        return Err(ProbeError::input(
            path,
            Loc { line: None, column: split_col.map(|c| (c + 1, SPLIT_COLUMN)) },
            "no training rows (every split value is \"test\")",
            "mark some rows as train, or remove the split column",
        ));
    }
    if label_col.is_some() && test_rows.is_empty() {
        return Err(ProbeError::input(
            path,
            Loc { line: None, column: split_col.map(|c| (c + 1, SPLIT_COLUMN)) },
            "no test rows (every split value is \"train\")",
            "mark some rows as test, or remove the split column to get a stratified split",
        ));
    }
    if let Some(lc) = label_col {
        let mut seen = vec![false; class_names.len()];
        for &i in &train_rows {
            seen[y[i]] = true;
        }
        if let Some(&i) = test_rows.iter().find(|&&i| !seen[y[i]]) {
            return Err(ProbeError::input(
                path,
                Loc { line: Some(label_lines[i]), column: Some((lc + 1, &headers[lc])) },
                format!("class \"{}\" is in the test split but not in the training split", class_names[y[i]]),
                "move some rows of this class to train, or remove the split column",
            ));
        }
    }

    // Standardize with train statistics.
    let (mean, scale, zero) = train_stats(&x, d, &train_rows);
    let feature_names: Vec<String> = feature_cols.iter().map(|&c| headers[c].clone()).collect();
    let zero_variance = zero.iter().map(|&j| feature_names[j].clone()).collect();
    let take = |rows: &[usize]| -> Split {
        let mut xs = Vec::with_capacity(rows.len() * d);
        for &i in rows {
            for j in 0..d {
                xs.push((x[i * d + j] - mean[j]) / scale[j]);
            }
        }
        let ys = if y.is_empty() { Vec::new() } else { rows.iter().map(|&i| y[i]).collect() };
        Split { x: xs, y: ys, rows: rows.to_vec() }
    };
    let kind = detect_kind(path, &feature_names, opts.channels)?;
    let encoder_input = match kind {
        DataKind::Series { channels, length, .. } => {
            Some(channel_standardizer(&x, d, &train_rows, channels, length, &mean, &scale))
        }
        _ => None,
    };
    Ok(Dataset {
        encoder_input,
        path: path.to_path_buf(),
        class_names,
        label_column: label_col.map(|c| headers[c].clone()),
        train: take(&train_rows),
        test: take(&test_rows),
        split_source,
        kind,
        mean,
        scale,
        zero_variance,
        feature_names,
    })
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

fn find_label(path: &Path, headers: &[String], label: &str) -> Result<usize> {
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
    let shown: Vec<&str> = headers.iter().take(8).map(String::as_str).collect();
    let more = if headers.len() > 8 { ", ..." } else { "" };
    Err(ProbeError::input(
        path,
        Loc { line: Some(1), column: None },
        format!("missing label column \"{label}\" (columns: {}{more})", shown.join(", ")),
        "name the label column with --label NAME|INDEX, or pass --no-label to pretrain without evaluation",
    ))
}

/// Class names and ids: integer labels in numeric order, otherwise lexicographic order.
fn encode_labels(labels: &[String]) -> (Vec<String>, Vec<usize>) {
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

/// Stratified split: each class's rows (in file order) are shuffled with one seeded generator
/// (classes in id order) and the first `clamp(round(n_c · frac), 1, n_c − 1)` go to test.
/// Returns sorted train and test row indices.
pub fn stratified_split(y: &[usize], classes: usize, frac: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = seeded(seed);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for c in 0..classes {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
        shuffle(&mut rng, &mut rows);
        let nc = rows.len();
        let nt = ((nc as f64 * frac).round() as usize).clamp(1, nc.saturating_sub(1).max(1));
        test.extend_from_slice(&rows[..nt]);
        train.extend_from_slice(&rows[nt..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

/// Train mean, scale (std, or 1 for zero variance) and the zero-variance column indices.
fn train_stats(x: &[f64], d: usize, rows: &[usize]) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    let n = rows.len() as f64;
    let mut mean = vec![0.0; d];
    for &i in rows {
        for j in 0..d {
            mean[j] += x[i * d + j];
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; d];
    for &i in rows {
        for j in 0..d {
            let c = x[i * d + j] - mean[j];
            var[j] += c * c;
        }
    }
    let mut zero = Vec::new();
    let scale = (0..d)
        .map(|j| {
            let s = (var[j] / n).sqrt();
            // StandardScaler's rule: a scale below 10·ε (relative to the mean) counts as zero.
            if s <= 10.0 * f64::EPSILON * mean[j].abs().max(1.0) {
                zero.push(j);
                1.0
            } else {
                s
            }
        })
        .collect();
    (mean, scale, zero)
}

/// The map from per-feature standardized values to per-channel standardized values:
/// `v = σ_j x_j + μ_j`, `x_e = (v − μ_c) / σ_c` with `μ_c`, `σ_c` the train mean and std
/// (ddof = 0) of channel `c` over all its steps.
fn channel_standardizer(
    x: &[f64],
    d: usize,
    rows: &[usize],
    channels: usize,
    length: usize,
    mean: &[f64],
    scale: &[f64],
) -> Affine {
    let mut a = vec![0.0; d];
    let mut b = vec![0.0; d];
    let count = (rows.len() * length) as f64;
    for c in 0..channels {
        let cols = c * length..(c + 1) * length;
        let mc: f64 = cols.clone().map(|j| mean[j]).sum::<f64>() / length as f64;
        let mut var = 0.0;
        for &i in rows {
            for j in cols.clone() {
                let e = x[i * d + j] - mc;
                var += e * e;
            }
        }
        let sc = (var / count).sqrt();
        let sc = if sc <= 10.0 * f64::EPSILON * mc.abs().max(1.0) { 1.0 } else { sc };
        for j in cols {
            a[j] = scale[j] / sc;
            b[j] = (mean[j] - mc) / sc;
        }
    }
    Affine { a, b }
}

/// Recognises a time series from the headers or `--channels`, else 2-D points or tabular.
fn detect_kind(path: &Path, names: &[String], channels: Option<usize>) -> Result<DataKind> {
    let d = names.len();
    if let Some(c) = channels {
        if c == 0 || d % c != 0 {
            return Err(ProbeError::usage(
                format!("--channels {c} does not divide the {d} feature columns of {}", path.display()),
                "pass the number of channels C so that the features are C channels × L steps, channel-major",
            ));
        }
        return Ok(DataKind::Series { channels: c, length: d / c, source: "--channels" });
    }
    if d >= 2 && names.iter().enumerate().all(|(i, s)| *s == format!("t{i}")) {
        return Ok(DataKind::Series { channels: 1, length: d, source: "header" });
    }
    let l = names.iter().filter(|s| s.starts_with("c0_t")).count();
    if l >= 2 && d % l == 0 && names.iter().enumerate().all(|(i, s)| *s == format!("c{}_t{}", i / l, i % l)) {
        return Ok(DataKind::Series { channels: d / l, length: l, source: "header" });
    }
    Ok(if d == 2 { DataKind::Points2d } else { DataKind::Tabular })
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

    #[test]
    fn stratified_split_keeps_classes_and_is_seeded() {
        let y: Vec<usize> = (0..100).map(|i| i % 3).collect();
        let (tr, te) = stratified_split(&y, 3, 0.3, 5);
        assert_eq!(tr.len() + te.len(), 100);
        for c in 0..3 {
            let nc = y.iter().filter(|&&v| v == c).count();
            let nt = te.iter().filter(|&&i| y[i] == c).count();
            assert_eq!(nt, (nc as f64 * 0.3).round() as usize);
        }
        assert_eq!(stratified_split(&y, 3, 0.3, 5), (tr.clone(), te.clone()));
        assert_ne!(stratified_split(&y, 3, 0.3, 6).1, te);
    }

    #[test]
    fn channel_standardizer_maps_to_channel_z_scores() {
        // Two rows, two channels of two steps: channel 0 = {1, 3, 5, 7}, channel 1 = {10, 10, 10, 10}.
        let x = [1.0, 3.0, 10.0, 10.0, 5.0, 7.0, 10.0, 10.0];
        let rows = [0, 1];
        let (mean, scale, zero) = train_stats(&x, 4, &rows);
        assert_eq!(zero, vec![2, 3]);
        let m = channel_standardizer(&x, 4, &rows, 2, 2, &mean, &scale);
        let (mu, sd) = (&mean, &scale);
        let standardized: Vec<f64> =
            x.chunks(4).flat_map(|r| (0..4).map(move |j| (r[j] - mu[j]) / sd[j])).collect();
        let e = m.apply(&standardized);
        let sd = 5f64.sqrt(); // channel 0: mean 4, var (9 + 1 + 1 + 9) / 4 = 5
        for (got, want) in e.iter().zip([-3.0 / sd, -1.0 / sd, 0.0, 0.0, 1.0 / sd, 3.0 / sd, 0.0, 0.0]) {
            assert!((got - want).abs() < 1e-12, "{e:?}");
        }
    }

    #[test]
    fn series_detection() {
        let p = Path::new("x.csv");
        let t: Vec<String> = (0..5).map(|i| format!("t{i}")).collect();
        assert_eq!(
            detect_kind(p, &t, None).unwrap(),
            DataKind::Series { channels: 1, length: 5, source: "header" }
        );
        let c: Vec<String> = (0..6).map(|i| format!("c{}_t{}", i / 3, i % 3)).collect();
        assert_eq!(
            detect_kind(p, &c, None).unwrap(),
            DataKind::Series { channels: 2, length: 3, source: "header" }
        );
        let f: Vec<String> = (0..6).map(|i| format!("f{i}")).collect();
        assert_eq!(detect_kind(p, &f, None).unwrap(), DataKind::Tabular);
        assert_eq!(detect_kind(p, &f[..2], None).unwrap(), DataKind::Points2d);
        assert!(detect_kind(p, &f, Some(4)).is_err());
    }
}
