//! [`Learner`]: the one interface every training method implements: "one optimizer step on a
//! batch → loss", with the epoch loop written once.
//!
//! The contrastive [`Trainer`](super::Trainer) (InfoNCE, NT-Xent, Barlow Twins, VICReg: any
//! [`PairLoss`](crate::loss::PairLoss)), BYOL and SimSiam's [`Siamese`](super::Siamese)
//! and the linear autoencoder's
//! [`AeTrainer`](super::autoencoder::AeTrainer) implement it, so a caller drives any of them
//! the same way. The generator is the concrete [`Rng`], which keeps the trait dyn-compatible:
//! `Box<dyn Learner<T, Dyn, Dyn>>` holds any learner with run-time sizes.
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::{augment::Pipeline, encoder::{Bias, Init, Linear}, loss::NtXent, optim::Optimizer};
//! use selfsup_core::{rng::seeded, synth::fill_ring, train::{Learner, Trainer, identity_order}};
//! let mut rng = seeded(3);
//! let mut data = [0.0f64; 2 * 40];
//! fill_ring(&mut rng, &mut data, None);
//! let enc = Linear::<f64, Const<2>, Const<2>>::new(Const, Const, Init::XavierNormal, Bias::No, &mut rng);
//! let mut learner = Trainer::new(
//!     enc,
//!     NtXent::new(0.5, Const, Const::<16>).unwrap(),
//!     Optimizer::sgd(0.1, 0.0, 0.0),
//!     Pipeline::reference_ring(),
//!     (Const::<2>, Const::<2>, Const::<16>),
//! );
//! let mut order = [0usize; 40];
//! identity_order(&mut order);
//! let loss = learner.epoch(&data, &mut order, &mut rng);
//! assert!(loss.is_finite());
//! assert_eq!(learner.steps(), 2); // 40 samples: two batches of 16, the last 8 dropped
//! ```

use super::gather;
use crate::Real;
use crate::dims::{Batch, zeros};
use crate::rng::{Rng, shuffle};
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim};

/// A training method: one optimizer update per batch of `B` samples with `D` features.
pub trait Learner<T: Real, D: Dim, B: Dim>
where
    DefaultAllocator: Allocator<D, B>,
{
    /// `(D, B)` of the batches this learner takes.
    fn batch_shape(&self) -> (D, B);

    /// One training step on the batch `x` (`D × B`, samples are columns): the learner makes
    /// its views from `rng` (augmentation) if it uses two, runs forward, loss, backward and
    /// one optimizer update with its scheduled learning rate. Returns the loss before the
    /// update.
    ///
    /// # Panics
    /// If `x` is not `D × B` as given by [`Learner::batch_shape`] (only possible with `Dyn`).
    fn step(&mut self, x: &Batch<T, D, B>, rng: &mut Rng) -> T;

    /// Optimizer updates so far (the learning-rate schedule's step counter).
    fn steps(&self) -> u64;

    /// One pass over a dataset: shuffles `order` with `rng` (Fisher–Yates, as the reference
    /// programs do every epoch), then runs [`Learner::step`] on the consecutive batches
    /// `order[0..B], order[B..2B], …` gathered from `data` (column-major, `D` rows per sample).
    /// Returns the mean loss of the batches, summed in `T` in batch order.
    ///
    /// `order` is a permutation of `0..n` kept by the caller between epochs (start it with
    /// [`super::identity_order`]). A partial last batch (`n mod B` samples) is **dropped**:
    /// the batch size is fixed (in the type for `Const`, in the buffers for `Dyn`), and since
    /// `order` is reshuffled each epoch every sample still takes part. Returns NaN when
    /// `n < B` (no batch at all). The gathered batch is a local: on the stack for `Const`
    /// sizes, one allocation per epoch for `Dyn`.
    ///
    /// # Panics
    /// If `order` holds an index past the last sample of `data`.
    fn epoch(&mut self, data: &[T], order: &mut [usize], rng: &mut Rng) -> T {
        shuffle(rng, order);
        let (d, b) = self.batch_shape();
        let mut batch = zeros::<T, D, B>(d, b);
        let mut total = T::zero();
        let mut batches = 0usize;
        if b.value() > 0 {
            for idx in order.chunks_exact(b.value()) {
                gather(data, d.value(), idx, batch.as_mut_slice());
                total += self.step(&batch, rng);
                batches += 1;
            }
        }
        if batches == 0 { T::of_f64(f64::NAN) } else { total / T::of_usize(batches) }
    }
}
