//! One-directional InfoNCE (the reference program's form, see [`InfoNce`](super::InfoNce)) with
//! streaming log-sum-exp: each anchor `a_i` keeps a running maximum and sum over its candidates
//! `b_0 … b_{B−1}`, so working memory is `O(B·K)`. The sweeps are
//! `infonce_sweeps`' (shared with [`InfoNceQueue`](super::InfoNceQueue));
//! the formulas, the agreement with the dense form and the costs are in
//! [`streaming`](super::streaming).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::loss::{InfoNce, PairLoss, StreamingInfoNce};
//! let za = SMatrix::<f64, 2, 3>::new(1.0, 0.0, -1.0, 0.2, 1.0, 0.1);
//! let zb = SMatrix::<f64, 2, 3>::new(0.9, 0.1, -1.0, 0.3, 1.0, 0.0);
//! let mut dense = InfoNce::<f64, Const<2>, Const<3>>::new(0.2, Const, Const).unwrap();
//! let mut streaming = StreamingInfoNce::<f64, Const<2>, Const<3>>::new(0.2, Const, Const).unwrap();
//! let (l_dense, l_stream) = (dense.loss(&za, &zb), streaming.loss(&za, &zb));
//! assert!((l_dense - l_stream).abs() < 1e-14 * l_dense);
//! ```

use super::infonce_sweeps::{onedir_backward, onedir_forward};
use super::lse::LseMode;
use super::streaming::{Streaming, StreamingForm};
use crate::Real;
use crate::dims::{Vector, zeros};
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, U1};

/// One-directional InfoNCE with streaming log-sum-exp: `O(B·K)` working memory.
pub type StreamingInfoNce<T, K, B> = Streaming<T, K, B, OneDirection<T, B>>;

/// The one-directional form's state: each anchor `a_i`'s maximum `m_i` and sum `σ_i`.
#[derive(Clone, Debug)]
pub struct OneDirection<T: Real, B: Dim>
where
    DefaultAllocator: Allocator<B>,
{
    m: Vector<T, B>,
    s: Vector<T, B>,
}

impl<T: Real, B: Dim> StreamingForm<T, B> for OneDirection<T, B>
where
    DefaultAllocator: Allocator<B>,
{
    const NAME: &'static str = "streaming InfoNCE";

    fn new(b: B) -> Self {
        Self { m: zeros(b, U1), s: zeros(b, U1) }
    }

    fn forward(&mut self, a: &[T], b: &[T], k: usize, tau: T, mode: LseMode, unit: bool) -> T {
        let n = self.m.len();
        let (m, s) = (self.m.as_mut_slice(), self.s.as_mut_slice());
        let total = onedir_forward(a, b, &[], k, T::one() / tau, mode, unit, m, s);
        total / T::of_usize(n)
    }

    fn backward(&self, a: &[T], b: &[T], k: usize, tau: T, ga: &mut [T], gb: &mut [T]) {
        let scale = T::one() / (T::of_usize(self.m.len()) * tau);
        onedir_backward(a, b, &[], k, T::one() / tau, scale, self.m.as_slice(), self.s.as_slice(), ga, gb);
    }
}
