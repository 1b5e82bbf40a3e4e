//! Choosing a configuration without looking at the test rows. [`validation`] carves stratified
//! validation folds from the *training* rows only (k-fold on small training sets, one held-out
//! fold otherwise); [`space`] lists the candidate configurations (from the validation study in
//! `DECISIONS.md`, "Defaults"); [`halving`] ranks them by successive halving on the folds;
//! [`select`] runs the whole search for `probe FILE` (on by default, `--no-search` to skip) and
//! [`result`] holds what the report records of it.

pub mod halving;
pub mod result;
pub mod select;
pub mod space;
pub mod validation;
