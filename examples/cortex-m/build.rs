//! Picks the linker memory map for the QEMU machine the firmware will run on and passes
//! cortex-m-rt's `link.x`.
//!
//! Machine: `$SELFSUP_MACHINE` if set, else by target: `thumbv7em-none-eabihf` →
//! `mps2-an386` (Cortex-M4F, 256 KiB of its SSRAM used), `thumbv6m-none-eabi` → `microbit`
//! (Cortex-M0, nRF51: 16 KiB RAM). `SELFSUP_MACHINE=mps2-an386` on thumbv6m links the M0
//! build for the larger machine (an ARMv7E-M core runs ARMv6-M code), for configurations that
//! do not fit 16 KiB.
use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let machine = env::var("SELFSUP_MACHINE").unwrap_or_else(|_| {
        if target.starts_with("thumbv6m") { "microbit".into() } else { "mps2-an386".into() }
    });
    let file = format!("memory/{machine}.x");
    let map = fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("no memory map {file} for machine {machine}: {e}"));
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("memory.x"), map).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-env=SELFSUP_MACHINE={machine}");
    println!("cargo:rerun-if-env-changed=SELFSUP_MACHINE");
    println!("cargo:rerun-if-changed=memory");
    println!("cargo:rerun-if-changed=build.rs");
}
