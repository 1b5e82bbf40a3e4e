//! [`LossError`]: the input checks every loss constructor runs (lightly's): a batch large
//! enough for the loss, a non-empty embedding, a finite positive temperature, finite
//! non-negative weights. A loss that would silently return NaN or a constant (VICReg's
//! unbiased variance at `B = 1`, an in-batch contrastive loss without negatives, τ = 0) is
//! refused when it is built, with an error that says what to change.
//!
//! ```
//! use nalgebra::Dyn;
//! use selfsup_core::loss::{LossError, VicReg};
//! let err = VicReg::<f64, Dyn, Dyn>::lightly(Dyn(8), Dyn(1)).unwrap_err();
//! assert_eq!(err, LossError::BatchTooSmall { loss: "VICReg", min: 2, got: 1 });
//! assert!(err.to_string().contains("at least 2"));
//! ```

use core::fmt;

/// Why a loss cannot be built with the given sizes or parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossError {
    /// The batch has fewer samples than the loss needs (`min`).
    BatchTooSmall {
        /// The loss.
        loss: &'static str,
        /// The smallest batch it accepts.
        min: usize,
        /// The batch size given.
        got: usize,
    },
    /// Embeddings of size `K = 0`.
    EmptyEmbedding {
        /// The loss.
        loss: &'static str,
    },
    /// A temperature that is not a finite number `> 0`.
    Temperature {
        /// The loss.
        loss: &'static str,
        /// The value given.
        value: f64,
    },
    /// A weight that is not a finite number `≥ 0`.
    Weight {
        /// The loss.
        loss: &'static str,
        /// The weight's name (`lambda`, `mu`, `nu`).
        name: &'static str,
        /// The value given.
        value: f64,
    },
}

impl fmt::Display for LossError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BatchTooSmall { loss, min, got } => write!(
                f,
                "{loss} needs a batch of at least {min} samples, got {got}: use a batch size of {min} or more"
            ),
            Self::EmptyEmbedding { loss } => {
                write!(f, "{loss} needs embeddings of at least 1 dimension, got 0: use K >= 1")
            }
            Self::Temperature { loss, value } => write!(
                f,
                "{loss} needs a finite temperature > 0, got {value}: use e.g. 0.1 to 1 (0.5 is SimCLR's)"
            ),
            Self::Weight { loss, name, value } => {
                write!(f, "{loss} needs a finite weight {name} >= 0, got {value}")
            }
        }
    }
}

impl core::error::Error for LossError {}

/// `Ok` when `k ≥ 1` and `b ≥ min_batch`.
pub(crate) fn sizes(loss: &'static str, k: usize, b: usize, min_batch: usize) -> Result<(), LossError> {
    if k == 0 {
        return Err(LossError::EmptyEmbedding { loss });
    }
    if b < min_batch {
        return Err(LossError::BatchTooSmall { loss, min: min_batch, got: b });
    }
    Ok(())
}

/// `Ok(tau)` when `tau` is finite and `> 0`.
pub(crate) fn temperature(loss: &'static str, tau: f64) -> Result<f64, LossError> {
    if tau.is_finite() && tau > 0.0 { Ok(tau) } else { Err(LossError::Temperature { loss, value: tau }) }
}

/// `Ok(w)` when `w` is finite and `≥ 0`.
pub(crate) fn weight(loss: &'static str, name: &'static str, w: f64) -> Result<f64, LossError> {
    if w.is_finite() && w >= 0.0 { Ok(w) } else { Err(LossError::Weight { loss, name, value: w }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_and_names_what_is_wrong() {
        assert_eq!(sizes("X", 1, 2, 2), Ok(()));
        assert_eq!(sizes("X", 0, 2, 2), Err(LossError::EmptyEmbedding { loss: "X" }));
        assert_eq!(sizes("X", 3, 1, 2), Err(LossError::BatchTooSmall { loss: "X", min: 2, got: 1 }));
        assert_eq!(temperature("X", 0.5), Ok(0.5));
        for bad in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            assert!(temperature("X", bad).is_err(), "{bad}");
            assert!(bad == 0.0 || weight("X", "lambda", bad).is_err(), "{bad}");
        }
        assert_eq!(weight("X", "lambda", 0.0), Ok(0.0));
    }
}
