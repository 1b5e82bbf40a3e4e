//! The networks probe trains, chosen at run time: an encoder `f` (`--encoder linear|mlp`,
//! `--hidden H`), a projection head `g` (`--head none|linear|mlp`) and, for BYOL and SimSiam,
//! a predictor `q`. Each is a [`Layer`]: core's `Linear` or `Mlp` on `Dyn` sizes, or the
//! identity (no head), behind one enum so that core's `WithHead`, `Trainer`, `Byol` and
//! `SimSiam` train any combination. [`Embedder`] is the frozen `f` in f64, for evaluation.

use nalgebra::Dyn;
use selfsup_core::Real;
use selfsup_core::dims::Batch;
use selfsup_core::encoder::mlp::{HiddenCache, LinearState};
use selfsup_core::encoder::{Bias, Ema, Encoder, Init, Linear, Mlp, WithHead};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::Rng;

mod embedder;
pub use embedder::{Dense, Embedder, Represent};

/// Encoder architecture (`--encoder`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncoderKind {
    /// `z = W x`, no bias (the seed's encoder).
    Linear,
    /// `z = W₂ relu(W₁ x + b₁) + b₂` with `--hidden` units.
    Mlp,
}

/// Projection head (`--head`), trained with the loss and dropped for evaluation.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HeadKind {
    /// No head: the loss sees the representation itself.
    None,
    /// A linear map `K → K` with bias.
    Linear,
    /// An MLP `K → 64 → K` (SimCLR's head, sized as in the PyTorch study).
    Mlp,
}

/// One trainable block on `Dyn` sizes.
#[derive(Clone, Debug, PartialEq)]
pub enum Layer<T: Real> {
    /// `y = x` (no parameters), of this size.
    Identity(usize),
    /// A linear map.
    Linear(Linear<T, Dyn, Dyn>),
    /// A one-hidden-layer ReLU MLP.
    Mlp(Mlp<T, Dyn, Dyn, Dyn>),
}

/// An encoder followed by its head, as core's trainers see it.
pub type Net<T> = WithHead<Layer<T>, Layer<T>, Dyn>;

impl<T: Real> Layer<T> {
    /// A linear map `d → k`: `N(0, 0.1²)` without bias as the seed (encoder), or Glorot
    /// uniform with bias (head).
    pub fn linear(d: usize, k: usize, seed_init: bool, rng: &mut Rng) -> Self {
        if seed_init {
            Layer::Linear(Linear::new(Dyn(k), Dyn(d), Init::Normal { std: 0.1 }, Bias::No, rng))
        } else {
            Layer::Linear(Linear::new(Dyn(k), Dyn(d), Init::XavierUniform, Bias::Yes, rng))
        }
    }

    /// An MLP `d → h → k` (He-normal hidden, Glorot-uniform output, zero biases).
    pub fn mlp(d: usize, h: usize, k: usize, rng: &mut Rng) -> Self {
        Layer::Mlp(Mlp::new(Dyn(d), Dyn(h), Dyn(k), rng))
    }

    /// The frozen map in f64.
    pub fn embedder(&self) -> Embedder {
        fn dense<T: Real>(l: &Linear<T, Dyn, Dyn>, relu: bool) -> Dense {
            let (k, d) = l.w.shape();
            let mut w = Vec::with_capacity(k * d);
            for i in 0..k {
                for j in 0..d {
                    w.push(l.w[(i, j)].to_f64());
                }
            }
            let b = if l.bias == Bias::Yes { l.b.iter().map(|v| v.to_f64()).collect() } else { vec![0.0; k] };
            Dense { w, b, inputs: d, outputs: k, relu }
        }
        let layers = match self {
            Layer::Identity(_) => Vec::new(),
            Layer::Linear(l) => vec![dense(l, false)],
            Layer::Mlp(m) => vec![dense(&m.hidden, true), dense(&m.out, false)],
        };
        Embedder { layers }
    }
}

/// Saved activations of a [`Layer`].
#[derive(Clone, Debug)]
pub enum LayerCache<T: Real> {
    /// Nothing to save (identity, linear).
    Empty,
    /// The MLP's hidden layer.
    Mlp(HiddenCache<T, Dyn, Dyn>),
}

/// Optimizer state of a [`Layer`].
#[derive(Clone, Debug)]
pub enum LayerState<T: Real> {
    /// No parameters.
    Empty,
    /// A linear map's state.
    Linear(LinearState<T, Dyn, Dyn>),
    /// An MLP's states.
    Mlp((LinearState<T, Dyn, Dyn>, LinearState<T, Dyn, Dyn>)),
}

type M<T> = Batch<T, Dyn, Dyn>;

impl<T: Real> Encoder<T, Dyn, Dyn, Dyn> for Layer<T> {
    type Cache = LayerCache<T>;
    type OptState = LayerState<T>;

    fn new_cache(&self, b: Dyn) -> LayerCache<T> {
        match self {
            Layer::Mlp(m) => LayerCache::Mlp(Encoder::<T, Dyn, Dyn, Dyn>::new_cache(m, b)),
            _ => LayerCache::Empty,
        }
    }

    fn new_opt_state(&self) -> LayerState<T> {
        match self {
            Layer::Identity(_) => LayerState::Empty,
            Layer::Linear(l) => LayerState::Linear(Encoder::<T, Dyn, Dyn, Dyn>::new_opt_state(l)),
            Layer::Mlp(m) => LayerState::Mlp(Encoder::<T, Dyn, Dyn, Dyn>::new_opt_state(m)),
        }
    }

    fn zeros_like(&self) -> Self {
        match self {
            Layer::Identity(n) => Layer::Identity(*n),
            Layer::Linear(l) => Layer::Linear(l.zeros_like()),
            Layer::Mlp(m) => Layer::Mlp(Encoder::<T, Dyn, Dyn, Dyn>::zeros_like(m)),
        }
    }

    fn clear(&mut self) {
        match self {
            Layer::Identity(_) => {}
            Layer::Linear(l) => l.clear(),
            Layer::Mlp(m) => Encoder::<T, Dyn, Dyn, Dyn>::clear(m),
        }
    }

    fn forward(&self, x: &M<T>, y: &mut M<T>, cache: &mut LayerCache<T>) {
        match (self, cache) {
            (Layer::Identity(_), _) => y.copy_from(x),
            (Layer::Linear(l), _) => l.forward(x, y),
            (Layer::Mlp(m), LayerCache::Mlp(c)) => m.forward(x, y, c),
            (Layer::Mlp(_), LayerCache::Empty) => unreachable!("an MLP's cache comes from new_cache"),
        }
    }

    fn backward(
        &self,
        x: &M<T>,
        cache: &mut LayerCache<T>,
        dy: &M<T>,
        grad: &mut Self,
        dx: Option<&mut M<T>>,
    ) {
        match (self, cache, grad) {
            (Layer::Identity(_), _, _) => {
                if let Some(dx) = dx {
                    dx.copy_from(dy);
                }
            }
            (Layer::Linear(l), _, Layer::Linear(g)) => {
                Encoder::<T, Dyn, Dyn, Dyn>::backward(l, x, &mut (), dy, g, dx)
            }
            (Layer::Mlp(m), LayerCache::Mlp(c), Layer::Mlp(g)) => m.backward(x, c, dy, g, dx),
            _ => unreachable!("gradient and cache come from zeros_like and new_cache"),
        }
    }

    fn apply_update(&mut self, opt: &Optimizer<T>, state: &mut LayerState<T>, grad: &Self) {
        match (self, state, grad) {
            (Layer::Identity(_), _, _) => {}
            (Layer::Linear(l), LayerState::Linear(s), Layer::Linear(g)) => {
                Encoder::<T, Dyn, Dyn, Dyn>::apply_update(l, opt, s, g)
            }
            (Layer::Mlp(m), LayerState::Mlp(s), Layer::Mlp(g)) => {
                Encoder::<T, Dyn, Dyn, Dyn>::apply_update(m, opt, s, g)
            }
            _ => unreachable!("state and gradient come from new_opt_state and zeros_like"),
        }
    }

    fn num_params(&self) -> usize {
        match self {
            Layer::Identity(_) => 0,
            Layer::Linear(l) => l.num_params(),
            Layer::Mlp(m) => Encoder::<T, Dyn, Dyn, Dyn>::num_params(m),
        }
    }
}

impl<T: Real> Ema<T> for Layer<T> {
    fn ema_update(&mut self, online: &Self, tau: T) {
        match (self, online) {
            (Layer::Linear(t), Layer::Linear(o)) => t.ema_update(o, tau),
            (Layer::Mlp(t), Layer::Mlp(o)) => t.ema_update(o, tau),
            _ => {}
        }
    }
}
