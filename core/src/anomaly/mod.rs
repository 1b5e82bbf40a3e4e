//! Anomaly detection over embeddings, in fixed memory: learn what normal looks like, flag what
//! is not.
//!
//! - [`NormalMemory`] + [`KnnScorer`]: the cosine kNN distance of a sample's embedding to a
//!   fixed-capacity memory of normal embeddings (the score of Tack et al. 2020, CSI, and of
//!   Sehwag et al. 2021, SSD, without their extras): `s(z) = (1/k) Σ_{i ≤ k} (1 − cos(z, m_(i)))`
//!   over the `k` most similar memory entries `m_(i)`.
//! - [`reconstruction_errors`]: the linear autoencoder's squared reconstruction error
//!   `‖W_dec W_enc x − x‖²`, a second score that needs no memory of samples.
//! - [`UpperScores`]: the decision threshold at a target false-positive rate `α` from the scores
//!   of normal samples, exact, in fixed memory (a bounded sorted buffer of the largest scores).
//!
//! Every type is generic over the scalar and nalgebra dimensions and allocates nothing for
//! `Const` sizes; sums run in a fixed order, so a device and the host flag the same samples with
//! the same score bits.
//!
//! ```
//! use nalgebra::Const;
//! use selfsup_core::anomaly::{KnnScorer, NormalMemory, UpperScores};
//! use selfsup_core::rng::seeded;
//! let mut rng = seeded(1);
//! let mut memory = NormalMemory::<f32, Const<2>, Const<8>>::new(Const, Const);
//! for t in 0..8 {
//!     let a = t as f32 * 0.1; // normal embeddings point into one quadrant
//!     memory.push(&[libm::cosf(a), libm::sinf(a)], &mut rng);
//! }
//! let scorer = KnnScorer::new(2).unwrap();
//! let mut normal = UpperScores::<f32, Const<4>>::new(Const);
//! for t in 0..20 {
//!     let a = 0.05 + t as f32 * 0.035;
//!     normal.push(scorer.score(&memory, &[libm::cosf(a), libm::sinf(a)]).unwrap());
//! }
//! let threshold = normal.threshold(0.05).unwrap(); // at most 1 of the 20 normal scores above
//! assert!(scorer.score(&memory, &[-1.0, 0.2]).unwrap() > threshold);
//! ```

pub mod device;
pub mod knn;
pub mod memory;
pub mod recon;
pub mod threshold;

pub use knn::{KnnScorer, MAX_K};
pub use memory::NormalMemory;
pub use recon::reconstruction_errors;
pub use threshold::{UpperScores, expected_false_positive_rate};
