//! [`Views`]: the two augmented views of a batch, made the same way for every two-view learner.
//!
//! `V₁ = aug(X)` is drawn completely before `V₂ = aug(X)`, from the same generator, so a run is
//! a pure function of the generator's state.
//!
//! ```
//! use nalgebra::{Const, SMatrix};
//! use selfsup_core::{augment::Pipeline, rng::seeded, train::Views};
//! let mut views = Views::<f64, Const<2>, Const<4>>::new(Pipeline::reference_ring(), Const, Const);
//! let x = SMatrix::<f64, 2, 4>::from_fn(|i, j| (i + 2 * j) as f64);
//! views.draw(&x, &mut seeded(1));
//! let (a, b) = views.pair();
//! assert_ne!(a, b); // two independent augmentations
//! ```

use crate::Real;
use crate::augment::Pipeline;
use crate::dims::{Batch, zeros};
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim};

/// An augmentation pipeline and the two `D × B` view buffers it fills.
#[derive(Clone, Debug)]
pub struct Views<T: Real, D: Dim, B: Dim>
where
    DefaultAllocator: Allocator<D, B>,
{
    /// How the views are made.
    pub augment: Pipeline,
    a: Batch<T, D, B>,
    b: Batch<T, D, B>,
}

impl<T: Real, D: Dim, B: Dim> Views<T, D, B>
where
    DefaultAllocator: Allocator<D, B>,
{
    /// Two zero views of `d × b` made by `augment`.
    pub fn new(augment: Pipeline, d: D, b: B) -> Self {
        Self { augment, a: zeros(d, b), b: zeros(d, b) }
    }

    /// `V₁ = aug(x)`, then `V₂ = aug(x)`, both from `rng`.
    ///
    /// # Panics
    /// If `x` is not `D × B` as given to [`Views::new`] (only possible with `Dyn` sizes).
    pub fn draw<R: rand_core::Rng + ?Sized>(&mut self, x: &Batch<T, D, B>, rng: &mut R) {
        self.augment.apply(x, &mut self.a, rng);
        self.augment.apply(x, &mut self.b, rng);
    }

    /// Uses the given views as they are (no augmentation).
    ///
    /// # Panics
    /// If a view is not `D × B` as given to [`Views::new`] (only possible with `Dyn` sizes).
    pub fn set(&mut self, v1: &Batch<T, D, B>, v2: &Batch<T, D, B>) {
        self.a.copy_from(v1);
        self.b.copy_from(v2);
    }

    /// The two views `(V₁, V₂)`.
    pub fn pair(&self) -> (&Batch<T, D, B>, &Batch<T, D, B>) {
        (&self.a, &self.b)
    }

    /// `(D, B)` of the views.
    pub fn shape(&self) -> (D, B) {
        self.a.shape_generic()
    }
}
