//! Building and training the learner: the encoder (and head, predictor) from the settings,
//! the epochs, the divergence check and the collapse guard.

pub mod collapse;
pub mod methods;
pub mod pretrain;
pub mod trained;
