//! Encoders: maps from a `D × B` batch of inputs to a `K × B` batch of embeddings, with
//! their backward pass and their own optimizer update.
//!
//! [`Encoder`] is the one interface the training steps use, so a linear map, an MLP or an
//! encoder followed by a projection head all train the same way.

pub mod ema;
pub mod head;
pub mod linear;
pub mod mlp;

pub use ema::Ema;
pub use head::WithHead;
pub use linear::{Bias, Init, Linear};
pub use mlp::{Mlp, Mlp2};

use crate::Real;
use crate::dims::{Batch, Dims};
use crate::optim::Optimizer;
use nalgebra::{DefaultAllocator, Dim};

/// A trainable map from `D × B` inputs to `K × B` embeddings.
///
/// The implementor is also its own gradient container ([`Encoder::zeros_like`] gives an
/// all-zero value of the same shape), and it updates its parameters itself
/// ([`Encoder::apply_update`]) with optimizer state it defines ([`Encoder::OptState`]), so
/// for `Const` sizes nothing is allocated.
pub trait Encoder<T: Real, D: Dim, K: Dim, B: Dim>: Sized
where
    DefaultAllocator: Dims<K, D, B>,
{
    /// What a step needs besides the parameters: the activations `forward` saves for
    /// `backward` (hidden layers, pre-activations) and the scratch `backward` writes (the
    /// gradients with respect to hidden activations). Made once per batch size by
    /// [`Encoder::new_cache`]; for `Const` sizes it lives inline, so a step allocates nothing.
    type Cache;
    /// Optimizer state for every parameter block (momentum or Adam moments).
    type OptState;

    /// A cache for batches of `b` samples.
    fn new_cache(&self, b: B) -> Self::Cache;
    /// A fresh optimizer state.
    fn new_opt_state(&self) -> Self::OptState;
    /// All-zero parameters of the same shape (a gradient accumulator).
    fn zeros_like(&self) -> Self;
    /// Sets every parameter to zero.
    fn clear(&mut self);

    /// `y = f(x)`, overwriting `y`, saving what `backward` needs in `cache`.
    fn forward(&self, x: &Batch<T, D, B>, y: &mut Batch<T, K, B>, cache: &mut Self::Cache);

    /// Given `dy = ∂L/∂y` for the `x` and `cache` of the last `forward`, **adds** `∂L/∂θ` to
    /// `grad` and, when `dx` is given, overwrites it with `∂L/∂x`. Uses the scratch in `cache`
    /// (the saved activations are only read).
    fn backward(
        &self,
        x: &Batch<T, D, B>,
        cache: &mut Self::Cache,
        dy: &Batch<T, K, B>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, D, B>>,
    );

    /// One optimizer update of every parameter block with the gradient `grad`.
    fn apply_update(&mut self, opt: &Optimizer<T>, state: &mut Self::OptState, grad: &Self);

    /// Number of trainable scalars.
    fn num_params(&self) -> usize;
}
