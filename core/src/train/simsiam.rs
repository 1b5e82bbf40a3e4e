//! SimSiam, "Exploring Simple Siamese Representation Learning" (Chen & He, 2021): BYOL
//! without the target network. One network `f` (encoder + projector) and a predictor `h`;
//! the stop-gradient alone prevents collapse.
//!
//! For two views: `z_a = f(x_a)`, `z_b = f(x_b)`, `p_a = h(z_a)`, `p_b = h(z_b)`,
//!
//! `L = ½ [negcos(p_a, sg z_b) + negcos(p_b, sg z_a)]`   (paper eq. 2–4, [`Symmetric::Lightly`])
//!
//! with `negcos(p, z) = −mean_i cos(p_i, z_i)` (lightly's `NegativeCosineSimilarity`, as its
//! SimSiam example uses it: `0.5 * (criterion(z0, p1) + criterion(z1, p0))` with `z`
//! detached). Gradients reach `f` only through the predictions.
//!
//! The paper's §4.1 shows that removing the stop-gradient makes the output collapse to a
//! constant (loss → −1, per-dimension std of `z/‖z‖` → 0), and §4.2 that removing the
//! predictor does too. Both switches exist here ([`Siamese::target`] =
//! [`Target::Online`]`(`[`StopGradient::Off`]`)`, [`Siamese::prediction`] =
//! [`Prediction::Off`]) to reproduce that failure and test the collapse guard.
//!
//! Defaults and their source: the paper's predictor is a bottleneck MLP 2048 → 512 → 2048
//! (hidden = K/4). With K = 8…64 a K/4 bottleneck has 2–16 units, too narrow to carry the
//! representation, so the probe uses `H = max(2K, 32)` instead. lightly's example uses the
//! same loss and `SGD(lr = 0.06)`; the probe uses Adam (see its documentation).
//!
//! A SimSiam learner is a [`Siamese`] made by [`Siamese::simsiam`].
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::augment::Pipeline;
//! use selfsup_core::encoder::{Bias, Init, Linear};
//! use selfsup_core::optim::Optimizer;
//! use selfsup_core::rng::seeded;
//! use selfsup_core::train::{Learner, Siamese};
//! type L = Linear<f64, Const<2>, Const<2>>;
//! let mut rng = seeded(7);
//! let f = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let h = L::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let opt = Optimizer::adam(1e-2, 0.0);
//! let mut s = Siamese::<f64, Const<2>, Const<2>, Const<4>, L, L>::simsiam(
//!     f, h, opt, Pipeline::reference_ring(), (Const, Const, Const));
//! let x = SMatrix::<f64, 2, 4>::new(1.0, 0.0, -1.0, 0.5, 0.0, 1.0, 0.5, -1.0);
//! let loss = s.step(&x, &mut rng);
//! assert!((-1.0..=1.0).contains(&loss));
//! ```

#[cfg(doc)]
use super::{Siamese, siamese::Target};
#[cfg(doc)]
use crate::loss::Symmetric;

/// Whether the loss's targets `z` are constants for the gradient (SimSiam) or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopGradient {
    /// `sg(z)`: gradients reach `f` through the predictions only (SimSiam).
    On,
    /// Gradients also flow through `z` (the paper's §4.1 ablation: collapses).
    Off,
}

/// Whether the predictor `h` is applied (SimSiam) or `p = z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prediction {
    /// `p = h(z)` (SimSiam).
    On,
    /// `p = z`, the predictor is neither used nor trained (the paper's §4.2 ablation:
    /// collapses).
    Off,
}
