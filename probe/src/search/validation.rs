//! Validation folds carved from the training rows only.
//!
//! Each class's training rows (in file order) are shuffled with one seeded generator (classes
//! in id order) and dealt round-robin into `k` folds, so every fold holds `⌊n_c / k⌋` or
//! `⌈n_c / k⌉` rows of class `c`. Fold `i` is the validation set of round `i`; the other folds
//! train. [`plan`] picks `k`: k-fold cross-validation on small training sets (fewer than
//! [`SMALL_TRAIN`] rows), where one held-out fold would be too noisy to rank configurations,
//! and a single held-out fold of `1/k = 1/4` of the training rows otherwise.
//!
//! The test rows are never part of any fold: [`write_fold_csv`] writes only training rows.
//!
//! Above [`SEARCH_ROWS`] training rows, [`sample`] keeps a stratified seeded sample of that
//! many for the search (the others are [`UNUSED`] in every round): ranking a handful of
//! configurations needs thousands of validation rows, not hundreds of thousands, and this keeps
//! the search's cost flat in the number of rows. The winner is still trained on every
//! training row.
//!
//! ```
//! use probe::search::validation::folds;
//! let y = [0, 0, 0, 0, 1, 1, 1, 1];
//! let f = folds(&y, 2, 2, 7);
//! // Each fold holds two rows of each class.
//! for fold in 0..2 {
//!     for c in 0..2 {
//!         assert_eq!((0..8).filter(|&i| f[i] == fold && y[i] == c).count(), 2);
//!     }
//! }
//! ```

use crate::dataset::read::SPLIT_COLUMN;
use crate::dataset::standardize::{Standardizer, channel_standardizer};
use crate::dataset::{Dataset, Split};
use crate::error::{Loc, ProbeError, Result};
use selfsup_core::rng::{seeded, shuffle};
use std::path::Path;

/// Below this many training rows, validation is k-fold cross-validation over the training rows.
pub const SMALL_TRAIN: usize = 200;

/// Number of folds (4: a 75/25 split of the training rows per round).
pub const FOLDS: usize = 4;

/// Repetitions of the k-fold split on small training sets (fewer than [`SMALL_TRAIN`] rows):
/// each with its own seeded fold assignment and training seed, so that a candidate's score
/// averages `FOLDS × REPETITIONS` trainings, not one seed on four folds of a few dozen rows.
pub const REPETITIONS: usize = 3;

/// One validation round: a fold's training and held-out rows ([`fold_data`]) and the seed of
/// the trainings on it.
#[derive(Clone, Debug)]
pub struct Round {
    /// The round's rows.
    pub data: Dataset,
    /// The seed of every training on this round.
    pub seed: u64,
    /// The stopping rule of the linear probe of the trials on this round
    /// ([`crate::eval::linear_probe::ProbeOptions::gtol`]; [`probe_gtol`]).
    pub probe_gtol: f64,
}

/// The linear probe's stopping rule in the search's trials on a [`sample`] of the training
/// rows: max |g| ≤ 1e-4 on the mean objective, scikit-learn's `LogisticRegression` default
/// (`tol`). A trial only ranks candidates.
pub const SAMPLED_PROBE_GTOL: f64 = 1e-4;

/// The trials' linear-probe stopping rule: [`SAMPLED_PROBE_GTOL`] when the search validates on
/// a sample of the training rows (more than [`SEARCH_ROWS`]), else the probe's default
/// ([`crate::eval::linear_probe::DEFAULT_GTOL`]), so that searches on up to [`SEARCH_ROWS`]
/// rows score exactly as the evaluation does.
pub fn probe_gtol(n_train: usize) -> f64 {
    if n_train > SEARCH_ROWS { SAMPLED_PROBE_GTOL } else { crate::eval::linear_probe::DEFAULT_GTOL }
}

/// Training rows the search validates on at most (15 000 train / 5 000 validation per round).
pub const SEARCH_ROWS: usize = 20_000;

/// The fold of a training row left out of the search by [`sample`].
pub const UNUSED: usize = usize::MAX;

/// Marks all but a stratified seeded sample of about `cap` rows [`UNUSED`] in `fold_of` (each
/// class keeps `⌈n_c · cap / n⌉` of its rows, drawn with `seed`); nothing changes when there are
/// `cap` rows or fewer.
pub fn sample(fold_of: &mut [usize], y: &[usize], classes: usize, cap: usize, seed: u64) {
    let n = y.len();
    if n <= cap {
        return;
    }
    let mut rng = seeded(seed ^ 0x5a3e_5eed);
    for c in 0..classes {
        let mut rows: Vec<usize> = (0..n).filter(|&i| y[i] == c).collect();
        let keep = (rows.len() * cap).div_ceil(n);
        shuffle(&mut rng, &mut rows);
        for &i in &rows[keep.min(rows.len())..] {
            fold_of[i] = UNUSED;
        }
    }
}

/// How the training rows are split for validation: `k` folds, of which the first `rounds` are
/// used as validation sets (all `k` on small training sets, 1 otherwise), the whole split
/// repeated `repetitions` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Number of folds.
    pub k: usize,
    /// Validation rounds (fold 0 … rounds − 1) per repetition.
    pub rounds: usize,
    /// Repetitions of the split ([`REPETITIONS`] on small training sets, else 1).
    pub repetitions: usize,
}

/// The validation plan for `n_train` training rows whose smallest class has `min_class` rows:
/// k-fold (k = min([`FOLDS`], min_class)) repeated [`REPETITIONS`] times below [`SMALL_TRAIN`]
/// rows, one held-out fold otherwise.
pub fn plan(n_train: usize, min_class: usize) -> Plan {
    let k = FOLDS.min(min_class).max(2);
    let small = n_train < SMALL_TRAIN;
    Plan { k, rounds: if small { k } else { 1 }, repetitions: if small { REPETITIONS } else { 1 } }
}

/// The fold (0 … k − 1) of each row with class id `y[i]` (`classes` classes), stratified and
/// seeded (see the module documentation).
pub fn folds(y: &[usize], classes: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = seeded(seed);
    let mut fold = vec![0; y.len()];
    for c in 0..classes {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
        shuffle(&mut rng, &mut rows);
        for (j, &i) in rows.iter().enumerate() {
            fold[i] = j % k.max(1);
        }
    }
    fold
}

/// The validation round `fold` of `data` as a dataset of its own: its training rows are the
/// training rows outside fold `fold` (`fold_of` as from [`folds`]), its test rows those of
/// fold `fold`. Both are standardized again with the statistics of the round's training rows
/// (and, for series, the per-channel map of the encoders' input refitted on them), so that
/// nothing of the held-out rows, not even their mean, reaches the round's training. The
/// file's test rows are not part of it.
pub fn fold_data(data: &Dataset, fold_of: &[usize], fold: usize) -> Dataset {
    let d = data.dim();
    let x = &data.train.x;
    let (tr, va): (Vec<usize>, Vec<usize>) =
        (0..fold_of.len()).filter(|&i| fold_of[i] != UNUSED).partition(|&i| fold_of[i] != fold);
    let st = Standardizer::fit(x, d, &tr);
    let take = |rows: &[usize]| Split {
        x: st.transform(x, rows),
        y: if data.train.y.is_empty() { Vec::new() } else { rows.iter().map(|&i| data.train.y[i]).collect() },
        rows: rows.iter().map(|&i| data.train.rows[i]).collect(),
    };
    let encoder_input = data.kind.blocks().map(|b| channel_standardizer(x, d, &tr, b, &st.mean, &st.scale));
    Dataset { train: take(&tr), test: take(&va), encoder_input, notes: Vec::new(), ..data.clone() }
}

/// Writes the training rows of `data` (read from `path`) to `out` with a `split` column:
/// `test` for the rows of fold `fold`, `train` for the others (`fold_of` gives the fold of each
/// training row, in the order of `data.train.rows`). A `split` column of the input is replaced;
/// every other field is copied as read. The file's test rows are not written.
pub fn write_fold_csv(path: &Path, data: &Dataset, fold_of: &[usize], fold: usize, out: &Path) -> Result<()> {
    let read_err = |e: csv::Error| {
        ProbeError::input(path, Loc::default(), format!("cannot read the CSV: {e}"), "check the file")
    };
    let write_err = |e: &dyn std::fmt::Display| {
        ProbeError::input(out, Loc::default(), format!("cannot write: {e}"), "check the directory")
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(read_err)?;
    let headers = reader.headers().map_err(read_err)?.clone();
    let keep: Vec<usize> = (0..headers.len()).filter(|&c| &headers[c] != SPLIT_COLUMN).collect();
    let mut split_of = std::collections::HashMap::new();
    for (j, &row) in data.train.rows.iter().enumerate().filter(|&(j, _)| fold_of[j] != UNUSED) {
        split_of.insert(row, if fold_of[j] == fold { "test" } else { "train" });
    }
    let mut w = csv::Writer::from_path(out).map_err(|e| write_err(&e))?;
    let mut head: Vec<&str> = keep.iter().map(|&c| &headers[c]).collect();
    head.push(SPLIT_COLUMN);
    w.write_record(&head).map_err(|e| write_err(&e))?;
    for (row, rec) in reader.records().enumerate() {
        let rec = rec.map_err(read_err)?;
        if let Some(s) = split_of.get(&row) {
            let mut fields: Vec<&str> = keep.iter().map(|&c| rec.get(c).unwrap_or("")).collect();
            fields.push(s);
            w.write_record(&fields).map_err(|e| write_err(&e))?;
        }
    }
    w.flush().map_err(|e| write_err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_balanced_and_seeded() {
        let y: Vec<usize> = (0..103).map(|i| i % 3).collect();
        let f = folds(&y, 3, 4, 1);
        for c in 0..3 {
            let nc = y.iter().filter(|&&v| v == c).count();
            for k in 0..4 {
                let m = (0..y.len()).filter(|&i| f[i] == k && y[i] == c).count();
                assert!(m == nc / 4 || m == nc.div_ceil(4), "class {c} fold {k}: {m}");
            }
        }
        assert_eq!(folds(&y, 3, 4, 1), f);
        assert_ne!(folds(&y, 3, 4, 2), f);
    }

    #[test]
    fn sample_keeps_a_stratified_share_and_leaves_small_sets_alone() {
        let y: Vec<usize> = (0..1000).map(|i| usize::from(i % 10 == 0)).collect();
        let mut f = folds(&y, 2, 4, 3);
        let before = f.clone();
        sample(&mut f, &y, 2, 1000, 3);
        assert_eq!(f, before);
        sample(&mut f, &y, 2, 200, 3);
        let kept = |c: usize| (0..1000).filter(|&i| y[i] == c && f[i] != UNUSED).count();
        assert_eq!((kept(0), kept(1)), (180, 20));
        for i in 0..1000 {
            assert!(f[i] == UNUSED || f[i] == before[i]);
        }
    }

    #[test]
    fn probe_tolerance_is_loosened_only_on_a_sample() {
        assert_eq!(probe_gtol(SEARCH_ROWS), crate::eval::linear_probe::DEFAULT_GTOL);
        assert_eq!(probe_gtol(SEARCH_ROWS + 1), SAMPLED_PROBE_GTOL);
    }

    #[test]
    fn plan_uses_k_fold_on_small_training_sets() {
        assert_eq!(plan(40, 10), Plan { k: 4, rounds: 4, repetitions: REPETITIONS });
        assert_eq!(plan(105, 2), Plan { k: 2, rounds: 2, repetitions: REPETITIONS });
        assert_eq!(plan(1257, 122), Plan { k: 4, rounds: 1, repetitions: 1 });
    }
}
