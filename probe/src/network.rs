//! The networks probe trains, chosen at run time: an encoder `f` (`--encoder linear|mlp`,
//! `--hidden H`), a projection head `g` (`--head none|linear|mlp`) and, for BYOL and SimSiam,
//! a predictor `q`. Each is a [`Layer`]: core's `Linear` or `Mlp` on `Dyn` sizes, or the
//! identity (no head), behind one enum so that core's `WithHead`, `Trainer`, `Byol` and
//! `SimSiam` train any combination. [`Embedder`] is the frozen `f` in f64, for evaluation.

use nalgebra::{DMatrix, Dyn};
use selfsup_core::Real;
use selfsup_core::dims::Batch;
use selfsup_core::encoder::mlp::{HiddenCache, LinearState};
use selfsup_core::encoder::{Bias, Ema, Encoder, Init, Linear, Mlp, WithHead};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::Rng;

/// Encoder architecture (`--encoder`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EncoderKind {
    /// `z = W x`, no bias (the seed's encoder).
    Linear,
    /// `z = W₂ relu(W₁ x + b₁) + b₂` with `--hidden` units.
    Mlp,
}

/// Which layer of a trained MLP encoder is evaluated (`--represent`).
///
/// SimCLR (Chen et al. 2020, §4.2) evaluates the backbone's output `h`, before the projection
/// head, because the layers closest to the loss discard what the augmentations vary. Here the
/// MLP encoder `d → H → K` is followed by the head `K → 64 → K`; `hidden` evaluates the
/// encoder's `H` ReLU units `relu(W₁ x + b₁)`, `output` its `K` outputs. A linear encoder has
/// only its output.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Represent {
    /// The encoder's output (`K` values).
    #[default]
    Output,
    /// The MLP encoder's hidden layer after its ReLU (`--hidden` values).
    Hidden,
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
            let b = if l.bias { l.b.iter().map(|v| v.to_f64()).collect() } else { vec![0.0; k] };
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

/// One dense layer of a frozen encoder, in f64: `y = W x + b`, then ReLU when `relu`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Row-major `outputs × inputs` weights.
    pub w: Vec<f64>,
    /// Bias (zeros when the layer has none).
    pub b: Vec<f64>,
    /// Input size.
    pub inputs: usize,
    /// Output size.
    pub outputs: usize,
    /// Whether a ReLU follows.
    pub relu: bool,
}

/// Rows of [`Embedder::apply`]'s register block.
const ROWS: usize = 4;
/// Outputs of [`Embedder::apply`]'s register block (`ROWS × OUTS` sums: eight 4-wide vectors).
const OUTS: usize = 8;

/// `out[r, o] = Σ_i wt[i, o] · x[r, i]` (row-major `R × w` rows `x`, input-major `w × k`
/// weights `wt`, row-major `R × k` output), each sum from −0 in order `i = 0, 1, …`:
/// [`OUTS`] outputs of the `R` rows at a time in registers, the rest one by one.
#[inline(always)]
fn rows_times<const R: usize>(x: &[f64], w: usize, wt: &[f64], k: usize, out: &mut [f64]) {
    let mut o0 = 0;
    while o0 + OUTS <= k {
        let mut acc = [[-0.0f64; OUTS]; R];
        for (i, wi) in wt.chunks_exact(k).enumerate() {
            let wv: [f64; OUTS] = core::array::from_fn(|q| wi[o0 + q]);
            for (r, ar) in acc.iter_mut().enumerate() {
                let xi = x[r * w + i];
                for q in 0..OUTS {
                    ar[q] += wv[q] * xi;
                }
            }
        }
        for (r, ar) in acc.iter().enumerate() {
            out[r * k + o0..r * k + o0 + OUTS].copy_from_slice(ar);
        }
        o0 += OUTS;
    }
    for r in 0..R {
        for o in o0..k {
            let mut s = -0.0f64;
            for (i, wi) in wt.chunks_exact(k).enumerate() {
                s += wi[o] * x[r * w + i];
            }
            out[r * k + o] = s;
        }
    }
}

/// A frozen encoder in f64: a chain of [`Dense`] layers (empty = identity).
#[derive(Clone, Debug, PartialEq)]
pub struct Embedder {
    /// The layers, input first.
    pub layers: Vec<Dense>,
}

impl Embedder {
    /// Output size for inputs of size `d`.
    pub fn dim(&self, d: usize) -> usize {
        self.layers.last().map_or(d, |l| l.outputs)
    }

    /// Embeds row-major `x` (`n × d`) into row-major `n × dim`.
    ///
    /// Output `o` of a row is `b_o + Σ_i w_oi x_i`, the sum starting from −0 (as
    /// `Iterator::sum`) and adding its terms in order `i = 0, 1, …`; then the ReLU if the layer
    /// has one. The outputs of a row are computed side by side from an input-major copy of `W`
    /// (an axpy per input, which vectorizes across outputs), each with its own sum in that
    /// order; [`ROWS`] rows × [`OUTS`] outputs at a time stay in registers for the whole sum,
    /// so a weight is loaded once per four rows and an output stored once.
    pub fn apply(&self, x: &[f64], d: usize) -> Vec<f64> {
        let mut cur = x.to_vec();
        let mut width = d;
        for l in &self.layers {
            debug_assert_eq!(l.inputs, width);
            let (k, w) = (l.outputs.max(1), width.max(1));
            let mut wt = vec![0.0; l.inputs * l.outputs];
            for (o, wr) in l.w.chunks_exact(l.inputs.max(1)).enumerate() {
                for (i, &v) in wr.iter().enumerate() {
                    wt[i * l.outputs + o] = v;
                }
            }
            let mut next = vec![0.0; cur.len() / w * l.outputs];
            let mut blocks = cur.chunks_exact(ROWS * w).zip(next.chunks_exact_mut(ROWS * k));
            for (xr, out) in &mut blocks {
                rows_times::<ROWS>(xr, w, &wt, k, out);
            }
            let done = cur.len() / w / ROWS * ROWS;
            for (xr, out) in cur[done * w..].chunks_exact(w).zip(next[done * k..].chunks_exact_mut(k)) {
                rows_times::<1>(xr, w, &wt, k, out);
            }
            for out in next.chunks_exact_mut(k) {
                for (s, &b) in out.iter_mut().zip(&l.b) {
                    let v = b + *s;
                    *s = if l.relu { v.max(0.0) } else { v };
                }
            }
            cur = next;
            width = l.outputs;
        }
        cur
    }

    /// The part of this encoder that `r` evaluates: all of it for [`Represent::Output`], its
    /// first layer (with its ReLU) for [`Represent::Hidden`] when it has more than one.
    ///
    /// ```
    /// use probe::network::{Dense, Embedder, Represent};
    /// let layer = |i, o, relu| Dense { w: vec![1.0; i * o], b: vec![-1.0; o], inputs: i, outputs: o, relu };
    /// let e = Embedder { layers: vec![layer(2, 3, true), layer(3, 1, false)] };
    /// assert_eq!(e.apply(&[1.0, 1.0], 2), vec![2.0]);
    /// let h = e.represent(Represent::Hidden);
    /// assert_eq!((h.dim(2), h.apply(&[1.0, 1.0], 2)), (3, vec![1.0, 1.0, 1.0]));
    /// ```
    pub fn represent(mut self, r: Represent) -> Embedder {
        if r == Represent::Hidden && self.layers.len() > 1 {
            self.layers.truncate(1);
        }
        self
    }

    /// The first layer's weights as a matrix (for the report's linear encoders).
    pub fn first_weights(&self) -> Option<DMatrix<f64>> {
        self.layers.first().map(|l| DMatrix::from_row_slice(l.outputs, l.inputs, &l.w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use selfsup_core::rng::seeded;

    #[test]
    fn embedder_matches_the_trained_layer() {
        let mut rng = seeded(3);
        let x: Vec<f64> = (0..15).map(|i| ((i * 7 % 5) as f64 - 2.0) * 0.4).collect();
        for layer in [Layer::<f64>::linear(3, 2, true, &mut rng), Layer::mlp(3, 8, 2, &mut rng)] {
            let xm = DMatrix::from_column_slice(3, 5, &x);
            let mut y = DMatrix::zeros(2, 5);
            let mut c = layer.new_cache(Dyn(5));
            layer.forward(&xm, &mut y, &mut c);
            let e = layer.embedder().apply(&x, 3);
            for (a, b) in e.iter().zip(y.iter()) {
                assert!((a - b).abs() < 1e-12);
            }
        }
        assert_eq!(Layer::<f64>::Identity(3).embedder().apply(&x, 3), x);
    }

    /// `apply` gives the bits of the plain per-output sum `b + Σ w x` (`Iterator::sum`), signed
    /// zeros included.
    #[test]
    fn embedder_keeps_the_bits_of_the_plain_sum() {
        let mut rng = seeded(5);
        // hidden and output sizes below, at and above the register block's 8 outputs; row
        // counts with and without a partial block of 4
        for (d, n, h, k) in [(7, 9, 6, 5), (5, 11, 19, 8), (64, 12, 128, 16)] {
            let mut x: Vec<f64> = (0..n * d).map(|i| ((i * 13 % 17) as f64 - 8.0) * 0.37).collect();
            x[..d].fill(0.0);
            x[d..2 * d].fill(-0.0);
            let mut e = Layer::<f64>::mlp(d, h, k, &mut rng).embedder();
            e.layers[1].b[0] = -0.0;
            e.layers[1].b[1] = 0.3;
            let mut want = x.clone();
            let mut width = d;
            for l in &e.layers {
                let mut next = Vec::new();
                for row in want.chunks_exact(width) {
                    for (wr, &b) in l.w.chunks_exact(l.inputs).zip(&l.b) {
                        let v = b + wr.iter().zip(row).map(|(a, x)| a * x).sum::<f64>();
                        next.push(if l.relu { v.max(0.0) } else { v });
                    }
                }
                want = next;
                width = l.outputs;
            }
            let got = e.apply(&x, d);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "d {d} n {n} h {h} k {k}");
            }
        }
    }
}
