//! Matrix products written once for every dimension type, with a fixed summation order.
//!
//! nalgebra picks different code paths for some `Const` sizes (its `dot` for `U4` sums
//! `(a+c)+(b+d)`), and with its `std` feature it hands large `Dyn` products to
//! `matrixmultiply`, which reorders sums. Both would make a `Const` build (a device) and a
//! `Dyn` build (the host) disagree in the last bits. The kernels here work on the column-major
//! slices of any owned matrix and always sum in increasing index order, so a device, wasm and
//! the host compute the same bits. The inner loops are axpy's over contiguous columns, which
//! the compiler vectorizes across *independent* outputs, never by reordering a sum.
//!
//! All kernels **add** into `out` (`out += …`); clear it first with `out.fill(T::zero())`.

use crate::Real;
use crate::dims::Mat;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

#[inline(always)]
fn axpy<T: Real>(y: &mut [T], a: T, x: &[T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Dot product summed in increasing index order.
#[inline(always)]
pub fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut s = T::zero();
    for (&x, &y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

/// `out += a · b` with `a: R × M`, `b: M × C`, `out: R × C`.
///
/// Column `j` of `out` accumulates `b[m, j] · a[:, m]` for `m = 0, 1, …` in order.
pub fn add_mul<T: Real, R: Dim, M: Dim, C: Dim>(out: &mut Mat<T, R, C>, a: &Mat<T, R, M>, b: &Mat<T, M, C>)
where
    DefaultAllocator: Allocator<R, C> + Allocator<R, M> + Allocator<M, C>,
{
    let (r, m) = a.shape();
    debug_assert_eq!(b.nrows(), m);
    debug_assert_eq!(out.shape(), (r, b.ncols()));
    if r == 0 {
        return;
    }
    let a = a.as_slice();
    for (oc, bc) in out.as_mut_slice().chunks_exact_mut(r).zip(b.as_slice().chunks_exact(m.max(1))) {
        for (k, &bkj) in bc.iter().enumerate().take(m) {
            axpy(oc, bkj, &a[k * r..(k + 1) * r]);
        }
    }
}

/// `out += a · bᵀ` with `a: R × N`, `b: C × N`, `out: R × C`.
///
/// Each entry sums over `n = 0, 1, …` in order (outer loop over `n`, axpy into columns).
pub fn add_mul_tr<T: Real, R: Dim, N: Dim, C: Dim>(out: &mut Mat<T, R, C>, a: &Mat<T, R, N>, b: &Mat<T, C, N>)
where
    DefaultAllocator: Allocator<R, C> + Allocator<R, N> + Allocator<C, N>,
{
    let (r, n) = a.shape();
    let c = b.nrows();
    debug_assert_eq!(b.ncols(), n);
    debug_assert_eq!(out.shape(), (r, c));
    if r == 0 || c == 0 {
        return;
    }
    let a = a.as_slice();
    let b = b.as_slice();
    let o = out.as_mut_slice();
    for t in 0..n {
        let acol = &a[t * r..(t + 1) * r];
        let bcol = &b[t * c..(t + 1) * c];
        for (oc, &bj) in o.chunks_exact_mut(r).zip(bcol) {
            axpy(oc, bj, acol);
        }
    }
}

/// `out += aᵀ · b` with `a: M × R`, `b: M × C`, `out: R × C`: entry `(i, j)` is the dot
/// product of column `i` of `a` and column `j` of `b`, summed in index order.
pub fn add_tr_mul<T: Real, M: Dim, R: Dim, C: Dim>(out: &mut Mat<T, R, C>, a: &Mat<T, M, R>, b: &Mat<T, M, C>)
where
    DefaultAllocator: Allocator<R, C> + Allocator<M, R> + Allocator<M, C>,
{
    let (m, r) = a.shape();
    debug_assert_eq!(b.nrows(), m);
    debug_assert_eq!(out.shape(), (r, b.ncols()));
    if r == 0 {
        return;
    }
    let a = a.as_slice();
    if m == 0 {
        return;
    }
    for (oc, bc) in out.as_mut_slice().chunks_exact_mut(r).zip(b.as_slice().chunks_exact(m)) {
        for (o, ac) in oc.iter_mut().zip(a.chunks_exact(m)) {
            *o += dot(ac, bc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{Const, SMatrix};

    #[test]
    fn products_match_nalgebra() {
        let a = SMatrix::<f64, 3, 4>::from_fn(|i, j| (i as f64 + 1.0) * 0.5 - j as f64);
        let b = SMatrix::<f64, 4, 5>::from_fn(|i, j| (i * j) as f64 * 0.25 - 1.0);
        let c = SMatrix::<f64, 5, 4>::from_fn(|i, j| i as f64 - 0.5 * j as f64);
        let d = SMatrix::<f64, 3, 5>::from_fn(|i, j| (i + 2 * j) as f64 * 0.1);
        let mut o = Mat::<f64, Const<3>, Const<5>>::zeros();
        add_mul(&mut o, &a, &b);
        assert!((o - a * b).abs().max() < 1e-12);
        let mut o = Mat::<f64, Const<3>, Const<5>>::zeros();
        add_mul_tr(&mut o, &a, &c);
        assert!((o - a * c.transpose()).abs().max() < 1e-12);
        let mut o = Mat::<f64, Const<4>, Const<5>>::zeros();
        add_tr_mul(&mut o, &a, &d);
        assert!((o - a.transpose() * d).abs().max() < 1e-12);
    }
}
