//! The training methods ([`selfsup_core::train`]), one module per subject:
//!
//! - [`through_trait`]: every learner driven through the one `Learner` interface gives the
//!   bits of the hand-written loop it replaces;
//! - [`byol_simsiam`]: BYOL's and SimSiam's gradients, momentum schedule, moving average and
//!   the collapse without predictor and stop-gradient;
//! - [`no_alloc`]: with `Const` sizes a step of BYOL, SimSiam and the contrastive trainer with
//!   an MLP and a head allocates nothing (a counting global allocator, per thread).

#[path = "../common/mod.rs"]
mod common;
#[path = "../support/counting_alloc.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

mod byol_simsiam;
mod no_alloc;
mod through_trait;
