//! Loads the MLP encoder that `probe --export` wrote as Rust `const` arrays (the committed
//! export `probe/tests/data/export_mlp/encoder.rs`: `W1`, `B1`, `W2`, `B2`), with no parsing,
//! and embeds a few plane samples (`selfsup_transcript::run_exported_mlp`, the function the host
//! test and the wasm module call too); prints the embedding bits over semihosting.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use selfsup_cortex_m::{Host, exit};
use selfsup_transcript::run_exported_mlp;

#[allow(dead_code)] // the export also carries ARCH, FEATURES and STANDARDIZE, unused here
mod encoder {
    include!("../../../../probe/tests/data/export_mlp/encoder.rs");
}

#[entry]
fn main() -> ! {
    use encoder::*;
    let mut out = Host::stdout();
    let r = run_exported_mlp::<K, D, H, _>((&W1, &B1), (&W2, &B2), &INPUT_MEAN, &INPUT_SCALE, 8, 5, &mut out);
    exit(r.is_ok())
}
