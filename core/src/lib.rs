//! # selfsup-core
//!
//! Self-supervised representation learning small enough to train on a microcontroller:
//! encoders, L2 normalization with its Jacobian, InfoNCE / NT-Xent, a linear autoencoder,
//! augmentations and optimizers, all with exact analytic gradients.
//!
//! `#![no_std]`, no heap, no `unsafe`. Every function is written once, generic over the scalar
//! ([`Real`]: `f32`, `f64`) and over nalgebra dimensions: `Const<N>` sizes (no allocation,
//! the default build, for devices) or `Dyn` sizes (feature `alloc`, for the host). Sums run
//! in a fixed order ([`kernels`]) and transcendental functions are our own ([`math`]) or
//! `libm`'s, so a device,
//! WebAssembly and the host compute bit-identical results.
//!
//! Static types without `Const` noise: [`fixed`] (`SLinear<f32, 16, 64>`, `STrainer<…>`, …).
//!
//! Layout: **samples are columns** — a batch of `B` inputs with `D` features is `D × B`
//! (see [`dims`]).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod anomaly;
pub mod augment;
pub mod dims;
pub mod encoder;
pub mod fixed;
pub mod kernels;
pub mod loss;
pub mod math;
pub mod normalize;
pub mod optim;
mod real;
pub mod rng;
pub mod stream;
pub mod synth;
pub mod train;

pub use real::{Real, lit};

/// The README's code blocks, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
