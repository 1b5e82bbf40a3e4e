//! The result of one training run: the encoder before and after training (frozen, in f64),
//! the loss of every epoch, the collapse guard's record and the trained parameters.

use super::collapse::CollapseLog;
use crate::network::Embedder;
use crate::weights::NetWeights;

/// One trained run.
#[derive(Clone, Debug)]
pub struct Trained {
    /// The encoder before training (the random baseline, or the `--init` weights).
    pub initial: Embedder,
    /// The trained encoder.
    pub trained: Embedder,
    /// Mean loss of each epoch.
    pub losses: Vec<f64>,
    /// The collapse guard's record.
    pub collapse: CollapseLog,
    /// The trained network (encoder and head), for `--export`.
    pub net: NetWeights,
}
