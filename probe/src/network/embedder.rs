//! The frozen encoder probe evaluates: [`Embedder`], a chain of [`Dense`] layers in f64, cut
//! at the layer [`Represent`] names.
//! The trained [`Layer`](super::Layer)s give theirs through `Layer::embedder`.

use nalgebra::DMatrix;

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
    /// order; `ROWS` rows × `OUTS` outputs at a time stay in registers for the whole sum,
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
    use crate::network::Layer;
    use nalgebra::Dyn;
    use selfsup_core::encoder::Encoder;
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
