//! Settings: the options of a run ([`options`]) resolved once, with the data, into one typed
//! value ([`resolved`], by [`resolve()`]) that training, evaluation and the report all read.

pub mod model;
pub mod options;
mod resolve;
pub mod resolved;

pub use crate::weights::Precision;
pub use model::ModelOptions;
pub use options::{Method, NormalizeKind, OptimizerKind};
pub use resolve::{MLP_EPOCHS, resolve, resolve_model};
pub use resolved::{Choice, INIT_NAME, Settings, choice};
