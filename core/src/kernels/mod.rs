//! Matrix products written once for every dimension type, with a fixed summation order.
//!
//! nalgebra picks different code paths for some `Const` sizes (its `dot` for `U4` sums
//! `(a+c)+(b+d)`), and with its `std` feature it hands large `Dyn` products to
//! `matrixmultiply`, which reorders sums. Both would make a `Const` build (a device) and a
//! `Dyn` build (the host) disagree in the last bits. The kernels here work on the column-major
//! slices of any owned matrix and always sum in increasing index order, so a device, wasm and
//! the host compute the same bits. Their inner loops run across *independent* outputs, which
//! the compiler vectorizes, never by reordering a sum.
//!
//! Two families, by the order in which an entry collects its terms:
//! - `columns`: `out += a b` and `out += a bᵀ`, each entry adding its terms onto its old
//!   value (axpy order), with the output held in registers strip by strip;
//! - `dots`: `out += aᵀ b` and the triangle of `xᵀ y`, each entry a dot product summed from
//!   zero and then added.
//!
//! All kernels except [`tr_mul_rows`] **add** into `out` (`out += …`); clear it first with
//! `out.fill(T::zero())`.

mod columns;
mod dots;

use crate::Real;

pub use columns::{add_mul, add_mul_sym, add_mul_tr};
pub use dots::{add_tr_mul, tr_mul_rows};

/// Dot product summed in increasing index order.
#[inline(always)]
pub fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut s = T::zero();
    for (&x, &y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

#[cfg(test)]
mod tests;
