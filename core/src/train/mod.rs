//! Training: every method is a [`Learner`] ([`learner`]): one call turns a batch into the
//! method's views, evaluates the loss with its exact gradient, back-propagates and updates
//! the parameters; [`Learner::epoch`] is the one epoch loop.
//!
//! - [`Trainer`] ([`contrastive`]): any [`crate::encoder::Encoder`] with any
//!   [`crate::loss::PairLoss`] (InfoNCE, NT-Xent, Barlow Twins, VICReg). All buffers are
//!   allocated once by [`Trainer::new`]; with `Const` sizes a step allocates nothing.
//! - [`Siamese`] ([`siamese`]): the non-contrastive learners with a predictor and
//!   stop-gradient, BYOL ([`byol`]: a moving-average target network) and SimSiam
//!   ([`simsiam`]: the projections as targets).
//! - [`autoencoder::AeTrainer`]: the linear autoencoder (one batch, no views).
//! - [`Views`] ([`views`]): the two augmented views, made the same way for every two-view
//!   learner.
//! - [`Schedule`] ([`schedule`]): constant or cosine learning rate with linear warm-up.
//! - [`gather`] and [`identity_order`]: make mini-batches from a column-major dataset through a
//!   permutation of its sample indices, as the reference programs do.
//!
//! ```
//! use selfsup_core::train::{gather, identity_order};
//! let data = [0.0f32, 0.5, 1.0, 1.5, 2.0, 2.5]; // three 2-D samples
//! let mut order = [0usize; 3];
//! identity_order(&mut order);
//! let mut batch = [0.0f32; 4];
//! gather(&data, 2, &[2, 0], &mut batch);
//! assert_eq!(batch, [2.0, 2.5, 0.0, 0.5]);
//! ```

pub mod autoencoder;
pub mod byol;
pub mod contrastive;
pub mod finetune;
pub mod learner;
pub mod schedule;
pub mod siamese;
pub mod simsiam;
pub mod views;

pub use autoencoder::AeTrainer;
pub use contrastive::Trainer;
pub use learner::Learner;
pub use schedule::Schedule;
pub use siamese::Siamese;
pub use views::Views;

/// Copies samples `idx[0], idx[1], …` (columns of `d` rows of the column-major `data`) into
/// consecutive columns of `out` (`out.len() = d · idx.len()`).
///
/// # Panics
/// If an index is past the last sample of `data`.
pub fn gather<T: Copy>(data: &[T], d: usize, idx: &[usize], out: &mut [T]) {
    if d == 0 {
        return;
    }
    for (col, &i) in out.chunks_exact_mut(d).zip(idx) {
        col.copy_from_slice(&data[i * d..(i + 1) * d]);
    }
}

/// Fills `order` with `0, 1, …, n − 1` (the starting permutation for [`Learner::epoch`]).
pub fn identity_order(order: &mut [usize]) {
    for (i, o) in order.iter_mut().enumerate() {
        *o = i;
    }
}
