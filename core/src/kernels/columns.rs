//! Axpy-ordered products: `out[:, j] += Σ_k coef(k, j) · a[:, k]`, every entry adding its
//! terms in order `k = 0, 1, …` onto its old value ([`add_mul`], [`add_mul_tr`]).
//!
//! The rows of `out` are cut into strips of 16, 8, 4, 2 and 1 rows; for each strip, four
//! output columns (`4 × strip` scalars) stay in local arrays, which the compiler keeps in
//! vector registers, for the whole sum over `k`. A strip of `a` is read once per four output
//! columns and `out` is read and written once, instead of once per term. The lanes of a vector
//! hold independent entries, so no sum is reordered: the bits are those of the plain loop
//! `for k { for j { out[:, j] += coef(k, j) · a[:, k] } }`.

use crate::Real;
use crate::dims::Mat;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

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
    let b = b.as_slice();
    add_columns(out.as_mut_slice(), a.as_slice(), r, m, |k, j| b[j * m + k]);
}

/// `out += a · bᵀ` with `a: R × N`, `b: C × N`, `out: R × C`.
///
/// Each entry sums over `n = 0, 1, …` in order onto its old value.
pub fn add_mul_tr<T: Real, R: Dim, N: Dim, C: Dim>(out: &mut Mat<T, R, C>, a: &Mat<T, R, N>, b: &Mat<T, C, N>)
where
    DefaultAllocator: Allocator<R, C> + Allocator<R, N> + Allocator<C, N>,
{
    let (r, n) = a.shape();
    let c = b.nrows();
    debug_assert_eq!(b.ncols(), n);
    debug_assert_eq!(out.shape(), (r, c));
    let b = b.as_slice();
    add_columns(out.as_mut_slice(), a.as_slice(), r, n, |t, j| b[t * c + j]);
}

/// `out += a · V` with `a: R × N` and `V` the symmetric `N × N` matrix whose off-diagonal
/// entries come from one triangle of the column-major `N × N` slice `tri` (its strict upper
/// triangle, entries `(k, j)` with `k < j`, when `upper`, else its strict lower one) and whose
/// diagonal is zero; `tri`'s other triangle and diagonal are not read.
///
/// The same sums, term for term, as [`add_mul`] with `V` written out (column `j` of `out`
/// accumulates `V[k, j] · a[:, k]` for `k = 0, 1, …`, the diagonal's zero term included), without
/// the copy.
pub fn add_mul_sym<T: Real, R: Dim, N: Dim>(out: &mut Mat<T, R, N>, a: &Mat<T, R, N>, tri: &[T], upper: bool)
where
    DefaultAllocator: Allocator<R, N>,
{
    let (r, n) = a.shape();
    debug_assert_eq!(out.shape(), (r, n));
    debug_assert_eq!(tri.len(), n * n);
    add_columns(out.as_mut_slice(), a.as_slice(), r, n, |k, j| {
        if k == j {
            T::zero()
        } else if (k < j) == upper {
            tri[j * n + k]
        } else {
            tri[k * n + j]
        }
    });
}

/// `o[:, j] += Σ_k coef(k, j) · a[:, k]` (`k = 0, 1, …, m − 1` in order) for column-major
/// `o: r × C` and `a: r × m`, strip by strip of rows.
#[inline(always)]
fn add_columns<T: Real>(o: &mut [T], a: &[T], r: usize, m: usize, coef: impl Fn(usize, usize) -> T) {
    if r == 0 || m == 0 {
        return;
    }
    let mut s = 0;
    while r - s >= 16 {
        strip::<T, 16>(o, a, r, s, m, &coef);
        s += 16;
    }
    if r - s >= 8 {
        strip::<T, 8>(o, a, r, s, m, &coef);
        s += 8;
    }
    if r - s >= 4 {
        strip::<T, 4>(o, a, r, s, m, &coef);
        s += 4;
    }
    if r - s >= 2 {
        strip::<T, 2>(o, a, r, s, m, &coef);
        s += 2;
    }
    if r - s == 1 {
        strip::<T, 1>(o, a, r, s, m, &coef);
    }
}

/// Rows `s .. s + R` of [`add_columns`]: four output columns at a time in registers, then the
/// remaining columns one at a time. Each entry starts from its old value and adds its terms
/// in order `k = 0, 1, …`.
#[inline(always)]
fn strip<T: Real, const R: usize>(
    o: &mut [T],
    a: &[T],
    r: usize,
    s: usize,
    m: usize,
    coef: &impl Fn(usize, usize) -> T,
) {
    let cols = o.len() / r;
    let rows = |k: usize| &a[k * r + s..k * r + s + R];
    let mut j = 0;
    while j + 4 <= cols {
        let mut acc = [[T::zero(); R]; 4];
        for (l, col) in acc.iter_mut().enumerate() {
            col.copy_from_slice(&o[(j + l) * r + s..(j + l) * r + s + R]);
        }
        for k in 0..m {
            let ak = rows(k);
            let c = [coef(k, j), coef(k, j + 1), coef(k, j + 2), coef(k, j + 3)];
            for l in 0..4 {
                for q in 0..R {
                    acc[l][q] += c[l] * ak[q];
                }
            }
        }
        for (l, col) in acc.iter().enumerate() {
            o[(j + l) * r + s..(j + l) * r + s + R].copy_from_slice(col);
        }
        j += 4;
    }
    while j < cols {
        let mut acc = [T::zero(); R];
        acc.copy_from_slice(&o[j * r + s..j * r + s + R]);
        for k in 0..m {
            let ak = rows(k);
            let c = coef(k, j);
            for q in 0..R {
                acc[q] += c * ak[q];
            }
        }
        o[j * r + s..j * r + s + R].copy_from_slice(&acc);
        j += 1;
    }
}
