//! The collapse guard: while pretraining, after every epoch, the embeddings of a fixed monitor
//! set of training rows are checked for the two known failures of non-contrastive objectives,
//! both the **representation** `f(x)` (what the probe evaluates) and the **projection**
//! `g(f(x))` the loss sees (a head can collapse to a constant while `f` keeps its random
//! features: the loss then stops teaching `f` anything).
//!
//! - **Complete collapse** (every input maps to the same direction): the per-dimension standard
//!   deviation of the L2-normalized embedding falls to 0, where a healthy embedding spread over
//!   the sphere has about `1/√K` (SimSiam, Chen & He 2021, §4.1 and Fig. 2 use exactly this
//!   statistic). Flagged when its mean over dimensions is below [`STD_RATIO`]` · 1/√K`.
//! - **Dimensional collapse** (the embedding lives on a line or a few directions): the
//!   effective rank (Roy & Vetterli 2007; RankMe, Garrido et al. 2023) falls toward 1. Flagged
//!   when it is below [`RANK_FRACTION`]` · K` and below 2, for `K ≥ 4` (with 2 or 3 dimensions a
//!   rank near 1 is still a legitimate 2-D embedding's worst case).
//!
//! Entering a state prints a warning (once per state and embedding, with what to change); the
//! report flags the run when the **last** epoch is collapsed. The threshold of 0.1 is below the
//! dips of healthy runs seen on digits (a projection without batch norm can sit in a narrow
//! cone, ratio ≈ 0.15, and still train a 92% encoder) and far above real collapse (≤ 0.01).

use crate::eval::diagnostics::{effective_rank, std_per_dim};
use serde::Serialize;

/// Complete collapse: mean normalized std below this fraction of `1/√K`.
pub const STD_RATIO: f64 = 0.1;
/// Dimensional collapse: effective rank below this fraction of `K` (and below 2).
pub const RANK_FRACTION: f64 = 0.1;

/// One epoch's statistics of the monitor embedding.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Health {
    /// Mean per-dimension std of the normalized embedding.
    pub std_mean: f64,
    /// `std_mean · √K` (1 ≈ spread evenly, 0 = one direction).
    pub std_ratio: f64,
    /// Effective rank of the embedding.
    pub effective_rank: f64,
}

impl Health {
    /// Measures row-major `z` (`n × k`).
    pub fn of(z: &[f64], k: usize) -> Self {
        let std = std_per_dim(z, k);
        let std_mean = std.iter().sum::<f64>() / k.max(1) as f64;
        Self { std_mean, std_ratio: std_mean * (k as f64).sqrt(), effective_rank: effective_rank(z, k) }
    }

    /// What is collapsed, if anything, for an embedding of `k` dimensions.
    pub fn verdict(&self, k: usize) -> Option<&'static str> {
        if self.std_ratio.is_nan() || self.std_ratio < STD_RATIO {
            Some("complete collapse")
        } else if k >= 4 && self.effective_rank < (RANK_FRACTION * k as f64).min(2.0) {
            Some("dimensional collapse")
        } else {
            None
        }
    }
}

/// The guard's record of one training run (stored in the report).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CollapseLog {
    /// Embedding size.
    pub k: usize,
    /// Statistics of the representation after every epoch.
    pub per_epoch: Vec<Health>,
    /// Statistics of the projection after every epoch (empty without a head).
    pub projection: Vec<Health>,
    /// Epochs (1-based) at which a collapse began, with its kind.
    pub warnings: Vec<(usize, String)>,
    /// Whether the final embedding is collapsed (the report flags the run).
    pub flagged: bool,
    /// The final verdict (`None` when healthy).
    pub verdict: Option<String>,
}

impl CollapseLog {
    /// An empty log for embeddings of size `k`.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            per_epoch: Vec::new(),
            projection: Vec::new(),
            warnings: Vec::new(),
            flagged: false,
            verdict: None,
        }
    }

    fn state(&self) -> Option<(&'static str, &'static str, Health)> {
        let last = |v: &[Health], what| v.last().and_then(|h| h.verdict(self.k).map(|kind| (what, kind, *h)));
        last(&self.per_epoch, "representation").or_else(|| last(&self.projection, "projection"))
    }

    /// Records epoch `epoch` (1-based): the representation `z` and, with a head, the
    /// projection `p` (row-major, `k` columns). Returns a warning line when a collapse begins.
    pub fn observe(&mut self, epoch: usize, z: &[f64], p: Option<&[f64]>) -> Option<String> {
        let was = self.state().map(|s| (s.0, s.1));
        self.per_epoch.push(Health::of(z, self.k));
        if let Some(p) = p {
            self.projection.push(Health::of(p, self.k));
        }
        let now = self.state();
        self.flagged = now.is_some();
        self.verdict = now.map(|(what, kind, _)| format!("{kind} of the {what}"));
        match now {
            Some((what, kind, h)) if was != Some((what, kind)) => {
                let v = format!("{kind} of the {what}");
                if self.warnings.iter().any(|(_, w)| *w == v) {
                    return None;
                }
                self.warnings.push((epoch, v.clone()));
                Some(format!(
                    "warning: {v} at epoch {epoch}: normalized std {:.3} (healthy ≈ {:.3}), effective rank {:.2} of {}; \
                     fix: keep the predictor and stop-gradient (byol/simsiam), lower --lr, or use --method ntxent",
                    h.std_mean,
                    1.0 / (self.k as f64).sqrt(),
                    h.effective_rank,
                    self.k
                ))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        // Identical directions: complete collapse.
        let same: Vec<f64> =
            (0..40).map(|i| (1.0 + (i / 4) as f64) * if i % 4 == 0 { 1.0 } else { 0.5 }).collect();
        assert_eq!(Health::of(&same, 4).verdict(4), Some("complete collapse"));
        // A spread over 8 orthogonal directions: healthy.
        let mut spread = vec![0.0; 16 * 8];
        for i in 0..16 {
            spread[i * 8 + i % 8] = if i < 8 { 1.0 } else { -1.0 };
        }
        let h = Health::of(&spread, 8);
        assert_eq!(h.verdict(8), None, "{h:?}");
        // Points on a line through the origin, both signs: normalized std is fine (±u) but
        // the rank is 1: dimensional collapse for K = 16.
        let line: Vec<f64> = (0..32)
            .flat_map(|i| (0..16).map(move |j| (j as f64 + 1.0) * if i % 2 == 0 { 1.0 } else { -1.0 }))
            .collect();
        assert_eq!(Health::of(&line, 16).verdict(16), Some("dimensional collapse"));
        let mut log = CollapseLog::new(8);
        assert!(log.observe(1, &spread, None).is_none());
        let z: Vec<f64> = (0..80).map(|i| 1.0 + (i % 8) as f64).collect();
        let w = log.observe(2, &z, None).unwrap();
        assert!(w.contains("complete collapse of the representation at epoch 2"), "{w}");
        assert!(log.observe(3, &z, None).is_none(), "warn once");
        assert!(log.flagged);
        // A collapsed projection over a healthy representation is flagged too.
        let mut log = CollapseLog::new(8);
        let w = log.observe(1, &spread, Some(&z)).unwrap();
        assert!(w.contains("of the projection"), "{w}");
        assert_eq!(log.verdict.as_deref(), Some("complete collapse of the projection"));
        assert!(log.observe(2, &spread, Some(&spread)).is_none());
        assert!(!log.flagged);
    }
}
