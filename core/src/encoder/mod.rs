//! Encoders: maps from a `D × B` batch of inputs to a `K × B` batch of embeddings.

pub mod linear;

pub use linear::{Init, Linear};
