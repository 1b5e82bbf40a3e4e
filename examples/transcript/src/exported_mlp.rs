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
use selfsup_core::dims::Const;
use selfsup_core::encoder::{Encoder, Mlp};

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
    let mlp = Mlp::from_layers(crate::dense::<H, D>(w1, Some(b1)), crate::dense::<K, H>(w2, Some(b2)));
    let mut cache = Encoder::<f32, Const<D>, Const<K>, Const<1>>::new_cache(&mlp, Const::<1>);
    writeln!(out, "exported MLP encoder K={K} D={D} H={H}")?;
    crate::embed_samples((mean, scale), n, seed, out, |x, z| mlp.forward(x, z, &mut cache))
}
