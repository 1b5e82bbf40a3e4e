//! Building and training the learner: [`build`] makes core's learner for the settings,
//! [`run::train`] is the one training loop (divergence check and [`collapse`] guard included),
//! [`trained`] holds the result; [`finetune`] trains an encoder and a classifier end to end on
//! labelled rows (`probe labels`).

pub mod build;
pub mod collapse;
pub mod finetune;
pub mod run;
pub mod trained;

pub use run::train;
pub use trained::Trained;
