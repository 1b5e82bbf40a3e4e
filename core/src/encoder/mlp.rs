//! Multi-layer perceptrons with ReLU: one hidden layer ([`Mlp`], `D → H → K`) or two
//! ([`Mlp2`], `D → H1 → H2 → K`), all sizes fixed by their dimension types.
//!
//! Forward (samples are columns, `relu(x) = max(x, 0)` entrywise):
//!
//! `A₁ = W₁ X + b₁`, `H₁ = relu(A₁)`, … , `Y = W_out H_last + b_out` (no activation on the
//! output, as in SimCLR's and the PyTorch study's encoders).
//!
//! Backward, given `dY`: `∂L/∂W_out = dY H_lastᵀ`, `dH_last = W_outᵀ dY`; through a ReLU,
//! `dA = dH ⊙ 1[A > 0]` (derivative 0 at `A = 0`, as in PyTorch); then the same rule one layer
//! down, ending with `∂L/∂X = W₁ᵀ dA₁`.
//!
//! Scratch: the cache ([`HiddenCache`], one per hidden layer, `H × B` each) keeps the
//! pre-activations `A` (for the ReLU masks) and the activations `H` (for the weight
//! gradients), written by `forward`, and the scratch `dH = ∂L/∂H`, written by `backward`
//! (which therefore takes the cache by `&mut`). Nothing else is needed, so a training step
//! allocates nothing for `Const` sizes.
//!
//! Initialisation ([`Mlp::new`]): hidden layers He normal (He et al., 2015, the standard for
//! ReLU), output layer Glorot uniform (Glorot & Bengio, 2010), biases zero. The PyTorch study
//! quoted in the project's issue used an MLP `d → 128 → 16` (one hidden layer).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::encoder::{Bias, Encoder, Mlp};
//! use selfsup_core::rng::seeded;
//! type Net = Mlp<f64, Const<3>, Const<8>, Const<2>>;
//! let net = Net::new(Const, Const, Const, &mut seeded(1));
//! let x = SMatrix::<f64, 3, 4>::from_fn(|i, j| (i + j) as f64 * 0.1);
//! let (mut y, mut cache) = (SMatrix::<f64, 2, 4>::zeros(), Encoder::<f64, _, _, Const<4>>::new_cache(&net, Const));
//! net.forward(&x, &mut y, &mut cache);
//! // Column 0 by hand: W_out relu(W_1 x_0 + b_1) + b_out.
//! let h = (net.hidden.w * x.column(0) + net.hidden.b).map(|a| a.max(0.0));
//! assert!((net.out.w * h + net.out.b - y.column(0)).norm() < 1e-14);
//! assert_eq!(Encoder::<f64, Const<3>, Const<2>, Const<4>>::num_params(&net), 8 * 3 + 8 + 2 * 8 + 2);
//! ```

use super::{Bias, Encoder, Init, Linear};
use crate::Real;
use crate::dims::{Batch, Dims, LayerDims, Mat, zeros};
use crate::optim::{OptState, Optimizer};
use nalgebra::{DefaultAllocator, Dim, U1, allocator::Allocator};

/// Optimizer state of one [`Linear`] layer (weight, bias).
pub type LinearState<T, O, I> = (OptState<T, O, I>, OptState<T, O, U1>);

/// `h = relu(a)` entrywise.
#[inline]
pub(crate) fn relu<T: Real>(a: &[T], h: &mut [T]) {
    for (o, &p) in h.iter_mut().zip(a) {
        *o = if p > T::zero() { p } else { T::zero() };
    }
}

/// Elements of [`relu_backward`]'s local block (one 8-lane vector of `f32`).
const RELU_BLOCK: usize = 8;

/// `dh ← dh ⊙ 1[a > 0]` in place (zero derivative at 0, as PyTorch): `+0` where `a <= 0`,
/// `dh` unchanged elsewhere (a NaN in `a` keeps `dh`).
///
/// [`RELU_BLOCK`] elements at a time go through a local block that is then stored whole.
/// Written in place, the select stores only the zeros, and x86 with AVX compiles that to masked
/// stores (`vmaskmovps`, slow on AMD: a third of `Mlp::backward`'s samples); through the block
/// it is a compare, an `and` and a plain store. The same bits either way.
#[inline]
pub(crate) fn relu_backward<T: Real>(a: &[T], dh: &mut [T]) {
    let masked = |p: T, d: T| if p <= T::zero() { T::zero() } else { d };
    let mut dh_blocks = dh.chunks_exact_mut(RELU_BLOCK);
    let mut a_blocks = a.chunks_exact(RELU_BLOCK);
    for (db, ab) in (&mut dh_blocks).zip(&mut a_blocks) {
        let mut block = [T::zero(); RELU_BLOCK];
        for ((o, &d), &p) in block.iter_mut().zip(db.iter()).zip(ab) {
            *o = masked(p, d);
        }
        db.copy_from_slice(&block);
    }
    for (d, &p) in dh_blocks.into_remainder().iter_mut().zip(a_blocks.remainder()) {
        *d = masked(p, *d);
    }
}

/// One optimizer step on a linear layer's weight (and bias when it is used).
pub(crate) fn update_linear<T: Real, O: Dim, I: Dim>(
    opt: &Optimizer<T>,
    layer: &mut Linear<T, O, I>,
    state: &mut LinearState<T, O, I>,
    grad: &Linear<T, O, I>,
) where
    DefaultAllocator: Allocator<O, I> + Allocator<O>,
{
    opt.update(&mut state.0, &mut layer.w, &grad.w);
    if layer.bias == Bias::Yes {
        opt.update(&mut state.1, &mut layer.b, &grad.b);
    }
}

fn linear_state<T: Real, O: Dim, I: Dim>(l: &Linear<T, O, I>) -> LinearState<T, O, I>
where
    DefaultAllocator: Allocator<O, I> + Allocator<O>,
{
    (OptState::for_param(&l.w), OptState::for_param(&l.b))
}

/// Saved activations of one hidden ReLU layer for a batch: pre-activation `a`, activation
/// `h = relu(a)` (written by `forward`), and the scratch `∂L/∂h` (written by `backward`).
#[derive(Clone, Debug)]
pub struct HiddenCache<T: Real, H: Dim, B: Dim>
where
    DefaultAllocator: Allocator<H, B>,
{
    /// Pre-activations `A = W X + b`, `H × B`.
    pub pre: Mat<T, H, B>,
    /// Activations `relu(A)`, `H × B`.
    pub act: Mat<T, H, B>,
    /// Scratch for `∂L/∂h`, `H × B`: only meaningful during `backward`.
    dh: Mat<T, H, B>,
}

impl<T: Real, H: Dim, B: Dim> HiddenCache<T, H, B>
where
    DefaultAllocator: Allocator<H, B>,
{
    fn new(h: H, b: B) -> Self {
        Self { pre: zeros(h, b), act: zeros(h, b), dh: zeros(h, b) }
    }
}

/// An MLP `D → H → K` with one ReLU hidden layer and biases.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp<T: Real, D: Dim, H: Dim, K: Dim>
where
    DefaultAllocator: Allocator<H, D> + Allocator<H> + Allocator<K, H> + Allocator<K>,
{
    /// Hidden layer `D → H` (followed by ReLU).
    pub hidden: Linear<T, H, D>,
    /// Output layer `H → K` (no activation).
    pub out: Linear<T, K, H>,
}

impl<T: Real, D: Dim, H: Dim, K: Dim> Mlp<T, D, H, K>
where
    DefaultAllocator: Allocator<H, D> + Allocator<H> + Allocator<K, H> + Allocator<K>,
{
    /// He-normal hidden layer, Glorot-uniform output layer, zero biases.
    pub fn new<R: rand_core::Rng + ?Sized>(d: D, h: H, k: K, rng: &mut R) -> Self {
        let hidden = Linear::new(h, d, Init::HeNormal, Bias::Yes, rng);
        let out = Linear::new(k, h, Init::XavierUniform, Bias::Yes, rng);
        Self { hidden, out }
    }

    /// An MLP made of the given layers.
    pub fn from_layers(hidden: Linear<T, H, D>, out: Linear<T, K, H>) -> Self {
        Self { hidden, out }
    }
}

impl<T: Real, D: Dim, H: Dim, K: Dim, B: Dim> Encoder<T, D, K, B> for Mlp<T, D, H, K>
where
    DefaultAllocator: Dims<K, D, B> + LayerDims<H, D, B> + LayerDims<K, H, B>,
{
    type Cache = HiddenCache<T, H, B>;
    type OptState = (LinearState<T, H, D>, LinearState<T, K, H>);

    fn new_cache(&self, b: B) -> Self::Cache {
        HiddenCache::new(self.hidden.w.shape_generic().0, b)
    }

    fn new_opt_state(&self) -> Self::OptState {
        (linear_state(&self.hidden), linear_state(&self.out))
    }

    fn zeros_like(&self) -> Self {
        Self { hidden: self.hidden.zeros_like(), out: self.out.zeros_like() }
    }

    fn clear(&mut self) {
        self.hidden.clear();
        self.out.clear();
    }

    fn forward(&self, x: &Batch<T, D, B>, y: &mut Batch<T, K, B>, cache: &mut Self::Cache) {
        self.hidden.forward(x, &mut cache.pre);
        relu(cache.pre.as_slice(), cache.act.as_mut_slice());
        self.out.forward(&cache.act, y);
    }

    fn backward(
        &self,
        x: &Batch<T, D, B>,
        cache: &mut Self::Cache,
        dy: &Batch<T, K, B>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, D, B>>,
    ) {
        self.out.backward(&cache.act, dy, &mut grad.out);
        let dh = &mut cache.dh;
        self.out.backward_input(dy, dh);
        relu_backward(cache.pre.as_slice(), dh.as_mut_slice());
        self.hidden.backward(x, dh, &mut grad.hidden);
        if let Some(dx) = dx {
            self.hidden.backward_input(dh, dx);
        }
    }

    fn apply_update(&mut self, opt: &Optimizer<T>, state: &mut Self::OptState, grad: &Self) {
        update_linear(opt, &mut self.hidden, &mut state.0, &grad.hidden);
        update_linear(opt, &mut self.out, &mut state.1, &grad.out);
    }

    fn num_params(&self) -> usize {
        self.hidden.num_params() + self.out.num_params()
    }
}

/// An MLP `D → H1 → H2 → K` with two ReLU hidden layers and biases.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp2<T: Real, D: Dim, H1: Dim, H2: Dim, K: Dim>
where
    DefaultAllocator: Allocator<H1, D>
        + Allocator<H1>
        + Allocator<H2, H1>
        + Allocator<H2>
        + Allocator<K, H2>
        + Allocator<K>,
{
    /// First hidden layer `D → H1` (followed by ReLU).
    pub hidden1: Linear<T, H1, D>,
    /// Second hidden layer `H1 → H2` (followed by ReLU).
    pub hidden2: Linear<T, H2, H1>,
    /// Output layer `H2 → K` (no activation).
    pub out: Linear<T, K, H2>,
}

impl<T: Real, D: Dim, H1: Dim, H2: Dim, K: Dim> Mlp2<T, D, H1, H2, K>
where
    DefaultAllocator: Allocator<H1, D>
        + Allocator<H1>
        + Allocator<H2, H1>
        + Allocator<H2>
        + Allocator<K, H2>
        + Allocator<K>,
{
    /// He-normal hidden layers, Glorot-uniform output layer, zero biases.
    pub fn new<R: rand_core::Rng + ?Sized>(d: D, h1: H1, h2: H2, k: K, rng: &mut R) -> Self {
        let hidden1 = Linear::new(h1, d, Init::HeNormal, Bias::Yes, rng);
        let hidden2 = Linear::new(h2, h1, Init::HeNormal, Bias::Yes, rng);
        let out = Linear::new(k, h2, Init::XavierUniform, Bias::Yes, rng);
        Self { hidden1, hidden2, out }
    }
}

/// Saved activations of a [`Mlp2`]: one [`HiddenCache`] per hidden layer.
#[derive(Clone, Debug)]
pub struct Mlp2Cache<T: Real, H1: Dim, H2: Dim, B: Dim>
where
    DefaultAllocator: Allocator<H1, B> + Allocator<H2, B>,
{
    /// First hidden layer.
    pub first: HiddenCache<T, H1, B>,
    /// Second hidden layer.
    pub second: HiddenCache<T, H2, B>,
}

impl<T: Real, D: Dim, H1: Dim, H2: Dim, K: Dim, B: Dim> Encoder<T, D, K, B> for Mlp2<T, D, H1, H2, K>
where
    DefaultAllocator: Dims<K, D, B> + LayerDims<H1, D, B> + LayerDims<H2, H1, B> + LayerDims<K, H2, B>,
{
    type Cache = Mlp2Cache<T, H1, H2, B>;
    type OptState = (LinearState<T, H1, D>, LinearState<T, H2, H1>, LinearState<T, K, H2>);

    fn new_cache(&self, b: B) -> Self::Cache {
        Mlp2Cache {
            first: HiddenCache::new(self.hidden1.w.shape_generic().0, b),
            second: HiddenCache::new(self.hidden2.w.shape_generic().0, b),
        }
    }

    fn new_opt_state(&self) -> Self::OptState {
        (linear_state(&self.hidden1), linear_state(&self.hidden2), linear_state(&self.out))
    }

    fn zeros_like(&self) -> Self {
        Self {
            hidden1: self.hidden1.zeros_like(),
            hidden2: self.hidden2.zeros_like(),
            out: self.out.zeros_like(),
        }
    }

    fn clear(&mut self) {
        self.hidden1.clear();
        self.hidden2.clear();
        self.out.clear();
    }

    fn forward(&self, x: &Batch<T, D, B>, y: &mut Batch<T, K, B>, cache: &mut Self::Cache) {
        let (c1, c2) = (&mut cache.first, &mut cache.second);
        self.hidden1.forward(x, &mut c1.pre);
        relu(c1.pre.as_slice(), c1.act.as_mut_slice());
        self.hidden2.forward(&c1.act, &mut c2.pre);
        relu(c2.pre.as_slice(), c2.act.as_mut_slice());
        self.out.forward(&c2.act, y);
    }

    fn backward(
        &self,
        x: &Batch<T, D, B>,
        cache: &mut Self::Cache,
        dy: &Batch<T, K, B>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, D, B>>,
    ) {
        let (c1, c2) = (&mut cache.first, &mut cache.second);
        self.out.backward(&c2.act, dy, &mut grad.out);
        self.out.backward_input(dy, &mut c2.dh);
        relu_backward(c2.pre.as_slice(), c2.dh.as_mut_slice());
        self.hidden2.backward(&c1.act, &c2.dh, &mut grad.hidden2);
        self.hidden2.backward_input(&c2.dh, &mut c1.dh);
        relu_backward(c1.pre.as_slice(), c1.dh.as_mut_slice());
        self.hidden1.backward(x, &c1.dh, &mut grad.hidden1);
        if let Some(dx) = dx {
            self.hidden1.backward_input(&c1.dh, dx);
        }
    }

    fn apply_update(&mut self, opt: &Optimizer<T>, state: &mut Self::OptState, grad: &Self) {
        update_linear(opt, &mut self.hidden1, &mut state.0, &grad.hidden1);
        update_linear(opt, &mut self.hidden2, &mut state.1, &grad.hidden2);
        update_linear(opt, &mut self.out, &mut state.2, &grad.out);
    }

    fn num_params(&self) -> usize {
        self.hidden1.num_params() + self.hidden2.num_params() + self.out.num_params()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocked `relu_backward` gives the bits of the plain per-element select (signed
    /// zeros, infinities and NaNs in both arguments), for lengths below, at and between
    /// multiples of the block, in `f32` and `f64`.
    #[test]
    fn relu_backward_keeps_the_bits_of_the_plain_select() {
        fn check<T: Real>() {
            let special =
                [0.0, -0.0, 1.5, -2.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN, 1e-310];
            let a: [T; 3 * RELU_BLOCK + 5] =
                core::array::from_fn(|i| T::of_f64(special[(i * 5) % special.len()]));
            let d: [T; 3 * RELU_BLOCK + 5] =
                core::array::from_fn(|i| T::of_f64(special[(i * 7 + 3) % special.len()]));
            for n in [0, 1, RELU_BLOCK - 1, RELU_BLOCK, RELU_BLOCK + 3, a.len()] {
                let mut got = d;
                relu_backward(&a[..n], &mut got[..n]);
                for ((g, &dv), &p) in got[..n].iter().zip(&d).zip(&a) {
                    let want = if p <= T::zero() { T::zero() } else { dv };
                    assert_eq!(g.bits(), want.bits(), "n {n}, a {p:?}, dh {dv:?}");
                }
            }
        }
        check::<f32>();
        check::<f64>();
    }
}
