//! Exponential moving average of parameters: the target network of BYOL (and of MoCo,
//! DINO), `θ_target ← τ θ_target + (1 − τ) θ_online`.
//!
//! The update is written as lightly's `update_momentum` (and the BYOL paper, Grill et al.
//! 2020, eq. 1) computes it: `target * τ + online * (1 − τ)`, entry by entry.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::encoder::{Ema, Linear};
//! let online = Linear::<f64, Const<1>, Const<2>>::from_weights(SMatrix::<f64, 1, 2>::new(1.0, 2.0));
//! let mut target = Linear::from_weights(SMatrix::<f64, 1, 2>::new(0.0, 0.0));
//! target.ema_update(&online, 0.75);
//! assert_eq!(target.w, SMatrix::<f64, 1, 2>::new(0.25, 0.5));
//! ```

use super::{Linear, Mlp, Mlp2, WithHead};
use crate::Real;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// Parameters that can track another set of the same shape by exponential moving average.
pub trait Ema<T: Real> {
    /// `self ← τ self + (1 − τ) online`, for every parameter.
    fn ema_update(&mut self, online: &Self, tau: T);
}

/// `target ← τ target + (1 − τ) online` on slices.
pub fn ema_slice<T: Real>(target: &mut [T], online: &[T], tau: T) {
    let rest = T::one() - tau;
    for (t, &o) in target.iter_mut().zip(online) {
        *t = *t * tau + o * rest;
    }
}

impl<T: Real, K: Dim, D: Dim> Ema<T> for Linear<T, K, D>
where
    DefaultAllocator: Allocator<K, D> + Allocator<K>,
{
    fn ema_update(&mut self, online: &Self, tau: T) {
        ema_slice(self.w.as_mut_slice(), online.w.as_slice(), tau);
        ema_slice(self.b.as_mut_slice(), online.b.as_slice(), tau);
    }
}

impl<T: Real, D: Dim, H: Dim, K: Dim> Ema<T> for Mlp<T, D, H, K>
where
    DefaultAllocator: Allocator<H, D> + Allocator<H> + Allocator<K, H> + Allocator<K>,
{
    fn ema_update(&mut self, online: &Self, tau: T) {
        self.hidden.ema_update(&online.hidden, tau);
        self.out.ema_update(&online.out, tau);
    }
}

impl<T: Real, D: Dim, H1: Dim, H2: Dim, K: Dim> Ema<T> for Mlp2<T, D, H1, H2, K>
where
    DefaultAllocator: Allocator<H1, D>
        + Allocator<H1>
        + Allocator<H2, H1>
        + Allocator<H2>
        + Allocator<K, H2>
        + Allocator<K>,
{
    fn ema_update(&mut self, online: &Self, tau: T) {
        self.hidden1.ema_update(&online.hidden1, tau);
        self.hidden2.ema_update(&online.hidden2, tau);
        self.out.ema_update(&online.out, tau);
    }
}

impl<T: Real, F: Ema<T>, G: Ema<T>, M: Dim> Ema<T> for WithHead<F, G, M> {
    fn ema_update(&mut self, online: &Self, tau: T) {
        self.encoder.ema_update(&online.encoder, tau);
        self.head.ema_update(&online.head, tau);
    }
}
