//! Choosing a configuration without looking at the test rows: [`validation`] carves stratified
//! validation folds from the *training* rows only (k-fold on small training sets, one held-out
//! fold otherwise), so that encoders, augmentations and temperatures are compared on data the
//! final test evaluation never sees. The evidence behind today's defaults, measured this way,
//! is in `DECISIONS.md` ("Defaults").

pub mod halving;
pub mod result;
pub mod select;
pub mod space;
pub mod validation;
