//! Learning from a stream: what a sensor node needs to train on samples that arrive one at a
//! time, in fixed memory.
//!
//! - [`Reservoir`]: a uniform random sample of the stream (Vitter's Algorithm R) from which
//!   mini-batches are drawn without replacement.
//! - [`EmbeddingQueue`]: MoCo's queue of past (detached, normalized) embeddings, used by
//!   [`InfoNceQueue`](crate::loss::InfoNceQueue) as extra negatives when the batch is small.
//! - [`Source`] ([`source`]): where a stream's samples come from (the ring sensors).
//! - [`StreamTrainer`] ([`trainer`]): the on-device trainer built from the three: reservoir,
//!   queue InfoNCE and the contrastive [`Trainer`](crate::train::Trainer).
//!
//! All are generic over the scalar and nalgebra dimensions and allocate nothing for `Const`
//! sizes.

pub mod queue;
pub mod reservoir;
pub mod source;
pub mod trainer;

pub use queue::EmbeddingQueue;
pub use reservoir::Reservoir;
pub use source::{ProjectedRing, Source, ring_source};
pub use trainer::{QueueTrainer, StreamConfig, StreamTrainer};
