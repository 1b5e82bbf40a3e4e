//! Linear autoencoder, the seed's first program: an encoder `W_enc` (`K × D`) compresses each
//! sample, a decoder `W_dec` (`D × K`) rebuilds it, and the loss is half the squared
//! reconstruction error, summed over the `D` coordinates and averaged over the batch:
//!
//! `L = (1 / 2B) Σ_i ‖W_dec W_enc x_i − x_i‖²`
//!
//! With samples as columns (`X: D × B`), `Z = W_enc X`, `R = W_dec Z − X`:
//!
//! - `∂L/∂W_dec = R Zᵀ / B`
//! - `∂L/∂W_enc = W_decᵀ R Xᵀ / B`
//!
//! (the reference set's closed form, `dW_dec = Rᵀ (x W_encᵀ) / N`, `dW_enc = W_decᵀ Rᵀ x / N`
//! with rows as samples, checked there against torch autograd). Like the seed there is no bias
//! by default; with [`Bias::Yes`] both layers get one (`Z = W_enc X + b_enc 1ᵀ`,
//! `X̂ = W_dec Z + b_dec 1ᵀ`) and the same backward covers it.
//!
//! Weight decay is not part of the loss: the seed adds `λ W` to the batch-averaged gradient
//! before a plain SGD step, which is [`Optimizer::sgd`](crate::optim::Optimizer::sgd)`(lr, 0.0, λ)`
//! in [`AeTrainer`](crate::train::AeTrainer), the training loop. The seed's
//! hyper-parameters: `K = 2`, `D = 3`, `B = 64`, `lr = 1e-2`, `λ = 1e-4`, weights from
//! `N(0, 0.1²)`, 200 epochs over `N = 2000` plane points ([`crate::synth::fill_plane`]).
//!
//! **Optimum.** A linear autoencoder without bias can at best project onto the top-`K`
//! eigenvectors of the *uncentered* second-moment matrix `M = X Xᵀ / N` (Baldi & Hornik, 1989,
//! "Neural networks and principal component analysis"; Eckart–Young), so
//! `min L = ½ Σ (the D − K smallest eigenvalues of M)`: [`pca_optimum`]. The seed does not
//! centre its data, hence the uncentered `M` (its plane passes through the origin anyway).
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::encoder::{Bias, Init};
//! use selfsup_core::loss::autoencoder::{AeBuffers, LinearAutoencoder, pca_optimum};
//! use selfsup_core::rng::seeded;
//! use selfsup_core::synth::fill_plane;
//!
//! let mut rng = seeded(42);
//! let mut x = SMatrix::<f64, 3, 64>::zeros();
//! fill_plane(&mut rng, x.as_mut_slice(), None);
//! let ae = LinearAutoencoder::<f64, Const<2>, Const<3>>::new(
//!     Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
//! let mut buf = AeBuffers::new(Const::<2>, Const::<3>, Const::<64>); // on the stack
//! let mut grad = ae.zeros_like();
//! let loss = ae.loss_grad(&x, &mut grad, &mut buf);
//! assert_eq!(loss, ae.loss(&x, &mut buf));
//! assert!(loss >= pca_optimum(&x, 2).unwrap());
//! ```

use crate::Real;
use crate::dims::{Batch, Dims, Mat, zeros};
use crate::encoder::{Bias, Init, Linear};
use crate::kernels::{add_mul_tr, dot};
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, DimDiff, DimSub, SymmetricEigen, U1};

/// A linear autoencoder `x̂ = W_dec W_enc x`: encoder `K × D`, decoder `D × K`.
///
/// It doubles as its own gradient container (same shapes; see [`Self::zeros_like`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LinearAutoencoder<T: Real, K: Dim, D: Dim>
where
    DefaultAllocator: Allocator<K, D> + Allocator<D, K> + Allocator<K> + Allocator<D>,
{
    /// Encoder, `W_enc: K × D` (and `b_enc` if `bias`).
    pub enc: Linear<T, K, D>,
    /// Decoder, `W_dec: D × K` (and `b_dec` if `bias`).
    pub dec: Linear<T, D, K>,
}

/// Working buffers of the autoencoder for batches of `B` samples: the code `Z = W_enc X`
/// (`K × B`), the residual `R = X̂ − X` (`D × B`) and `∂L/∂Z` (`K × B`). Allocated once by
/// [`AeBuffers::new`] (on the stack for `Const` sizes), so training allocates nothing.
#[derive(Clone, Debug)]
pub struct AeBuffers<T: Real, K: Dim, D: Dim, B: Dim>
where
    DefaultAllocator: Dims<K, D, B>,
{
    z: Mat<T, K, B>,
    r: Mat<T, D, B>,
    dz: Mat<T, K, B>,
}

impl<T: Real, K: Dim, D: Dim, B: Dim> AeBuffers<T, K, D, B>
where
    DefaultAllocator: Dims<K, D, B>,
{
    /// Buffers for a `k`-dimensional code of `d`-dimensional inputs, `b` samples per batch.
    pub fn new(k: K, d: D, b: B) -> Self {
        Self { z: zeros(k, b), r: zeros(d, b), dz: zeros(k, b) }
    }

    /// The code `Z = W_enc X (+ b_enc)` of the last batch (`K × B`).
    pub fn code(&self) -> &Mat<T, K, B> {
        &self.z
    }

    /// The residual `X̂ − X` of the last batch (`D × B`); after [`LinearAutoencoder::loss_grad`]
    /// it holds `(X̂ − X) / B`.
    pub fn residual(&self) -> &Mat<T, D, B> {
        &self.r
    }
}

impl<T: Real, K: Dim, D: Dim> LinearAutoencoder<T, K, D>
where
    DefaultAllocator: Allocator<K, D> + Allocator<D, K> + Allocator<K> + Allocator<D>,
{
    /// An autoencoder `d → k → d` with both layers drawn by `init` from `rng`, encoder first
    /// (the seed: `Init::Normal { std: 0.1 }`, no bias).
    pub fn new<R: rand_core::Rng + ?Sized>(k: K, d: D, init: Init, bias: Bias, rng: &mut R) -> Self {
        let enc = Linear::new(k, d, init, bias, rng);
        let dec = Linear::new(d, k, init, bias, rng);
        Self { enc, dec }
    }

    /// An autoencoder with the given weights and no bias.
    pub fn from_weights(w_enc: Mat<T, K, D>, w_dec: Mat<T, D, K>) -> Self {
        Self { enc: Linear::from_weights(w_enc), dec: Linear::from_weights(w_dec) }
    }

    /// All-zero parameters of the same shape (a gradient container).
    pub fn zeros_like(&self) -> Self {
        Self { enc: self.enc.zeros_like(), dec: self.dec.zeros_like() }
    }

    /// Runs the forward pass into `buf` (code and residual) and returns
    /// `L = (1 / 2B) Σ_i ‖x̂_i − x_i‖²` (`x`: `D × B`, `B ≥ 1`; `buf` made for the same `B`).
    pub fn loss<B: Dim>(&self, x: &Batch<T, D, B>, buf: &mut AeBuffers<T, K, D, B>) -> T
    where
        DefaultAllocator: Dims<K, D, B>,
    {
        self.enc.forward(x, &mut buf.z);
        self.dec.forward(&buf.z, &mut buf.r);
        buf.r -= x;
        let d = buf.r.nrows();
        let mut sum = T::zero();
        if d > 0 {
            for c in buf.r.as_slice().chunks_exact(d) {
                sum += dot(c, c);
            }
        }
        let b = T::of_usize(x.ncols());
        sum / (b + b)
    }

    /// Returns `L` and **overwrites** `grad` with `∂L/∂W_enc`, `∂L/∂W_dec` (and the bias
    /// gradients when the layers have biases).
    pub fn loss_grad<B: Dim>(&self, x: &Batch<T, D, B>, grad: &mut Self, buf: &mut AeBuffers<T, K, D, B>) -> T
    where
        DefaultAllocator: Dims<K, D, B>,
    {
        let loss = self.loss(x, buf);
        buf.r /= T::of_usize(x.ncols()); // R / B, so the products below are batch means
        grad.enc.clear();
        grad.dec.clear();
        self.dec.backward(&buf.z, &buf.r, &mut grad.dec); // R Zᵀ / B
        self.dec.backward_input(&buf.r, &mut buf.dz); // W_decᵀ R / B
        self.enc.backward(x, &buf.dz, &mut grad.enc); // W_decᵀ R Xᵀ / B
        loss
    }

    /// Overwrites `x_hat` with the reconstruction `W_dec W_enc X` (plus biases).
    pub fn reconstruct<B: Dim>(
        &self,
        x: &Batch<T, D, B>,
        x_hat: &mut Batch<T, D, B>,
        buf: &mut AeBuffers<T, K, D, B>,
    ) where
        DefaultAllocator: Dims<K, D, B>,
    {
        self.enc.forward(x, &mut buf.z);
        self.dec.forward(&buf.z, x_hat);
    }

    /// Number of trainable scalars.
    pub fn num_params(&self) -> usize {
        self.enc.num_params() + self.dec.num_params()
    }
}

/// The lowest loss any rank-`k` linear autoencoder without bias can reach on the data set `x`
/// (`D × N`, samples are columns): `½ Σ` of the `D − k` smallest eigenvalues of the uncentered
/// second-moment matrix `M = X Xᵀ / N` (for a model with biases, centre `x` first).
///
/// The eigenvalues come from nalgebra's symmetric QR algorithm (not bit-reproducible across
/// nalgebra versions, but accurate to rounding). Returns `None` if it fails to converge
/// (non-finite data) or if `N = 0`; `k ≥ D` gives `0`.
pub fn pca_optimum<T: Real, D: Dim + DimSub<U1>, N: Dim>(x: &Batch<T, D, N>, k: usize) -> Option<T>
where
    DefaultAllocator: Allocator<D, N> + Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let (d, n) = x.shape_generic();
    if n.value() == 0 {
        return None;
    }
    if k >= d.value() {
        return Some(T::zero());
    }
    let mut m = zeros::<T, D, D>(d, d);
    add_mul_tr(&mut m, x, x);
    m /= T::of_usize(n.value());
    let mut eig = SymmetricEigen::try_new(m, T::default_epsilon(), 10_000)?.eigenvalues;
    let vals = eig.as_mut_slice();
    if vals.iter().any(|v| !v.is_finite()) {
        return None;
    }
    vals.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(core::cmp::Ordering::Equal));
    let mut tail = T::zero();
    for &v in &vals[..d.value() - k] {
        tail += v;
    }
    Some(tail * crate::lit(0.5))
}
