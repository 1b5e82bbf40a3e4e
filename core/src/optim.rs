//! Optimizers with fixed-size state: SGD (momentum, weight decay) and Adam / AdamW.
//!
//! Conventions follow PyTorch's `torch.optim`, so hyper-parameters transfer:
//!
//! - **SGD** (`torch.optim.SGD`): `g ← ∇ + λ w`; with momentum `μ > 0`,
//!   `v ← μ v + g` (`v = g` at the first step) and `g ← v`; then `w ← w − η g`.
//!   The reference programs use the plain variant: `μ = 0`, `λ = 1e-4`.
//! - **Adam** (Kingma & Ba, 2015; `torch.optim.Adam`): `g ← ∇ + λ w`,
//!   `m ← β₁ m + (1 − β₁) g`, `v ← β₂ v + (1 − β₂) g²`,
//!   `w ← w − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)`.
//!   Defaults `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8` (the paper's).
//! - **AdamW** (Loshchilov & Hutter, 2019; `torch.optim.AdamW`): as Adam but the decay is
//!   decoupled: `w ← w (1 − η λ)` before the Adam update, and `g = ∇`.
//!
//! `√v̂` is correctly rounded ([`sqrtf`] for `f32`: branch-free, so the update loop vectorizes).
//!
//! One [`Optimizer`] (the hyper-parameters) drives any number of [`OptState`]s, one per
//! parameter matrix; a state has the parameter's shape, so for `Const` sizes it lives on the
//! stack.
//!
//! ```
//! use nalgebra::Matrix2;
//! use selfsup_core::optim::{OptState, Optimizer};
//! let opt = Optimizer::<f64>::sgd(0.1, 0.0, 0.0);
//! let mut w = Matrix2::<f64>::identity();
//! let mut state = OptState::for_param(&w);
//! opt.update(&mut state, &mut w, &Matrix2::repeat(1.0));
//! assert_eq!(w, Matrix2::new(0.9, -0.1, -0.1, 0.9));
//! ```

mod sqrt;

pub use sqrt::sqrtf;

use crate::dims::{Mat, zeros};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// How Adam applies its weight decay `λ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecayMode {
    /// L2 decay added to the gradient, `g ← ∇ + λ w` (`torch.optim.Adam`).
    L2,
    /// AdamW's decoupled decay, `w ← w (1 − η λ)` before the update (`torch.optim.AdamW`).
    Decoupled,
}

/// Optimizer hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer<T> {
    /// Stochastic gradient descent with optional momentum and L2 weight decay.
    Sgd {
        /// Learning rate `η`.
        lr: T,
        /// Momentum `μ` (0 disables it).
        momentum: T,
        /// L2 weight decay `λ` (added to the gradient).
        weight_decay: T,
    },
    /// Adam (weight decay [`DecayMode::L2`]) or AdamW ([`DecayMode::Decoupled`]).
    Adam {
        /// Learning rate `η`.
        lr: T,
        /// First-moment decay `β₁`.
        beta1: T,
        /// Second-moment decay `β₂`.
        beta2: T,
        /// Denominator guard `ε`.
        eps: T,
        /// Weight decay `λ`.
        weight_decay: T,
        /// How the weight decay enters the update.
        decay_mode: DecayMode,
    },
}

impl<T: Real> Optimizer<T> {
    /// SGD with learning rate, momentum and weight decay.
    pub fn sgd(lr: f64, momentum: f64, weight_decay: f64) -> Self {
        Self::Sgd { lr: lit(lr), momentum: lit(momentum), weight_decay: lit(weight_decay) }
    }

    /// Adam with the paper's defaults (`β = (0.9, 0.999)`, `ε = 1e-8`) and L2 decay.
    pub fn adam(lr: f64, weight_decay: f64) -> Self {
        Self::Adam {
            lr: lit(lr),
            beta1: lit(0.9),
            beta2: lit(0.999),
            eps: lit(1e-8),
            weight_decay: lit(weight_decay),
            decay_mode: DecayMode::L2,
        }
    }

    /// AdamW with the paper's defaults and decoupled decay.
    pub fn adamw(lr: f64, weight_decay: f64) -> Self {
        match Self::adam(lr, weight_decay) {
            Self::Adam { lr, beta1, beta2, eps, weight_decay, .. } => {
                Self::Adam { lr, beta1, beta2, eps, weight_decay, decay_mode: DecayMode::Decoupled }
            }
            sgd => sgd,
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> T {
        match *self {
            Self::Sgd { lr, .. } | Self::Adam { lr, .. } => lr,
        }
    }

    /// A copy with another learning rate (for schedules).
    pub fn with_lr(mut self, new: T) -> Self {
        match &mut self {
            Self::Sgd { lr, .. } | Self::Adam { lr, .. } => *lr = new,
        }
        self
    }

    /// One update of `param` with gradient `grad`, advancing `state`.
    pub fn update<R: Dim, C: Dim>(
        &self,
        state: &mut OptState<T, R, C>,
        param: &mut Mat<T, R, C>,
        grad: &Mat<T, R, C>,
    ) where
        DefaultAllocator: Allocator<R, C>,
    {
        self.update_slice(state.as_parts(), param.as_mut_slice(), grad.as_slice());
    }

    /// The same update on raw slices (for parameters stored outside a matrix).
    pub fn update_slice(&self, state: StateParts<'_, T>, param: &mut [T], grad: &[T]) {
        let StateParts { m, v, step, beta1_pow, beta2_pow } = state;
        *step += 1;
        match *self {
            Self::Sgd { lr, momentum, weight_decay } => {
                let first = *step == 1;
                for ((w, &g), buf) in param.iter_mut().zip(grad).zip(m.iter_mut()) {
                    let mut g = g + weight_decay * *w;
                    if momentum != T::zero() {
                        *buf = if first { g } else { momentum * *buf + g };
                        g = *buf;
                    }
                    *w -= lr * g;
                }
            }
            Self::Adam { lr, beta1, beta2, eps, weight_decay, decay_mode } => {
                *beta1_pow *= beta1;
                *beta2_pow *= beta2;
                let c1 = T::one() - *beta1_pow;
                let c2 = T::one() - *beta2_pow;
                let decay = T::one() - lr * weight_decay;
                let adam = |w: &mut T, g: T, mi: &mut T, vi: &mut T| {
                    *mi = beta1 * *mi + (T::one() - beta1) * g;
                    *vi = beta2 * *vi + (T::one() - beta2) * g * g;
                    let mhat = *mi / c1;
                    let vhat = *vi / c2;
                    *w -= lr * mhat / (sqrt::root(vhat) + eps);
                };
                // One loop per decay mode: without a branch inside, each vectorizes.
                let entries = param.iter_mut().zip(grad).zip(m.iter_mut()).zip(v.iter_mut());
                match decay_mode {
                    DecayMode::Decoupled => entries.for_each(|(((w, &g), mi), vi)| {
                        *w *= decay;
                        adam(w, g, mi, vi)
                    }),
                    DecayMode::L2 => entries.for_each(|(((w, &g), mi), vi)| {
                        let g = g + weight_decay * *w;
                        adam(w, g, mi, vi)
                    }),
                }
            }
        }
    }
}

/// Per-parameter optimizer state (momentum or Adam moments), the parameter's shape.
#[derive(Clone, Debug, PartialEq)]
pub struct OptState<T: Real, R: Dim, C: Dim>
where
    DefaultAllocator: Allocator<R, C>,
{
    m: Mat<T, R, C>,
    v: Mat<T, R, C>,
    step: u64,
    beta1_pow: T,
    beta2_pow: T,
}

/// Mutable views of an optimizer state, for [`Optimizer::update_slice`].
pub struct StateParts<'a, T> {
    /// First moment (or the momentum buffer).
    pub m: &'a mut [T],
    /// Second moment (unused by SGD).
    pub v: &'a mut [T],
    /// Number of updates so far.
    pub step: &'a mut u64,
    /// `β₁ᵗ`, kept as a running product so no `pow` is needed.
    pub beta1_pow: &'a mut T,
    /// `β₂ᵗ`.
    pub beta2_pow: &'a mut T,
}

impl<T: Real, R: Dim, C: Dim> OptState<T, R, C>
where
    DefaultAllocator: Allocator<R, C>,
{
    /// A fresh state for parameters of shape `r × c`.
    pub fn new(r: R, c: C) -> Self {
        Self { m: zeros(r, c), v: zeros(r, c), step: 0, beta1_pow: T::one(), beta2_pow: T::one() }
    }

    /// A fresh state shaped like `param`.
    pub fn for_param(param: &Mat<T, R, C>) -> Self {
        let (r, c) = param.shape_generic();
        Self::new(r, c)
    }

    /// Number of updates applied so far.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Mutable views for [`Optimizer::update_slice`].
    pub fn as_parts(&mut self) -> StateParts<'_, T> {
        StateParts {
            m: self.m.as_mut_slice(),
            v: self.v.as_mut_slice(),
            step: &mut self.step,
            beta1_pow: &mut self.beta1_pow,
            beta2_pow: &mut self.beta2_pow,
        }
    }
}
