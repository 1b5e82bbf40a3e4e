//! The parameters of probe's networks independent of any library: each dense layer row-major
//! `(out_features, in_features)` in `f64` (exact for `f32` and `f64` values), with the
//! precision they were trained in, and their conversion to and from core's layers
//! ([`crate::network::Layer`], [`crate::network::Net`]).
//!
//! ```
//! use probe::network::{Layer, Net};
//! use probe::weights::NetWeights;
//! use selfsup_core::encoder::WithHead;
//! use selfsup_core::rng::seeded;
//! use nalgebra::Dyn;
//!
//! let mut rng = seeded(0);
//! let net: Net<f32> = WithHead::new(Layer::mlp(4, 8, 2, &mut rng), Layer::Identity(2), Dyn(2));
//! let w = NetWeights::of(&net);
//! assert_eq!(w.encoder.hidden(), Some(8));
//! let mut other: Net<f32> = WithHead::new(Layer::mlp(4, 8, 2, &mut rng), Layer::Identity(2), Dyn(2));
//! w.apply(&mut other);
//! assert_eq!(other.encoder, net.encoder);
//! ```

use crate::network::{Dense, Embedder, EncoderKind, HeadKind, Layer, Net};
use nalgebra::{DMatrix, DVector, Dyn};
use selfsup_core::Real;
use selfsup_core::encoder::{Bias, Linear, Mlp};

/// Floating-point precision of trained (and stored) values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// 32-bit IEEE floats (`torch.float32`).
    F32,
    /// 64-bit IEEE floats (`torch.float64`).
    F64,
}

impl Precision {
    /// The precision of the scalar type `T`.
    pub fn of<T: Real>() -> Self {
        if std::mem::size_of::<T>() == 4 { Precision::F32 } else { Precision::F64 }
    }

    /// Rust's name of the type (`f32` / `f64`).
    pub fn rust_type(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
}

/// One dense layer `y = W x (+ b)`.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseWeights {
    /// `out_features`.
    pub outputs: usize,
    /// `in_features`.
    pub inputs: usize,
    /// `W` row-major: `w[i * inputs + j] = W[i, j]`, like `nn.Linear.weight`.
    pub w: Vec<f64>,
    /// `b` (length `outputs`), if the layer has a bias.
    pub b: Option<Vec<f64>>,
}

impl DenseWeights {
    /// The parameters of a core [`Linear`].
    pub fn of<T: Real>(l: &Linear<T, Dyn, Dyn>) -> Self {
        let (outputs, inputs) = l.w.shape();
        let mut w = Vec::with_capacity(outputs * inputs);
        for i in 0..outputs {
            for j in 0..inputs {
                w.push(l.w[(i, j)].to_f64());
            }
        }
        let b = (l.bias == Bias::Yes).then(|| l.b.iter().map(|v| v.to_f64()).collect());
        Self { outputs, inputs, w, b }
    }

    /// A core [`Linear`] with these parameters (rounded to `T`: exact when `T` is the precision
    /// they were trained in, or wider).
    pub fn to_linear<T: Real>(&self) -> Linear<T, Dyn, Dyn> {
        let w = DMatrix::from_fn(self.outputs, self.inputs, |i, j| T::of_f64(self.w[i * self.inputs + j]));
        let mut l = Linear::from_weights(w);
        if let Some(b) = &self.b {
            l.b = DVector::from_iterator(self.outputs, b.iter().map(|&v| T::of_f64(v)));
            l.bias = Bias::Yes;
        }
        l
    }

    /// `W` column-major (as nalgebra and core's `from_column_slice` take it).
    pub fn column_major(&self) -> Vec<f64> {
        let mut c = vec![0.0; self.w.len()];
        for i in 0..self.outputs {
            for j in 0..self.inputs {
                c[j * self.outputs + i] = self.w[i * self.inputs + j];
            }
        }
        c
    }

    fn dense(&self, relu: bool) -> Dense {
        let b = self.b.clone().unwrap_or_else(|| vec![0.0; self.outputs]);
        Dense { w: self.w.clone(), b, inputs: self.inputs, outputs: self.outputs, relu }
    }
}

/// An encoder or head with parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerWeights {
    /// One dense layer (`nn.Linear`).
    Linear(DenseWeights),
    /// `nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, K))`.
    Mlp {
        /// The hidden layer `D → H` (index 0 of the `Sequential`).
        hidden: DenseWeights,
        /// The output layer `H → K` (index 2).
        out: DenseWeights,
    },
}

impl LayerWeights {
    /// The parameters of `layer` (`None` for the identity, which has none).
    pub fn of<T: Real>(layer: &Layer<T>) -> Option<Self> {
        match layer {
            Layer::Identity(_) => None,
            Layer::Linear(l) => Some(LayerWeights::Linear(DenseWeights::of(l))),
            Layer::Mlp(m) => {
                Some(LayerWeights::Mlp { hidden: DenseWeights::of(&m.hidden), out: DenseWeights::of(&m.out) })
            }
        }
    }

    /// The core layer with these parameters.
    pub fn to_layer<T: Real>(&self) -> Layer<T> {
        match self {
            LayerWeights::Linear(l) => Layer::Linear(l.to_linear()),
            LayerWeights::Mlp { hidden, out } => {
                Layer::Mlp(Mlp::from_layers(hidden.to_linear(), out.to_linear()))
            }
        }
    }

    /// Input size.
    pub fn inputs(&self) -> usize {
        match self {
            LayerWeights::Linear(l) => l.inputs,
            LayerWeights::Mlp { hidden, .. } => hidden.inputs,
        }
    }

    /// Output size.
    pub fn outputs(&self) -> usize {
        match self {
            LayerWeights::Linear(l) => l.outputs,
            LayerWeights::Mlp { out, .. } => out.outputs,
        }
    }

    /// Hidden units of an MLP.
    pub fn hidden(&self) -> Option<usize> {
        match self {
            LayerWeights::Linear(_) => None,
            LayerWeights::Mlp { hidden, .. } => Some(hidden.outputs),
        }
    }

    /// The architecture as probe's `--encoder` calls it.
    pub fn encoder_kind(&self) -> EncoderKind {
        match self {
            LayerWeights::Linear(_) => EncoderKind::Linear,
            LayerWeights::Mlp { .. } => EncoderKind::Mlp,
        }
    }

    /// The architecture as probe's `--head` calls it.
    pub fn head_kind(&self) -> HeadKind {
        match self {
            LayerWeights::Linear(_) => HeadKind::Linear,
            LayerWeights::Mlp { .. } => HeadKind::Mlp,
        }
    }

    /// The frozen map in f64 (what the evaluation and `embeddings.csv` use).
    pub fn embedder(&self) -> Embedder {
        let layers = match self {
            LayerWeights::Linear(l) => vec![l.dense(false)],
            LayerWeights::Mlp { hidden, out } => vec![hidden.dense(true), out.dense(false)],
        };
        Embedder { layers }
    }
}

/// An encoder and its projection head (`None`: no head).
#[derive(Clone, Debug, PartialEq)]
pub struct NetWeights {
    /// The encoder `f`.
    pub encoder: LayerWeights,
    /// The head `g`, if the network has one.
    pub head: Option<LayerWeights>,
    /// The precision the values were trained in (and are written in).
    pub precision: Precision,
}

impl NetWeights {
    /// The parameters of `net`.
    pub fn of<T: Real>(net: &Net<T>) -> Self {
        let encoder = match &net.encoder {
            // probe never builds an identity encoder; it is the identity matrix.
            Layer::Identity(n) => LayerWeights::Linear(DenseWeights {
                outputs: *n,
                inputs: *n,
                w: (0..n * n).map(|i| if i % (n + 1) == 0 { 1.0 } else { 0.0 }).collect(),
                b: None,
            }),
            layer => {
                LayerWeights::of(layer).unwrap_or_else(|| unreachable!("only the identity has no parameters"))
            }
        };
        Self { encoder, head: LayerWeights::of(&net.head), precision: Precision::of::<T>() }
    }

    /// A linear encoder without bias and without head, from its row-major `K × D` weight.
    pub fn linear(k: usize, d: usize, w: &[f64], precision: Precision) -> Self {
        let dense = DenseWeights { outputs: k, inputs: d, w: w.to_vec(), b: None };
        Self { encoder: LayerWeights::Linear(dense), head: None, precision }
    }

    /// Overwrites `net`'s encoder, and its head when these weights have one, with these
    /// parameters. The shapes must be those of `net` ([`crate::weights::init`] checks them
    /// against the run and says what to change).
    pub fn apply<T: Real>(&self, net: &mut Net<T>) {
        net.encoder = self.encoder.to_layer();
        if let Some(h) = &self.head {
            net.head = h.to_layer();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use selfsup_core::encoder::WithHead;
    use selfsup_core::rng::seeded;

    #[test]
    fn layers_round_trip_exactly() {
        let mut rng = seeded(4);
        for layer in [
            Layer::<f32>::linear(3, 2, true, &mut rng),
            Layer::linear(3, 2, false, &mut rng),
            Layer::mlp(3, 5, 2, &mut rng),
        ] {
            let w = LayerWeights::of(&layer).unwrap();
            assert_eq!(w.to_layer::<f32>(), layer);
            assert_eq!(w.embedder(), layer.embedder());
            assert_eq!((w.inputs(), w.outputs()), (3, 2));
        }
        assert_eq!(LayerWeights::of(&Layer::<f64>::Identity(2)), None);
    }

    #[test]
    fn apply_keeps_a_head_the_weights_do_not_have() {
        let mut rng = seeded(5);
        let a: Net<f64> = WithHead::new(Layer::mlp(3, 4, 2, &mut rng), Layer::mlp(2, 6, 2, &mut rng), Dyn(2));
        let mut b: Net<f64> =
            WithHead::new(Layer::mlp(3, 4, 2, &mut rng), Layer::mlp(2, 6, 2, &mut rng), Dyn(2));
        let head_before = b.head.clone();
        let mut w = NetWeights::of(&a);
        assert_eq!(w.precision, Precision::F64);
        w.head = None;
        w.apply(&mut b);
        assert_eq!(b.encoder, a.encoder);
        assert_eq!(b.head, head_before);
        NetWeights::of(&a).apply(&mut b);
        assert_eq!(b.head, a.head);
    }

    #[test]
    fn column_major_transposes() {
        let d = DenseWeights { outputs: 2, inputs: 3, w: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], b: None };
        assert_eq!(d.column_major(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let l = d.to_linear::<f64>();
        assert_eq!(l.w.as_slice(), d.column_major().as_slice());
    }
}
