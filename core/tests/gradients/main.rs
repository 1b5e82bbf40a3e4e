//! Exact gradients: every analytic gradient in core matches central finite differences in
//! f64, one module per family.
//!
//! - [`contrastive`]: L2 normalization, `Linear`, InfoNCE, NT-Xent, the linear autoencoder and
//!   the chain encoder → loss (its own checker, [`fd`]).
//! - [`non_contrastive`]: Barlow Twins, VICReg, negative cosine and its stop-gradient usage;
//! - [`unnormalized`]: the contrastive losses on embeddings as they are (no L2).
//! - [`encoders`]: the MLPs and the projection head (both with the shared checker in
//!   `common`).

#[path = "../common/mod.rs"]
mod common;

mod contrastive;
mod encoders;
mod fd;
mod non_contrastive;
mod unnormalized;
