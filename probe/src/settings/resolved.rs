//! The resolved settings of a run: one value, recorded in the report as is.

use super::model::ModelOptions;
use super::options::{Method, OptimizerKind};
use crate::augment::Pipeline;
use crate::weights::init::InitWeights;
use serde::Serialize;
use std::path::PathBuf;

impl Method {
    /// The name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Method::Infonce => "infonce",
            Method::Ntxent => "ntxent",
            Method::Ae => "ae",
            Method::Byol => "byol",
            Method::Simsiam => "simsiam",
            Method::Barlow => "barlow",
            Method::Vicreg => "vicreg",
        }
    }
}

/// A default chosen from the data.
#[derive(Serialize, Clone, Debug)]
pub struct Choice {
    /// Option name, e.g. `--dim`.
    pub option: String,
    /// Value chosen.
    pub value: String,
    /// Why.
    pub reason: String,
}

/// A [`Choice`].
pub fn choice(option: &str, value: impl ToString, reason: &str) -> Choice {
    Choice { option: option.into(), value: value.to_string(), reason: reason.into() }
}

/// Everything pretraining needs.
#[derive(Clone, Debug)]
pub struct PretrainConfig {
    /// Objective.
    pub method: Method,
    /// Embedding size `K`.
    pub dim: usize,
    /// Epochs.
    pub epochs: usize,
    /// Batch size `B`.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// Temperature of InfoNCE / NT-Xent.
    pub tau: f64,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Weight decay.
    pub weight_decay: f64,
    /// Augmentations (core's pipeline, channels set).
    pub aug: Pipeline,
    /// Seed of initialisation, batches and augmentations.
    pub seed: u64,
    /// Initial weights (`--init`), checked against the run, replacing the random ones (which
    /// are still drawn, so batches and augmentations match a run without `--init`).
    pub init: Option<InitWeights>,
}

/// The fully resolved settings of a run.
pub struct Settings {
    /// Pretraining settings (the seed is the base seed).
    pub cfg: PretrainConfig,
    /// The seed of each run.
    pub seeds: Vec<u64>,
    /// Pretrain in f64.
    pub double: bool,
    /// Defaults chosen from the data, with the reason.
    pub chosen: Vec<Choice>,
    /// Report directory.
    pub out_dir: PathBuf,
    /// Architecture and method settings, for runs of [`crate::train::methods`].
    pub model: Option<ModelOptions>,
}
