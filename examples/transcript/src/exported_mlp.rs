//! Runs an MLP encoder exported by `probe --export` (the `const` arrays `W1`, `B1`, `W2`, `B2`,
//! `INPUT_MEAN`, `INPUT_SCALE` of its `encoder.rs`) on `n` samples of the seed's plane data
//! (drawn from a generator seeded with `seed`, padded or cut to `D` features): standardizes each
//! sample, embeds it with core's `Mlp<f32, Const<D>, Const<H>, Const<K>>` built straight from the
//! arrays (column-major, no parsing) and prints one line per sample with the embedding's IEEE
//! bits (the format of [`crate::run_exported`]). The firmware (`examples/cortex-m`), the
//! WebAssembly module (`examples/wasm`) and the host test (`tests/tests/device_bits.rs`) call it
//! on the same committed export (`probe/tests/data/export_mlp/encoder.rs`); `.ci/device.sh`
//! compares their output with `examples/expected/exported_mlp.txt`.

use core::fmt::{self, Write};
use selfsup_core::dims::{Const, Mat};
use selfsup_core::encoder::{Encoder, Linear, Mlp};
use selfsup_core::rng::seeded;
use selfsup_core::synth::plane_point;

/// A dense layer `outputs × inputs` from column-major weights and a bias.
fn layer<const O: usize, const I: usize>(w: &[f32], b: &[f32; O]) -> Linear<f32, Const<O>, Const<I>> {
    let mut l = Linear::from_weights(Mat::<f32, Const<O>, Const<I>>::from_column_slice(w));
    l.b = Mat::<f32, Const<O>, Const<1>>::from_column_slice(b);
    l.bias = true;
    l
}

/// See the [module docs](self). `w1` is `H × D` and `w2` `K × H`, column-major.
pub fn run_exported_mlp<const K: usize, const D: usize, const H: usize, W: Write>(
    (w1, b1): (&[f32], &[f32; H]),
    (w2, b2): (&[f32], &[f32; K]),
    mean: &[f32; D],
    scale: &[f32; D],
    n: usize,
    seed: u64,
    out: &mut W,
) -> fmt::Result {
    let mlp = Mlp::from_layers(layer::<H, D>(w1, b1), layer::<K, H>(w2, b2));
    let mut cache = Encoder::<f32, Const<D>, Const<K>, Const<1>>::new_cache(&mlp, Const::<1>);
    writeln!(out, "exported MLP encoder K={K} D={D} H={H}")?;
    let mut rng = seeded(seed);
    let mut x = Mat::<f32, Const<D>, Const<1>>::zeros();
    let mut z = Mat::<f32, Const<K>, Const<1>>::zeros();
    for i in 0..n {
        let (p, _) = plane_point::<f32, _>(&mut rng);
        for (j, xj) in x.iter_mut().enumerate() {
            *xj = (p.get(j).copied().unwrap_or(0.0) - mean[j]) / scale[j];
        }
        mlp.forward(&x, &mut z, &mut cache);
        write!(out, "sample {i} z")?;
        for &v in z.iter() {
            out.write_char(' ')?;
            crate::hex(out, v)?;
        }
        writeln!(out)?;
    }
    Ok(())
}
