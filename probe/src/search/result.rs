//! What the search found, as the report records it (`search` in `report.json`): every
//! candidate with its validation scores and cost at each rung it reached, the one chosen and
//! why, the command line that reproduces it, and the validation scores of the baselines.
//!
//! ```
//! use probe::search::result::Criterion;
//! assert!(Criterion::Rankme.describe().ends_with("no labels were used"));
//! let json = serde_json::to_string(&Criterion::ProbeAndKnn).unwrap();
//! assert_eq!(json, "\"probe-and-knn\"");
//! ```

use crate::network::Represent;
use serde::Serialize;

/// How candidates are ranked.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Criterion {
    /// Mean of the validation linear-probe accuracy and weighted kNN-20 accuracy (%), the two
    /// headline measures of the report, weighted equally.
    ProbeAndKnn,
    /// RankMe (Garrido et al. 2023), the effective rank of the validation rows' embeddings:
    /// no label is read.
    Rankme,
}

impl Criterion {
    /// One line for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Criterion::ProbeAndKnn => {
                "mean of the validation linear-probe accuracy and weighted kNN-20 accuracy (equal weights), averaged over the validation rounds"
            }
            Criterion::Rankme => {
                "RankMe (Garrido et al. 2023): exp of the entropy of the normalized singular values of the validation rows' embeddings, averaged over the validation rounds; no labels were used"
            }
        }
    }
}

/// One candidate at one rung: means over the validation rounds.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct RungScore {
    /// The fraction of the candidate's full training (1/9, 1/3 or 1).
    pub fraction: f64,
    /// Training epochs at this rung.
    pub epochs: usize,
    /// The layer scored (the better one by the criterion when both were tried).
    pub represent: Represent,
    /// Validation linear-probe accuracy, % (null without labels).
    pub linear_probe: Option<f64>,
    /// Validation weighted kNN-20 accuracy, % (null without labels).
    pub knn: Option<f64>,
    /// RankMe of the validation embeddings.
    pub rankme: f64,
    /// The criterion's value (higher is better; null when a round failed).
    pub score: Option<f64>,
    /// Standard error of `score` over the rounds ([`crate::search::halving::std_error`]).
    pub std_error: f64,
    /// Why a round failed (divergence), if one did.
    pub error: Option<String>,
    /// Wall time of the rounds, summed (not in `report.json`: it depends on the machine).
    #[serde(skip)]
    pub seconds: f64,
}

/// One candidate.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct CandidateResult {
    /// The options it sets on top of the user's, e.g. `--encoder mlp --tau 0.2`.
    pub options: String,
    /// Its score at each rung it reached, in order.
    pub rungs: Vec<RungScore>,
}

/// Validation accuracy (linear probe, weighted kNN-20; %) of one representation.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct ValidationScore {
    /// Linear probe.
    pub linear_probe: f64,
    /// Weighted kNN-20.
    pub knn: f64,
}

/// The chosen candidate against raw features and PCA (to its K) on the same validation rounds.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct ValidationComparison {
    /// The chosen candidate at full training.
    pub pretrained: ValidationScore,
    /// Raw standardized features.
    pub raw: ValidationScore,
    /// PCA fitted on each round's training rows.
    pub pca: ValidationScore,
}

/// The search of a run.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Search {
    /// How candidates were ranked.
    pub criterion: Criterion,
    /// Whether labels were read (false with `--no-label`).
    pub labels_used: bool,
    /// Number of folds of the training rows.
    pub folds: usize,
    /// Validation rounds per candidate (held-out folds × repetitions).
    pub rounds: usize,
    /// Repetitions of the k-fold split, each with its own fold assignment and training seed
    /// (more than one on small training sets).
    pub repetitions: usize,
    /// Seed of the folds and of the validation trainings.
    pub seed: u64,
    /// The schedule, in words.
    pub schedule: String,
    /// Options fixed by the user (not searched).
    pub fixed: Vec<String>,
    /// Every candidate, in the order tried (the defaults first).
    pub candidates: Vec<CandidateResult>,
    /// Index of the chosen candidate.
    pub chosen: usize,
    /// Why it was chosen.
    pub why: String,
    /// The command line that repeats the final run without searching.
    pub command: String,
    /// Training cost of the search in full trainings on a fold (sum of epochs / full epochs).
    pub full_trainings: f64,
    /// The chosen candidate against the baselines on validation (null without labels).
    pub validation: Option<ValidationComparison>,
}
