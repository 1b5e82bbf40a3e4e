//! Building and training the learner: [`build`] makes core's learner for the settings,
//! [`run::train`] is the one training loop (divergence check and [`collapse`] guard included),
//! [`trained`] holds the result.

pub mod build;
pub mod collapse;
pub mod run;
pub mod trained;

pub use run::train;
pub use trained::Trained;
