//! Linear encoder `y = W x (+ b)`.
//!
//! `W` is `K × D`; applied to a batch (samples are columns) it computes `Y = W X (+ b 1ᵀ)`.
//! Backward, given `dY = ∂L/∂Y`: `∂L/∂W = dY Xᵀ`, `∂L/∂b = dY 1`, `∂L/∂X = Wᵀ dY`.
//!
//! Initialisations ([`Init`]):
//! - `Normal { std }`: `W_ij ~ N(0, std²)`; the reference programs use `std = 0.1`.
//! - `XavierUniform` / `XavierNormal` (Glorot & Bengio, 2010): variance `2 / (D + K)`.
//! - `HeNormal` / `HeUniform` (He et al., 2015, "Delving deep into rectifiers"): variance `2 / D`.
//!
//! Biases start at zero. The reference programs' encoders have no bias ([`Bias::No`]).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::{encoder::{Bias, Init, Linear}, rng::seeded};
//! let mut rng = seeded(42);
//! let enc = Linear::<f32, Const<2>, Const<3>>::new(Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
//! let x = SMatrix::<f32, 3, 4>::repeat(1.0);
//! let mut y = SMatrix::<f32, 2, 4>::zeros();
//! enc.forward(&x, &mut y);
//! assert_eq!(y.column(0), enc.w.column_sum());
//! ```

use super::Encoder;
use crate::dims::{Batch, Dims, Mat, Vector, zeros};
use crate::kernels::{add_mul, add_mul_tr, add_tr_mul};
use crate::optim::{OptState, Optimizer};
use crate::rng::{fill_normal, uniform};
use crate::{Real, lit};
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// How to draw the initial weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// `N(0, std²)` for every weight (the reference programs: `std = 0.1`).
    Normal {
        /// Standard deviation of the weights.
        std: f64,
    },
    /// Glorot uniform: `U(−a, a)`, `a = √(6 / (D + K))`.
    XavierUniform,
    /// Glorot normal: `N(0, 2 / (D + K))`.
    XavierNormal,
    /// He (Kaiming) normal for ReLU layers: `N(0, 2 / D)`.
    HeNormal,
    /// He (Kaiming) uniform: `U(−a, a)`, `a = √(6 / D)`.
    HeUniform,
}

/// Whether a layer has a trained bias `b` (`y = W x + b`) or not (`y = W x`): the argument of
/// [`Linear::new`] and the layer's [`Linear::bias`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bias {
    /// No bias: `y = W x` (the reference programs' encoder).
    No,
    /// A bias, initialised to zero and trained: `y = W x + b`.
    Yes,
}

/// A linear layer `K × D` with an optional bias. It also serves as its own gradient
/// container (the same shapes), so optimizers update `w` and `b` alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear<T: Real, K: Dim, D: Dim>
where
    DefaultAllocator: Allocator<K, D> + Allocator<K>,
{
    /// Weights, `K × D`.
    pub w: Mat<T, K, D>,
    /// Bias, length `K` (kept at zero and ignored when `bias` is [`Bias::No`]).
    pub b: Vector<T, K>,
    /// Whether `b` is used and trained ([`Bias::Yes`]) or not ([`Bias::No`]).
    pub bias: Bias,
}

impl<T: Real, K: Dim, D: Dim> Linear<T, K, D>
where
    DefaultAllocator: Allocator<K, D> + Allocator<K>,
{
    /// A layer with weights drawn by `init` from `rng` (column-major order of `W`).
    pub fn new<R: rand_core::Rng + ?Sized>(k: K, d: D, init: Init, bias: Bias, rng: &mut R) -> Self {
        let mut w = zeros::<T, K, D>(k, d);
        let (kn, dn) = (lit::<T>(k.value() as f64), lit::<T>(d.value() as f64));
        let two = lit::<T>(2.0);
        let six = lit::<T>(6.0);
        match init {
            Init::Normal { std } => fill_normal(rng, w.as_mut_slice(), T::zero(), lit(std)),
            Init::XavierNormal => fill_normal(rng, w.as_mut_slice(), T::zero(), (two / (dn + kn)).sqrt_()),
            Init::HeNormal => fill_normal(rng, w.as_mut_slice(), T::zero(), (two / dn).sqrt_()),
            Init::XavierUniform | Init::HeUniform => {
                let fan = if init == Init::XavierUniform { dn + kn } else { dn };
                let a = (six / fan).sqrt_();
                for v in w.as_mut_slice() {
                    *v = uniform(rng, -a, a);
                }
            }
        }
        Self { w, b: zeros(k, nalgebra::U1), bias }
    }

    /// A layer with the given weights and no bias.
    pub fn from_weights(w: Mat<T, K, D>) -> Self {
        let b = zeros(w.shape_generic().0, nalgebra::U1);
        Self { w, b, bias: Bias::No }
    }

    /// All-zero parameters of the same shape (a gradient accumulator).
    pub fn zeros_like(&self) -> Self {
        let (k, d) = self.w.shape_generic();
        Self { w: zeros(k, d), b: zeros(k, nalgebra::U1), bias: self.bias }
    }

    /// Sets every parameter to zero.
    pub fn clear(&mut self) {
        self.w.as_mut_slice().fill(T::zero());
        self.b.as_mut_slice().fill(T::zero());
    }

    /// `y = W x (+ b)`, overwriting `y`.
    pub fn forward<B: Dim>(&self, x: &Batch<T, D, B>, y: &mut Batch<T, K, B>)
    where
        DefaultAllocator: Allocator<D, B> + Allocator<K, B>,
    {
        if self.bias == Bias::Yes {
            let b = self.b.as_slice();
            for c in y.as_mut_slice().chunks_exact_mut(b.len().max(1)) {
                c.copy_from_slice(b);
            }
        } else {
            y.as_mut_slice().fill(T::zero());
        }
        add_mul(y, &self.w, x);
    }

    /// Accumulates the parameter gradients into `grad`: `grad.w += dY Xᵀ`, `grad.b += dY 1`.
    pub fn backward<B: Dim>(&self, x: &Batch<T, D, B>, dy: &Batch<T, K, B>, grad: &mut Self)
    where
        DefaultAllocator: Allocator<D, B> + Allocator<K, B>,
    {
        add_mul_tr(&mut grad.w, dy, x);
        if self.bias == Bias::Yes {
            let gb = grad.b.as_mut_slice();
            for c in dy.as_slice().chunks_exact(gb.len().max(1)) {
                for (g, &v) in gb.iter_mut().zip(c) {
                    *g += v;
                }
            }
        }
    }

    /// Gradient w.r.t. the input: `dx = Wᵀ dY` (overwrites `dx`).
    pub fn backward_input<B: Dim>(&self, dy: &Batch<T, K, B>, dx: &mut Batch<T, D, B>)
    where
        DefaultAllocator: Allocator<D, B> + Allocator<K, B>,
    {
        dx.as_mut_slice().fill(T::zero());
        add_tr_mul(dx, &self.w, dy);
    }

    /// Number of trainable scalars.
    pub fn num_params(&self) -> usize {
        self.w.len() + if self.bias == Bias::Yes { self.b.len() } else { 0 }
    }
}

impl<T: Real, K: Dim, D: Dim, B: Dim> Encoder<T, D, K, B> for Linear<T, K, D>
where
    DefaultAllocator: Dims<K, D, B>,
{
    type Cache = ();
    type OptState = (OptState<T, K, D>, OptState<T, K, U1>);

    fn new_cache(&self, _b: B) {}

    fn new_opt_state(&self) -> Self::OptState {
        (OptState::for_param(&self.w), OptState::for_param(&self.b))
    }

    fn zeros_like(&self) -> Self {
        Linear::zeros_like(self)
    }

    fn clear(&mut self) {
        Linear::clear(self)
    }

    fn forward(&self, x: &Batch<T, D, B>, y: &mut Batch<T, K, B>, _cache: &mut ()) {
        Linear::forward(self, x, y)
    }

    fn backward(
        &self,
        x: &Batch<T, D, B>,
        _cache: &mut (),
        dy: &Batch<T, K, B>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, D, B>>,
    ) {
        Linear::backward(self, x, dy, grad);
        if let Some(dx) = dx {
            self.backward_input(dy, dx);
        }
    }

    fn apply_update(&mut self, opt: &Optimizer<T>, state: &mut Self::OptState, grad: &Self) {
        opt.update(&mut state.0, &mut self.w, &grad.w);
        if self.bias == Bias::Yes {
            opt.update(&mut state.1, &mut self.b, &grad.b);
        }
    }

    fn num_params(&self) -> usize {
        Linear::num_params(self)
    }
}
