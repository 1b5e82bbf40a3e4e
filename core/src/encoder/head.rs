//! An encoder `f` followed by a projection head `g`, trained as the composition `g ∘ f` and
//! evaluated through `f` alone.
//!
//! SimCLR (Chen et al., 2020, §4.2) found that the representation *before* the projection
//! head transfers much better than the head's output (the head discards what the loss makes
//! invariant), and that training without a head hurts; BYOL, SimSiam, Barlow Twins and VICReg
//! all keep the same split. [`WithHead`] therefore keeps `f` ([`WithHead::encoder`]) and `g`
//! ([`WithHead::head`]) as separate fields: the training steps see one [`Encoder`]
//! `D → M → K`, the probe evaluates `encoder` (`D → M`).
//!
//! Forward: `h = f(x)`, `y = g(h)`. Backward: `dh = ∂g/∂h(dy)` (and `g`'s parameter gradients),
//! then `f`'s backward with `dh`. Scratch: the cache ([`HeadCache`]) holds both parts' caches,
//! `h = f(x)` (`M × B`, written by `forward`) and `dh` (`M × B`, written by `backward`, which
//! therefore takes the cache by `&mut`), so a step allocates nothing for `Const` sizes.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::encoder::{Bias, Encoder, Init, Linear, Mlp, WithHead};
//! use selfsup_core::rng::seeded;
//! let mut rng = seeded(3);
//! let f = Linear::<f64, Const<2>, Const<4>>::new(Const, Const, Init::Normal { std: 0.5 }, Bias::No, &mut rng);
//! let g = Mlp::<f64, Const<2>, Const<8>, Const<2>>::new(Const, Const, Const, &mut rng);
//! let net = WithHead::new(f, g, Const::<2>);
//! let x = SMatrix::<f64, 4, 3>::from_fn(|i, j| i as f64 - j as f64);
//! let mut y = SMatrix::<f64, 2, 3>::zeros();
//! let mut cache = Encoder::<f64, Const<4>, Const<2>, Const<3>>::new_cache(&net, Const);
//! net.forward(&x, &mut y, &mut cache);
//! // The representation used for evaluation is f(x) alone; training sees g(f(x)).
//! let mut h = SMatrix::<f64, 2, 3>::zeros();
//! net.encoder.forward(&x, &mut h);
//! assert_eq!(cache.h, h);
//! ```

use super::Encoder;
use crate::Real;
use crate::dims::{Batch, Dims, Mat, zeros};
use crate::optim::Optimizer;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// `g ∘ f`: an encoder `f: D → M` and a projection head `g: M → K`.
#[derive(Clone, Debug, PartialEq)]
pub struct WithHead<F, G, M: Dim> {
    /// The encoder `f`, whose output is the representation the probe evaluates.
    pub encoder: F,
    /// The projection head `g`, used only by the training loss.
    pub head: G,
    /// The representation size `M` (output of `f`, input of `g`).
    pub mid: M,
}

impl<F, G, M: Dim> WithHead<F, G, M> {
    /// Composes `encoder: D → mid` with `head: mid → K`.
    pub fn new(encoder: F, head: G, mid: M) -> Self {
        Self { encoder, head, mid }
    }
}

/// What [`WithHead`] saves in its forward pass.
#[derive(Clone, Debug)]
pub struct HeadCache<T: Real, M: Dim, B: Dim, FC, GC>
where
    DefaultAllocator: Allocator<M, B>,
{
    /// The encoder's cache.
    pub encoder: FC,
    /// The head's cache.
    pub head: GC,
    /// The representation `h = f(x)`, `M × B`.
    pub h: Mat<T, M, B>,
    /// Scratch for `∂L/∂h`, `M × B`: only meaningful during `backward`.
    dh: Mat<T, M, B>,
}

impl<T, D, M, K, B, F, G> Encoder<T, D, K, B> for WithHead<F, G, M>
where
    T: Real,
    D: Dim,
    M: Dim,
    K: Dim,
    B: Dim,
    F: Encoder<T, D, M, B>,
    G: Encoder<T, M, K, B>,
    DefaultAllocator: Dims<K, D, B> + Dims<M, D, B> + Dims<K, M, B>,
{
    type Cache = HeadCache<T, M, B, F::Cache, G::Cache>;
    type OptState = (F::OptState, G::OptState);

    fn new_cache(&self, b: B) -> Self::Cache {
        HeadCache {
            encoder: self.encoder.new_cache(b),
            head: self.head.new_cache(b),
            h: zeros(self.mid, b),
            dh: zeros(self.mid, b),
        }
    }

    fn new_opt_state(&self) -> Self::OptState {
        (self.encoder.new_opt_state(), self.head.new_opt_state())
    }

    fn zeros_like(&self) -> Self {
        Self { encoder: self.encoder.zeros_like(), head: self.head.zeros_like(), mid: self.mid }
    }

    fn clear(&mut self) {
        self.encoder.clear();
        self.head.clear();
    }

    fn forward(&self, x: &Batch<T, D, B>, y: &mut Batch<T, K, B>, cache: &mut Self::Cache) {
        self.encoder.forward(x, &mut cache.h, &mut cache.encoder);
        self.head.forward(&cache.h, y, &mut cache.head);
    }

    fn backward(
        &self,
        x: &Batch<T, D, B>,
        cache: &mut Self::Cache,
        dy: &Batch<T, K, B>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, D, B>>,
    ) {
        self.head.backward(&cache.h, &mut cache.head, dy, &mut grad.head, Some(&mut cache.dh));
        self.encoder.backward(x, &mut cache.encoder, &cache.dh, &mut grad.encoder, dx);
    }

    fn apply_update(&mut self, opt: &Optimizer<T>, state: &mut Self::OptState, grad: &Self) {
        self.encoder.apply_update(opt, &mut state.0, &grad.encoder);
        self.head.apply_update(opt, &mut state.1, &grad.head);
    }

    fn num_params(&self) -> usize {
        self.encoder.num_params() + self.head.num_params()
    }
}
