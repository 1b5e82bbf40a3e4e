//! Anomaly detection, one-vs-rest: metrics and the classical baselines that the self-supervised
//! detector is measured against.
//!
//! [`metrics`] (AUROC, average precision, precision/recall/F1 at a threshold), [`baselines`]
//! (kNN distances, PCA reconstruction error, Isolation Forest on standardized raw features) and
//! [`iforest`] (the Isolation Forest itself), [`protocol`] (one-vs-rest tasks), [`shifted`] (CSI's shifted negatives).

pub mod baselines;
pub mod detector;
pub mod iforest;
pub mod metrics;
pub mod protocol;
pub mod shifted;
