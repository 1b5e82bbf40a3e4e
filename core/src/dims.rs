//! Dimensions, type aliases and the one place where allocator bounds live.
//!
//! Layout convention used everywhere in selfsup: **samples are columns**. A batch of `B`
//! inputs of `D` features is a `D × B` matrix, its embeddings a `K × B` matrix, and a
//! linear encoder's weight `W` is `K × D`, so `Y = W X`. nalgebra stores matrices
//! column-major, so each sample is contiguous in memory.
//!
//! Every function is generic over nalgebra dimensions: `Const<N>` (sizes in the type, storage
//! on the stack, no allocation: the default build) or `Dyn` (sizes at run time, heap storage,
//! behind the `alloc` feature). [`Dims`] gathers the allocator bounds so that signatures stay
//! short: `where DefaultAllocator: Dims<K, D, B>`.

#[cfg(feature = "alloc")]
pub use nalgebra::Dyn;
pub use nalgebra::{Const, DefaultAllocator, Dim, OMatrix, OVector, U1};

use nalgebra::allocator::Allocator;

/// A `R × C` matrix owned by its storage (stack for `Const`, heap for `Dyn`).
pub type Mat<T, R, C> = OMatrix<T, R, C>;
/// A column vector of length `N`.
pub type Vector<T, N> = OVector<T, N>;
/// A batch: one sample per column (`D × B` inputs, `K × B` embeddings).
pub type Batch<T, R, B> = OMatrix<T, R, B>;

/// Allocator bounds for a pair of `K × B` embedding batches: every shape the losses create
/// (`K × B`, `B × B`, `K × K`, and the vectors).
///
/// Like [`Dims`], a trait alias implemented for every allocator with these capabilities.
pub trait EmbedDims<K: Dim, B: Dim>:
    Allocator<K, B> + Allocator<B, B> + Allocator<K, K> + Allocator<B> + Allocator<K> + Allocator<U1, B>
{
}

impl<K: Dim, B: Dim, A> EmbedDims<K, B> for A where
    A: Allocator<K, B> + Allocator<B, B> + Allocator<K, K> + Allocator<B> + Allocator<K> + Allocator<U1, B>
{
}

/// Allocator bounds for an encoder `K × D` applied to batches of `B` samples: every matrix and
/// vector shape that the losses, encoders, optimizers and training steps create.
///
/// It is a trait alias: it is implemented for every allocator that has all the listed
/// capabilities, so `DefaultAllocator: Dims<K, D, B>` holds for any mix of `Const` and `Dyn`.
/// Supertraits are elaborated, so a function bounded by `Dims` can call one bounded by
/// [`EmbedDims`].
pub trait Dims<K: Dim, D: Dim, B: Dim>:
    EmbedDims<K, B> + Allocator<K, D> + Allocator<D, K> + Allocator<D, B> + Allocator<D, D> + Allocator<D>
{
}

impl<K: Dim, D: Dim, B: Dim, A> Dims<K, D, B> for A where
    A: EmbedDims<K, B> + Allocator<K, D> + Allocator<D, K> + Allocator<D, B> + Allocator<D, D> + Allocator<D>
{
}

/// Allocator bounds for one dense layer `I → O` applied to batches of `B` samples: its weight
/// `O × I`, bias `O`, input `I × B` and output `O × B`. Hidden layers of an MLP and the join
/// between an encoder and its projection head use it (`LayerDims<H, D, B>` for `D → H`).
pub trait LayerDims<O: Dim, I: Dim, B: Dim>:
    Allocator<O, I> + Allocator<O> + Allocator<O, B> + Allocator<I, B>
{
}

impl<O: Dim, I: Dim, B: Dim, A> LayerDims<O, I, B> for A where
    A: Allocator<O, I> + Allocator<O> + Allocator<O, B> + Allocator<I, B>
{
}

/// A zero matrix with the given generic dimensions (works for `Const` and `Dyn`).
#[inline]
pub fn zeros<T: crate::Real, R: Dim, C: Dim>(r: R, c: C) -> Mat<T, R, C>
where
    DefaultAllocator: Allocator<R, C>,
{
    Mat::<T, R, C>::zeros_generic(r, c)
}
