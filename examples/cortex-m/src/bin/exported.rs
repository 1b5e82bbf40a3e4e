//! Loads the encoder that `probe --export` wrote as Rust `const` arrays (the committed export
//! `probe/tests/data/export/encoder.rs`), with no parsing, and embeds a few plane samples
//! (`selfsup_transcript::run_exported`, the function the host test calls too); prints the
//! embedding bits over semihosting.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use selfsup_cortex_m::{Host, exit};
use selfsup_transcript::run_exported;

#[allow(dead_code)] // the export also carries FEATURES and STANDARDIZE, unused here
mod encoder {
    include!("../../../../probe/tests/data/export/encoder.rs");
}

#[entry]
fn main() -> ! {
    use encoder::*;
    let mut out = Host::stdout();
    let bias = if HAS_BIAS { Some(&B) } else { None };
    let r = run_exported::<K, D, _>(&W, bias, &INPUT_MEAN, &INPUT_SCALE, 8, 5, &mut out);
    exit(r.is_ok())
}
