//! The resolved settings of a run: one value, recorded in the report as is.

use super::model::ModelOptions;
use super::options::{Method, OptimizerKind};
use crate::augment::Pipeline;
use crate::weights::Precision;
use crate::weights::init::InitWeights;
use serde::{Serialize, Serializer};
use std::path::PathBuf;

/// The linear encoder's random initialisation, as the report names it.
pub const INIT_NAME: &str = "normal(0, 0.1^2), no bias";

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

/// The resolved settings of a run: what was asked, with every "auto" default chosen from the
/// data. Training, evaluation and every command read this one value, and the report records
/// it as is (`config` in `report.json`).
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
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
    /// Augmentations (core's pipeline, channels set; canonical spec in the report, `none` for
    /// the autoencoder).
    #[serde(serialize_with = "spec")]
    pub aug: Pipeline,
    /// Base seed.
    pub seed: u64,
    /// Number of runs.
    pub repeats: usize,
    /// The seed of each run: `seed, seed + 1, …`.
    pub seeds: Vec<u64>,
    /// Training precision (`f32` or `f64`; evaluation runs in f64).
    #[serde(serialize_with = "precision")]
    pub precision: Precision,
    /// Initial weights (`--init`), checked against the run, replacing the random ones after
    /// they are drawn (so batches and augmentations match a run without `--init`); the report
    /// names the random initialisation or the file.
    #[serde(serialize_with = "init")]
    pub init: Option<InitWeights>,
    /// Architecture and method settings.
    pub model: ModelOptions,
    /// Defaults chosen from the data, with the reason.
    pub chosen: Vec<Choice>,
    /// Report directory.
    #[serde(skip)]
    pub out_dir: PathBuf,
    /// Threads (not recorded: results do not depend on it).
    #[serde(skip)]
    pub threads: usize,
}

impl Settings {
    /// These settings with another method (`probe compare`).
    pub fn with_method(&self, method: Method) -> Self {
        Self { method, ..self.clone() }
    }
}

fn spec<S: Serializer>(p: &Pipeline, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string())
}

fn precision<S: Serializer>(p: &Precision, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match p {
        Precision::F32 => "f32",
        Precision::F64 => "f64",
    })
}

fn init<S: Serializer>(i: &Option<InitWeights>, s: S) -> Result<S::Ok, S::Error> {
    match i {
        None => s.serialize_str(INIT_NAME),
        Some(i) => s.serialize_str(&format!("--init {}", i.describe())),
    }
}
