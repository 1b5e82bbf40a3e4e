//! # probe
//!
//! Pretrain a self-supervised encoder (selfsup-core) on any CSV, then evaluate the frozen
//! embedding by linear probing and kNN retrieval, side by side with raw features, a random
//! encoder and PCA, and write a report.
//!
//! The binary is a thin wrapper around [`run_cli`], so tests drive exactly what users run:
//!
//! ```no_run
//! let mut out = Vec::new();
//! let mut err = Vec::new();
//! let code = probe::run_cli(["probe", "data/ring.csv", "--quiet"], &mut out, &mut err);
//! assert_eq!(code, 0);
//! ```
//!
//! The modules follow the data's path, and import only from modules listed before them:
//! [`error`] (the one error type) · [`dataset`] (read, labels, split, standardize, data kind) ·
//! [`augment`] · [`network`] (the encoders, heads and predictors) · [`weights`] (the state
//! dict, weights in and out) · [`settings`] (the options, resolved once into one value) ·
//! [`eval`] (the representations, linear probe, kNN, PCA, diagnostics) · [`train`] (building
//! and training the learner, the collapse guard) · [`output`] (JSON, Markdown, SVG) · [`cli`]
//! (the command line) · [`commands`] (`run`, `compare`, `gen`, and [`run_cli`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod augment;
pub mod cli;
pub mod commands;
pub mod dataset;
pub mod error;
pub mod eval;

pub mod network;
pub mod output;
pub mod search;
pub mod settings;
pub mod train;
pub mod weights;

pub use commands::run_cli;
// The evaluation numerics refer to each other as `crate::knn`, `crate::lbfgs`, ….
pub use eval::{
    diagnostics, knn, lbfgs, linear_probe, parallel, pca, ranking, similarity, softmax_objective,
};
