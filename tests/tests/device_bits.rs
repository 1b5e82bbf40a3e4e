//! The on-device demonstration, run on the host through the very function the firmware
//! (`examples/cortex-m`) and the WebAssembly module (`examples/wasm`) call
//! ([`selfsup_transcript::run_ring`]). Its output must equal, byte for byte, the expected
//! output committed in `examples/expected/` — the file `.ci/device.sh` compares the QEMU
//! (Cortex-M4F, Cortex-M0) and Node runs against. A change in core that changes the bits
//! fails here first; regenerate with `SELFSUP_BLESS=1 cargo test -p selfsup-tests --test
//! device_bits` only when the change is intended (refused when `CI` is set: CI compares, it
//! never rewrites what it compares against).

use selfsup_core::dims::Dyn;
use selfsup_core::stream::{StreamTrainer, ring_source};
use selfsup_transcript::{
    ring_config, ring_stream, run, run_exported, run_ring, run_wide, wide_config, wide_stream,
};

fn expected_path(name: &str) -> String {
    format!("{}/../examples/expected/{name}.txt", env!("CARGO_MANIFEST_DIR"))
}

fn check(name: &str, got: &str) {
    let path = expected_path(name);
    if std::env::var_os("SELFSUP_BLESS").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "SELFSUP_BLESS is set together with CI: a CI run compares with {path}, it never rewrites it; unset SELFSUP_BLESS"
        );
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(got, want, "host output differs from {path}");
}

#[test]
fn ring_stream_matches_the_expected_device_output() {
    let mut t = Box::new(ring_stream(&ring_config()));
    let mut out = String::new();
    run_ring(&mut t, &mut out).unwrap();
    print!("{out}");
    check("ring", &out);
}

#[test]
fn wide_stream_matches_the_expected_device_output() {
    let mut t = Box::new(wide_stream(&wide_config()));
    let mut out = String::new();
    run_wide(&mut t, &mut out).unwrap();
    check("wide", &out);
}

#[test]
fn dynamic_sizes_give_the_same_bits_as_the_device_build() {
    let cfg = ring_config();
    let mut t = StreamTrainer::<f32, Dyn, Dyn, Dyn, Dyn, Dyn>::with_dims(
        &cfg,
        (Dyn(2), Dyn(2), Dyn(64), Dyn(256), Dyn(64)),
    );
    let mut out = String::new();
    run(&mut t, &cfg, &mut ring_source::<f32>, &mut out).unwrap();
    let mut s = Box::new(ring_stream(&cfg));
    let mut want = String::new();
    run_ring(&mut s, &mut want).unwrap();
    assert_eq!(out, want);
}

/// The encoder exported by `probe --export` (committed as probe's golden export), loaded from
/// its `const` arrays exactly as the `exported` firmware does.
#[allow(dead_code)] // FEATURES and STANDARDIZE are not needed here
mod exported {
    include!("../../probe/tests/data/export/encoder.rs");
}

#[test]
fn exported_encoder_matches_the_expected_device_output() {
    use exported::*;
    let bias = if HAS_BIAS { Some(&B) } else { None };
    let mut out = String::new();
    run_exported::<K, D, _>(&W, bias, &INPUT_MEAN, &INPUT_SCALE, 8, 5, &mut out).unwrap();
    check("exported", &out);
}
