//! The result of a pretraining run: the encoder before and after training, the losses and the
//! collapse guard's record.

use super::collapse::CollapseLog;
use crate::dataset::Affine;
use crate::eval::Representation;
use crate::network::Embedder;
use crate::weights::NetWeights;

/// The result of one pretraining run.
#[derive(Clone, Debug)]
pub struct Pretrained {
    /// Initial (random) encoder weights, row-major `K × D`, as f64.
    pub initial: Vec<f64>,
    /// Trained encoder weights, row-major `K × D`, as f64.
    pub weights: Vec<f64>,
    /// Mean loss of each epoch.
    pub losses: Vec<f64>,
    /// The trained network (encoder and head), for `--export`.
    pub net: NetWeights,
    /// Runs of probe::methods (MLP encoders, heads, non-contrastive objectives): the frozen
    /// encoders and the collapse guard's record (`initial` / `weights` hold the first layer).
    pub ssl: Option<SslRun>,
}

/// The result of one run.
#[derive(Clone, Debug)]
pub struct SslRun {
    /// The encoder before training (the random baseline).
    pub initial: Embedder,
    /// The trained encoder.
    pub trained: Embedder,
    /// Mean loss of each epoch.
    pub losses: Vec<f64>,
    /// The collapse guard's record.
    pub collapse: CollapseLog,
}

impl Pretrained {
    /// The random (`trained = false`) or pretrained encoder as a representation of size `k`
    /// whose input is mapped by `input` (see [`crate::dataset::Dataset::encoder_input`]).
    pub fn representation<'a>(
        &'a self,
        trained: bool,
        k: usize,
        input: Option<&'a Affine>,
    ) -> Representation<'a> {
        match &self.ssl {
            Some(r) => Representation::Encoder { e: if trained { &r.trained } else { &r.initial }, input },
            None => {
                Representation::Linear { w: if trained { &self.weights } else { &self.initial }, k, input }
            }
        }
    }
}
