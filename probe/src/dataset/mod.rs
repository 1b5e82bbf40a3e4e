//! Reading data: a CSV into standardized train and test matrices, in the order the data goes
//! through ([`read`] the file, [`labels`], [`split`], [`standardize`], [`kind`] of data).
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
//!   `t0..tL-1` or channel-major `c0_t0..cC-1_tL-1` (or with `--channels C`), an image when they
//!   are row-major `pixel_0_0..pixel_{H-1}_{W-1}` (or with `--image HxW`), 2-D points when
//!   there are exactly two features, tabular otherwise.
//!
//! Matrices are row-major `n × d` `Vec<f64>`: one sample per row, which is also the
//! column-major `d × n` layout of selfsup-core (samples are columns).

pub mod columns;
pub mod kind;
pub mod labels;
pub mod memory;
pub mod read;
pub mod split;
pub mod standardize;

pub use columns::Columns;
pub use kind::DataKind;
pub use split::{Split, SplitSource, stratified_split};
pub use standardize::Affine;

use crate::error::{Loc, ProbeError, Result, shown};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

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
    /// One-line warnings and notes about the input (outliers, columns left out, likely row
    /// ids), each starting with `warning:` or `note:`, to print before the run.
    pub notes: Vec<String>,
    /// The outlier cells of [`Dataset::notes`], one record each, for the reports.
    pub warnings: Vec<standardize::CellWarning>,
    /// For time series and images: the per-feature affine map `x_e = a_j x_j + b_j` from the
    /// standardized features to the encoders' input, each channel (each image) standardized as
    /// a whole (train mean and std over all its steps or pixels), so that a time shift or a
    /// translation moves values of one scale. `None` for other data (the encoders see the
    /// standardized features).
    pub encoder_input: Option<Affine>,
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
    pub fn encoder_train(&self) -> Cow<'_, [f64]> {
        match &self.encoder_input {
            Some(m) => Cow::Owned(m.apply(&self.train.x)),
            None => Cow::Borrowed(&self.train.x),
        }
    }

    /// What decides the memory of a run on this data with the options `--dim`, `--hidden`
    /// (0 for a linear encoder), `--batch` and `--repeats`; unset ones take their usual
    /// defaults (K = min(16, d) for a linear encoder, 16 for an MLP, batch min(256, training
    /// rows); for an MLP on 2-D points, whose K is 2, this overestimates a little).
    pub fn footprint(
        &self,
        dim: Option<usize>,
        hidden: usize,
        batch: Option<usize>,
        repeats: usize,
    ) -> memory::Footprint {
        memory::Footprint {
            rows: self.train.len() + self.test.len(),
            features: self.dim(),
            dim: dim.unwrap_or(if hidden > 0 { 16 } else { self.dim().min(16) }),
            hidden,
            batch: batch.unwrap_or(self.train.len().min(256)),
            repeats,
        }
    }

    /// The data as the baselines (raw features, PCA) see it: an image's pixels in the encoders'
    /// input scaling, standardized as a whole ([`Dataset::encoder_input`]), so that raw pixels,
    /// PCA and the encoders are compared on one input and the verdict does not credit
    /// pretraining with the scaling (`DECISIONS.md`, "The search, step 7"); other kinds as they
    /// are (a series' baselines keep per-feature standardization).
    pub fn baseline_view(&self) -> Cow<'_, Dataset> {
        match (&self.kind, &self.encoder_input) {
            (DataKind::Image { .. }, Some(m)) => {
                let mut v = self.clone();
                v.train.x = m.apply(&self.train.x);
                v.test.x = m.apply(&self.test.x);
                v.encoder_input = None;
                Cow::Owned(v)
            }
            _ => Cow::Borrowed(self),
        }
    }

    /// The same data seen as tabular rows: an image's pixels as independent features, the
    /// encoders on the standardized features; other kinds unchanged. `probe anomaly` scores
    /// images this way, since its defaults were validated on digits as tabular rows
    /// (DECISIONS.md, issue 12) and translations were not validated for it.
    pub fn image_as_tabular(mut self) -> Dataset {
        if matches!(self.kind, DataKind::Image { .. }) {
            self.kind = DataKind::Tabular;
            self.encoder_input = None;
        }
        self
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
    /// Declared image size `(H, W)` (`--image HxW`).
    pub image: Option<(usize, usize)>,
    /// Delimiter and the columns to use (`--delimiter`, `--drop`, `--features`).
    pub columns: Columns,
}

impl Default for LoadOptions {
    /// The command line's defaults: label column `label`, a stratified 30 % test split with seed
    /// 0 (`--label label --test-frac 0.3 --seed 0`), no declared channels or image size, every
    /// column but the label, the delimiter detected.
    fn default() -> Self {
        Self {
            label: Some("label".into()),
            test_frac: 0.3,
            seed: 0,
            channels: None,
            image: None,
            columns: Columns::default(),
        }
    }
}

/// Reads, validates, splits and standardizes `path`.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Dataset> {
    let table = read::read_table(path, opts.label.as_deref(), &opts.columns)?;
    let d = table.dim();
    let (class_names, y) = match table.label_col {
        Some(lc) => {
            let (names, y) = labels::encode_labels(&table.labels);
            labels::check_class_sizes(path, &names, &y, &table.lines, (lc + 1, &table.headers[lc]))?;
            (names, y)
        }
        None => (Vec::new(), Vec::new()),
    };
    let (train_rows, test_rows, split_source) =
        split::split_rows(path, &table, &y, &class_names, opts.test_frac, opts.seed)?;

    let x = &table.x;
    let mut st = standardize::Standardizer::fit(x, d, &train_rows);
    let train_outliers = st.outliers.len();
    st.find_outliers(x, d, &test_rows);
    let warnings = st
        .outliers
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let c = table.feature_cols[o.feature];
            standardize::CellWarning {
                kind: "outlier".into(),
                line: table.lines[o.row],
                column: c + 1,
                column_name: table.headers[c].clone(),
                split: if k < train_outliers { "train" } else { "test" }.into(),
                value: o.value,
                robust_stds: o.robust_stds,
                clipped_to: o.clipped_to,
                action: format!(
                    "replaced by {:.4e}, the nearest training value of its column within {:.0e} robust standard deviations of the median, before standardizing",
                    o.clipped_to,
                    standardize::OUTLIER_ROBUST_STDS
                ),
            }
        })
        .collect();
    let feature_names: Vec<String> = table.feature_cols.iter().map(|&c| table.headers[c].clone()).collect();
    let zero_variance = st.constant.iter().map(|&j| feature_names[j].clone()).collect();
    let mut notes = table.notes.clone();
    notes.extend(outlier_notes(path, &table, &st.outliers));
    let take = |rows: &[usize]| -> Result<Split> {
        let xs = st.transform(x, rows);
        if let Some(k) = xs.iter().position(|v| !v.is_finite()) {
            let (i, j) = (rows[k / d], k % d);
            let c = table.feature_cols[j];
            return Err(ProbeError::input(
                path,
                Loc { line: Some(table.lines[i]), column: Some((c + 1, &table.headers[c])) },
                format!(
                    "{:e} is too far from the column's constant training value {:e} to standardize",
                    x[i * d + j],
                    st.mean[j]
                ),
                "check the value, remove the row, or leave the column out with --drop",
            ));
        }
        Ok(Split {
            x: xs,
            y: if y.is_empty() { Vec::new() } else { rows.iter().map(|&i| y[i]).collect() },
            rows: rows.to_vec(),
        })
    };
    let (train, test) = (take(&train_rows)?, take(&test_rows)?);
    let (mean, scale) = (st.mean, st.scale);
    let kind = kind::detect_kind(path, &feature_names, opts.channels, opts.image)?;
    let encoder_input =
        kind.blocks().map(|b| standardize::channel_standardizer(x, d, &train_rows, b, &mean, &scale));
    Ok(Dataset {
        encoder_input,
        path: path.to_path_buf(),
        class_names,
        label_column: table.label_col.map(|c| table.headers[c].clone()),
        train,
        test,
        notes,
        warnings,
        split_source,
        kind,
        mean,
        scale,
        zero_variance,
        feature_names,
    })
}

/// Cells listed by name in the outlier warning; more are counted.
const OUTLIERS_SHOWN: usize = 3;

/// One warning line per feature with outliers: where they are, how far, what was done.
fn outlier_notes(path: &Path, table: &read::Table, outliers: &[standardize::Outlier]) -> Vec<String> {
    let mut notes = Vec::new();
    let mut features: Vec<usize> = outliers.iter().map(|o| o.feature).collect();
    features.sort_unstable();
    features.dedup();
    for j in features {
        let c = table.feature_cols[j];
        let here: Vec<&standardize::Outlier> = outliers.iter().filter(|o| o.feature == j).collect();
        let cells: Vec<String> = here
            .iter()
            .take(OUTLIERS_SHOWN)
            .map(|o| format!("line {} ({:.1e} robust std)", table.lines[o.row], o.robust_stds))
            .collect();
        let more = if here.len() > OUTLIERS_SHOWN {
            format!(" and {} more", here.len() - OUTLIERS_SHOWN)
        } else {
            String::new()
        };
        notes.push(format!(
            "warning: {}: column {} (\"{}\"): {} cell(s) more than {:.0e} robust standard deviations from the training median, each replaced by the nearest training value within that distance: {}{more}; check them, remove the rows or --drop the column",
            shown(&path.display().to_string()),
            c + 1,
            shown(&table.headers[c]),
            here.len(),
            standardize::OUTLIER_ROBUST_STDS,
            cells.join(", ")
        ));
    }
    notes
}

/// A shipped data file (`data/NAME`) loaded with the command line's defaults
/// ([`LoadOptions::default`]), as the unit tests use it.
#[cfg(test)]
pub(crate) fn shipped(name: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(name);
    load(&path, &LoadOptions::default()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image's baselines see the encoders' input (pixels standardized as a whole), bit for
    /// bit; tabular rows are not copied and keep their per-feature standardization.
    #[test]
    fn baselines_of_an_image_see_the_encoders_input() {
        let img = shipped("digits.csv");
        assert!(matches!(img.kind, DataKind::Image { .. }));
        let view = img.baseline_view();
        assert!(view.encoder_input.is_none());
        assert_eq!(view.train.x, *img.encoder_train());
        let m = img.encoder_input.as_ref().unwrap();
        assert_eq!(view.test.x, m.apply(&img.test.x));
        assert_ne!(view.train.x, img.train.x, "the whole-image scaling differs from per-feature");
        let tab = shipped("iris.csv");
        assert!(matches!(tab.baseline_view(), Cow::Borrowed(_)));
    }
}
