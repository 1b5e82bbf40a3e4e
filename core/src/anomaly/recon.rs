//! The linear autoencoder's reconstruction error as an anomaly score.
//!
//! For a sample `x` and an autoencoder trained on normal data ([`LinearAutoencoder`]):
//!
//! `s(x) = ‖W_dec W_enc x − x‖²₂`  (plus the biases when the layers have them).
//!
//! A linear autoencoder at its optimum projects onto the top-`K` principal subspace of the
//! training data (Baldi & Hornik 1989), so `s` is the PCA reconstruction error of the normal
//! class (the classical subspace detector; Hoffmann 2007, "Kernel PCA for novelty
//! detection", uses its kernel form): samples off the normal subspace score high. It needs no
//! memory of samples, only the two weight matrices.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::anomaly::reconstruction_errors;
//! use selfsup_core::loss::autoencoder::{AeBuffers, LinearAutoencoder};
//! // Keeps the first coordinate, drops the second.
//! let ae = LinearAutoencoder::<f64, Const<1>, Const<2>>::from_weights(
//!     SMatrix::<f64, 1, 2>::new(1.0, 0.0), SMatrix::<f64, 2, 1>::new(1.0, 0.0));
//! let x = SMatrix::<f64, 2, 2>::new(1.0, 1.0, 0.0, 3.0); // samples (1, 0) and (1, 3)
//! let mut buf = AeBuffers::new(Const::<1>, Const::<2>, Const::<2>);
//! let mut s = [0.0; 2];
//! reconstruction_errors(&ae, &x, &mut buf, &mut s);
//! assert_eq!(s, [0.0, 9.0]);
//! ```

use crate::Real;
use crate::dims::{Batch, Dims};
use crate::kernels::dot;
use crate::loss::autoencoder::{AeBuffers, LinearAutoencoder};
use nalgebra::{DefaultAllocator, Dim};

/// Writes `s(x_j) = ‖x̂_j − x_j‖²` of every column of `x` (`D × B`) to `out[j]` (`out` holds at
/// least `B` values), summed over coordinates in increasing order.
pub fn reconstruction_errors<T: Real, K: Dim, D: Dim, B: Dim>(
    ae: &LinearAutoencoder<T, K, D>,
    x: &Batch<T, D, B>,
    buf: &mut AeBuffers<T, K, D, B>,
    out: &mut [T],
) where
    DefaultAllocator: Dims<K, D, B>,
{
    ae.loss(x, buf);
    let d = x.nrows();
    if d == 0 {
        out[..x.ncols()].fill(T::zero());
        return;
    }
    for (o, r) in out.iter_mut().zip(buf.residual().as_slice().chunks_exact(d)) {
        *o = dot(r, r);
    }
}
