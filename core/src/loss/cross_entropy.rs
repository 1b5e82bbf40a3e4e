//! Softmax cross-entropy over class logits, the supervised loss of fine-tuning and of a linear
//! classifier trained on a device.
//!
//! For logits `S` (`C × B`, one column per sample, `C` classes) and labels `y_j ∈ {0, …, C−1}`:
//!
//! `L = (1/B) Σ_j [ log Σ_c exp(s_cj) − s_{y_j j} ]`
//!
//! — `F.cross_entropy(S.T, y)` in PyTorch (`reduction='mean'`, no label smoothing, no class
//! weights). Each column's log-sum-exp is shifted by its maximum, so any finite logits give a
//! finite loss.
//!
//! Gradient: `∂L/∂s_cj = (softmax(s_·j)_c − [c = y_j]) / B`.
//!
//! Inputs are checked, not trusted: a label `≥ C`, a label count other than `B`, or an empty
//! batch is a [`LabelError`], never a panic or a NaN. Nothing is allocated: the gradient is
//! written in place of the caller's buffer.
//!
//! ```
//! use nalgebra::SMatrix;
//! use selfsup_core::loss::cross_entropy;
//! // two samples, three classes, columns are samples
//! let s = SMatrix::<f64, 3, 2>::new(2.0, 0.0, 0.0, 1.0, 0.0, 0.0);
//! let mut g = SMatrix::<f64, 3, 2>::zeros();
//! let l = cross_entropy::loss_grad(&s, &[0, 1], &mut g).unwrap();
//! assert!(l > 0.0 && l < 3f64.ln()); // better than chance
//! assert!(g.column(0).sum().abs() < 1e-15); // softmax − one-hot sums to zero
//! assert!(cross_entropy::loss(&s, &[0, 3]).is_err()); // class 3 of 3 does not exist
//! ```

use crate::Real;
use crate::dims::Batch;
use core::fmt;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// Why a batch's labels cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelError {
    /// `labels.len()` differs from the batch size.
    Count {
        /// Labels given.
        labels: usize,
        /// Samples in the batch.
        batch: usize,
    },
    /// A label is not one of the `classes` classes.
    OutOfRange {
        /// Position of the label in the batch.
        index: usize,
        /// The label.
        label: usize,
        /// Number of classes (rows of the logits).
        classes: usize,
    },
    /// The batch has no sample or the logits no class.
    Empty,
}

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LabelError::Count { labels, batch } => {
                write!(f, "{labels} labels for a batch of {batch} samples: give one label per sample")
            }
            LabelError::OutOfRange { index, label, classes } => write!(
                f,
                "label {label} of sample {index} is not a class: labels run from 0 to {}",
                classes.saturating_sub(1)
            ),
            LabelError::Empty => write!(f, "empty batch or no class: cross-entropy needs both"),
        }
    }
}

/// Checks that `labels` fit logits of shape `classes × batch`.
pub fn check_labels(classes: usize, batch: usize, labels: &[usize]) -> Result<(), LabelError> {
    if classes == 0 || batch == 0 {
        return Err(LabelError::Empty);
    }
    if labels.len() != batch {
        return Err(LabelError::Count { labels: labels.len(), batch });
    }
    match labels.iter().position(|&y| y >= classes) {
        Some(index) => Err(LabelError::OutOfRange { index, label: labels[index], classes }),
        None => Ok(()),
    }
}

/// The maximum of a column (the log-sum-exp shift).
fn column_max<T: Real>(col: &[T]) -> T {
    col.iter().skip(1).fold(col[0], |m, &x| if x > m { x } else { m })
}

/// `L` only (see the [module docs](self)).
pub fn loss<T: Real, C: Dim, B: Dim>(logits: &Batch<T, C, B>, labels: &[usize]) -> Result<T, LabelError>
where
    DefaultAllocator: Allocator<C, B>,
{
    let (c, b) = logits.shape();
    check_labels(c, b, labels)?;
    let mut total = T::zero();
    for (col, &y) in logits.as_slice().chunks_exact(c).zip(labels) {
        let m = column_max(col);
        let mut sum = T::zero();
        for &s in col {
            sum += (s - m).exp_();
        }
        total += m + sum.ln_() - col[y];
    }
    Ok(total / T::of_usize(b))
}

/// `L`, and `grad = ∂L/∂logits` (overwritten; same shape as `logits`).
pub fn loss_grad<T: Real, C: Dim, B: Dim>(
    logits: &Batch<T, C, B>,
    labels: &[usize],
    grad: &mut Batch<T, C, B>,
) -> Result<T, LabelError>
where
    DefaultAllocator: Allocator<C, B>,
{
    let (c, b) = logits.shape();
    check_labels(c, b, labels)?;
    let inv_b = T::one() / T::of_usize(b);
    let mut total = T::zero();
    let cols = logits.as_slice().chunks_exact(c).zip(grad.as_mut_slice().chunks_exact_mut(c));
    for ((col, g), &y) in cols.zip(labels) {
        let m = column_max(col);
        let mut sum = T::zero();
        for (gi, &s) in g.iter_mut().zip(col) {
            *gi = (s - m).exp_();
            sum += *gi;
        }
        total += m + sum.ln_() - col[y];
        let scale = inv_b / sum;
        for gi in g.iter_mut() {
            *gi *= scale;
        }
        g[y] -= inv_b;
    }
    Ok(total / T::of_usize(b))
}

/// The predicted class of each column (the first maximum), written to `out` (`out.len() = B`).
///
/// # Panics
/// If `out.len()` is not the number of columns (a caller's buffer, not user input).
pub fn predict<T: Real, C: Dim, B: Dim>(logits: &Batch<T, C, B>, out: &mut [usize])
where
    DefaultAllocator: Allocator<C, B>,
{
    let c = logits.nrows();
    assert_eq!(out.len(), logits.ncols(), "one prediction per column");
    if c == 0 {
        return;
    }
    for (col, o) in logits.as_slice().chunks_exact(c).zip(out.iter_mut()) {
        let mut best = 0;
        for (i, &s) in col.iter().enumerate() {
            if s > col[best] {
                best = i;
            }
        }
        *o = best;
    }
}
