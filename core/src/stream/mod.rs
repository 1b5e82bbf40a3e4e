//! Learning from a stream: what a sensor node needs to train on samples that arrive one at a
//! time, in fixed memory.
//!
//! - [`Reservoir`]: a uniform random sample of the stream (Vitter's Algorithm R) from which
//!   mini-batches are drawn without replacement.
//! - [`EmbeddingQueue`]: MoCo's queue of past (detached, normalized) embeddings, used by
//!   [`InfoNceQueue`](crate::loss::InfoNceQueue) as extra negatives when the batch is small.
//!
//! Both are generic over the scalar and nalgebra dimensions and allocate nothing for `Const`
//! sizes.

pub mod queue;
pub mod reservoir;

pub use queue::EmbeddingQueue;
pub use reservoir::Reservoir;
