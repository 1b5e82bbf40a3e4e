//! Helpers shared by the integration tests of the non-contrastive objectives.
#![allow(dead_code)]

use nalgebra::{DMatrix, Dyn};
use selfsup_core::encoder::{Bias, Linear, Mlp, Mlp2, WithHead};

/// Step of the five-point central difference (truncation `O(h⁴)`, round-off `~1e-12`).
pub const H: f64 = 1e-4;
/// Required relative agreement of analytic and numeric gradients.
pub const TOL: f64 = 1e-6;
/// Gradient scale below which errors are measured absolutely (some exact gradients vanish:
/// negative cosine with K = 1, Barlow Twins with B = 2 where batch norm leaves only `ε`).
pub const FLOOR: f64 = 1e-5;

/// `max |got − want| / max(max |want|, FLOOR)`.
pub fn rel_err(got: &[f64], want: &[f64]) -> f64 {
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(FLOOR);
    got.iter().zip(want).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / scale
}

/// Five-point central difference `(−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h`.
pub fn stencil(mut f: impl FnMut(f64) -> f64) -> f64 {
    (-f(2.0 * H) + 8.0 * f(H) - 8.0 * f(-H) + f(-2.0 * H)) / (12.0 * H)
}

/// Finite differences of `f` at `x`, one entry at a time.
pub fn numeric_grad(x: &DMatrix<f64>, mut f: impl FnMut(&DMatrix<f64>) -> f64) -> DMatrix<f64> {
    let mut g = x.clone();
    let mut xp = x.clone();
    for i in 0..x.len() {
        let v = x[i];
        g[i] = stencil(|d| {
            xp[i] = v + d;
            f(&xp)
        });
        xp[i] = v;
    }
    g
}

/// Flat mutable views of every parameter block, for finite differences.
pub trait Params {
    fn blocks(&mut self) -> Vec<&mut [f64]>;
}

impl Params for Linear<f64, Dyn, Dyn> {
    fn blocks(&mut self) -> Vec<&mut [f64]> {
        if self.bias == Bias::Yes {
            vec![self.w.as_mut_slice(), self.b.as_mut_slice()]
        } else {
            vec![self.w.as_mut_slice()]
        }
    }
}

impl Params for Mlp<f64, Dyn, Dyn, Dyn> {
    fn blocks(&mut self) -> Vec<&mut [f64]> {
        let mut v = self.hidden.blocks();
        v.extend(self.out.blocks());
        v
    }
}

impl Params for Mlp2<f64, Dyn, Dyn, Dyn, Dyn> {
    fn blocks(&mut self) -> Vec<&mut [f64]> {
        let mut v = self.hidden1.blocks();
        v.extend(self.hidden2.blocks());
        v.extend(self.out.blocks());
        v
    }
}

impl<F: Params, G: Params> Params for WithHead<F, G, Dyn> {
    fn blocks(&mut self) -> Vec<&mut [f64]> {
        let mut v = self.encoder.blocks();
        v.extend(self.head.blocks());
        v
    }
}
