//! The train/test split: the file's `split` column (`train` / `test`) when there is one,
//! otherwise a stratified, seeded split that puts `round(n_c · test_frac)` rows of each class
//! `c` (at least 1 and at most `n_c − 1`) into the test set; without labels every row trains.

use super::read::{SPLIT_COLUMN, Table};
use crate::error::{Loc, ProbeError, Result, shown};
use selfsup_core::rng::{seeded, shuffle};
use std::path::Path;

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

/// Train and test row indices of `table` (class ids `y`, `classes` of them; empty without
/// labels) and where the split came from, with the checks that both sides are usable.
pub fn split_rows(
    path: &Path,
    table: &Table,
    y: &[usize],
    class_names: &[String],
    test_frac: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>, SplitSource)> {
    let n = table.rows();
    let (train, test, source) = if table.split_col.is_some() {
        let tr: Vec<usize> = (0..n).filter(|&i| !table.is_test[i]).collect();
        let te: Vec<usize> = (0..n).filter(|&i| table.is_test[i]).collect();
        (tr, te, SplitSource::Column)
    } else if table.label_col.is_some() {
        if !(test_frac > 0.0 && test_frac < 1.0) {
            return Err(ProbeError::usage(
                format!("--test-frac {test_frac} is outside (0, 1)"),
                "pass a fraction such as --test-frac 0.3",
            ));
        }
        let (tr, te) = stratified_split(y, class_names.len(), test_frac, seed);
        (tr, te, SplitSource::Stratified(test_frac))
    } else {
        ((0..n).collect(), Vec::new(), SplitSource::AllTrain)
    };
    let split_loc = || Loc { line: None, column: table.split_col.map(|c| (c + 1, SPLIT_COLUMN)) };
    if train.is_empty() {
        return Err(ProbeError::input(
            path,
            split_loc(),
            "no training rows (every split value is \"test\")",
            "mark some rows as train, or remove the split column",
        ));
    }
    if train.len() < 2 {
        return Err(ProbeError::input(
            path,
            split_loc(),
            format!(
                "the training split has only {} row of the file's {n}; pretraining needs at least 2 (a batch holds two or more rows)",
                train.len()
            ),
            if table.split_col.is_some() {
                "mark at least 2 rows as train, or add rows"
            } else {
                "add rows: at least 2 to train (and, with labels, 2 per class)"
            },
        ));
    }
    if let Some(lc) = table.label_col {
        if test.is_empty() {
            return Err(ProbeError::input(
                path,
                split_loc(),
                "no test rows (every split value is \"train\")",
                "mark some rows as test, or remove the split column to get a stratified split",
            ));
        }
        let mut seen = vec![false; class_names.len()];
        for &i in &train {
            seen[y[i]] = true;
        }
        if let Some(&i) = test.iter().find(|&&i| !seen[y[i]]) {
            return Err(ProbeError::input(
                path,
                Loc { line: Some(table.lines[i]), column: Some((lc + 1, &table.headers[lc])) },
                format!(
                    "class \"{}\" is in the test split but not in the training split",
                    shown(&class_names[y[i]])
                ),
                "move some rows of this class to train, or remove the split column",
            ));
        }
        check_two_classes(path, table, y, class_names, (&train, &test))?;
    }
    Ok((train, test, source))
}

/// Refuses a split with fewer than two classes on either side: a linear probe or kNN over
/// one class scores 100% whatever the representation.
fn check_two_classes(
    path: &Path,
    table: &Table,
    y: &[usize],
    class_names: &[String],
    (train, test): (&[usize], &[usize]),
) -> Result<()> {
    let classes_in = |rows: &[usize]| {
        let mut seen = vec![false; class_names.len()];
        rows.iter().for_each(|&i| seen[y[i]] = true);
        seen.iter().filter(|&&s| s).count()
    };
    let (ktr, kte) = (classes_in(train), classes_in(test));
    if ktr >= 2 && kte >= 2 {
        return Ok(());
    }
    let lc = table.label_col.unwrap_or(0);
    let loc = Loc { line: None, column: Some((lc + 1, table.headers[lc].as_str())) };
    let what = if class_names.len() < 2 {
        format!(
            "only one class (\"{}\") in the label column; probing needs at least 2 classes in the training and in the test split",
            class_names.first().map(|c| shown(c)).unwrap_or_default()
        )
    } else {
        format!(
            "the training split has {ktr} class(es) and the test split {kte}; probing needs at least 2 classes in each"
        )
    };
    Err(ProbeError::input(
        path,
        loc,
        what,
        if class_names.len() < 2 {
            "label rows with two or more classes, pass --label to name the right column, or --no-label to pretrain without evaluation"
        } else {
            "mark rows of two or more classes as train and as test, or remove the split column to get a stratified split"
        },
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
