//! The architecture and the method-specific settings of a run.

use super::options::NormalizeKind;
use crate::network::{EncoderKind, HeadKind, Represent};
use nalgebra::Dyn;
use selfsup_core::loss::BarlowTwins;
use serde::Serialize;

/// Architecture and method-specific settings.
///
/// Defaults for small embeddings (lightly's and the papers' assume 2048–8192 dimensions; here
/// `K` = 2…64), chosen by [`ModelOptions::defaults_for`] and reported:
/// - **Barlow Twins**: `λ = 1/K'` (`K'` the loss's input size) instead of 5e-3 — with `K'`
///   = 16 the `K'(K'−1)` off-diagonal terms are 30× fewer than the paper's 8192-d ratio
///   assumes, so 5e-3 barely decorrelates (Tsai et al. 2021 suggest `1/K'`).
/// - **VICReg**: the paper's 25/25/1 (every term is already a per-dimension mean).
/// - **BYOL**: `τ_base = 0.99` (DeepMind's short-schedule value, lightly's benchmark).
/// - **BYOL / SimSiam predictor**: MLP `K' → max(2K', 32) → K'` (the papers' predictor hidden
///   sizes of 512–4096 are 1/4 to 16× the 2048/256-d output; a `K'/4` bottleneck is 4 units
///   at `K'` = 16, too narrow).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelOptions {
    /// Encoder architecture.
    pub encoder: EncoderKind,
    /// Hidden units of the MLP encoder.
    pub hidden: usize,
    /// The layer that is evaluated.
    pub represent: Represent,
    /// Projection head.
    pub head: HeadKind,
    /// Hidden units of the MLP head.
    pub head_hidden: usize,
    /// Hidden units of the BYOL / SimSiam predictor.
    pub predictor_hidden: usize,
    /// Barlow Twins' λ.
    pub barlow_lambda: f64,
    /// BYOL's base momentum.
    pub tau_base: f64,
    /// SimSiam / BYOL: keep the stop-gradient (false only to demonstrate collapse).
    pub stop_gradient: bool,
    /// SimSiam / BYOL: keep the predictor (false only to demonstrate collapse).
    pub predictor: bool,
    /// InfoNCE / NT-Xent: L2 normalization of the embeddings, or none.
    pub normalize: NormalizeKind,
    /// InfoNCE: size of the memory queue of past embeddings (0: none).
    pub queue: usize,
}

impl ModelOptions {
    /// The defaults for embedding size `k` (see the type's documentation).
    pub fn defaults_for(k: usize, encoder: EncoderKind, hidden: usize, head: HeadKind) -> Self {
        Self {
            encoder,
            hidden,
            represent: Represent::Output,
            head,
            head_hidden: 64,
            predictor_hidden: (2 * k).max(32),
            barlow_lambda: BarlowTwins::<f64, Dyn, Dyn>::lambda_for_dim(k),
            tau_base: selfsup_core::train::byol::TAU_BASE,
            stop_gradient: true,
            predictor: true,
            normalize: NormalizeKind::L2,
            queue: 0,
        }
    }
}
