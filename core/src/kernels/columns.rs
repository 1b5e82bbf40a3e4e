//! Axpy-ordered products: `out[:, j] += Σ_k coef(k, j) · a[:, k]`, every entry adding its
//! terms in order `k = 0, 1, …` onto its old value ([`add_mul`], [`add_mul_tr`], [`add_mul_sym`]).
//!
//! The coefficients of four output columns are first copied, [`KC`] values of `k` at a time,
//! into a `k`-major stack panel, so the inner loop reads them in order without index
//! arithmetic, bounds checks or branches (each product's own layout, strided or triangular, is
//! handled once, in that copy). The rows of `out` are cut into strips of 16, 8, 4, 2 and 1
//! rows; for each strip the four output columns (`4 × strip` scalars) stay in local arrays,
//! which the compiler keeps in vector registers, for the panel's run of `k`. The lanes of a
//! vector hold independent entries and `k` only ever increases, so no sum is reordered: the
//! bits are those of the plain loop `for k { for j { out[:, j] += coef(k, j) · a[:, k] } }`.
//! Outputs with fewer than [`PANEL_ROWS`] rows skip the panel and read the coefficients in
//! place, in the same order.

use crate::Real;
use crate::dims::Mat;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// Values of `k` per coefficient panel: 64 on 64-bit hosts (`64 × 4` scalars, 1 KiB of stack
/// in f32), 4 on 32-bit targets (the microcontrollers and wasm), whose training step has a
/// stack budget (768 B on the Cortex-M0, `examples/cortex-m/README.md`). The length only decides
/// how often the output strip is stored and reloaded, never the order of a sum, so every target
/// computes the same bits (`kernels::tests::columns_keep_the_order_across_panels`).
#[cfg(target_pointer_width = "64")]
const KC: usize = 64;
#[cfg(not(target_pointer_width = "64"))]
const KC: usize = 4;
const _: () = assert!(KC > 0);

/// Rows of `out` from which the products copy their coefficients into a panel. Shorter
/// columns (the ring's `K = 2`) use each coefficient on too few rows to pay for the copy
/// (the ring's InfoNCE gradient took 14.5 µs through the panel, 9.9 µs without) and read them
/// in place ([`direct`]); the same sums either way.
const PANEL_ROWS: usize = 8;

/// `out += a · b` with `a: R × M`, `b: M × C`, `out: R × C`.
///
/// Column `j` of `out` accumulates `b[m, j] · a[:, m]` for `m = 0, 1, …` in order.
pub fn add_mul<T: Real, R: Dim, M: Dim, C: Dim>(out: &mut Mat<T, R, C>, a: &Mat<T, R, M>, b: &Mat<T, M, C>)
where
    DefaultAllocator: Allocator<R, C> + Allocator<R, M> + Allocator<M, C>,
{
    mul_panel(out, a, b, &mut [[T::zero(); 4]; KC]);
}

/// [`add_mul`] with the coefficient panel given (its length is the panel length).
#[inline(always)]
pub(super) fn mul_panel<T: Real, R: Dim, M: Dim, C: Dim>(
    out: &mut Mat<T, R, C>,
    a: &Mat<T, R, M>,
    b: &Mat<T, M, C>,
    panel: &mut [[T; 4]],
) where
    DefaultAllocator: Allocator<R, C> + Allocator<R, M> + Allocator<M, C>,
{
    let (r, m) = a.shape();
    debug_assert_eq!(b.nrows(), m);
    debug_assert_eq!(out.shape(), (r, b.ncols()));
    let b = b.as_slice();
    let coef = |k, j| b[j * m + k];
    add_columns(out.as_mut_slice(), a.as_slice(), r, m, panel, coef, |j, w, k0, p| {
        from_columns(p, b, m, k0, j, w)
    });
}

/// `out += a · bᵀ` with `a: R × N`, `b: C × N`, `out: R × C`.
///
/// Each entry sums over `n = 0, 1, …` in order onto its old value.
pub fn add_mul_tr<T: Real, R: Dim, N: Dim, C: Dim>(out: &mut Mat<T, R, C>, a: &Mat<T, R, N>, b: &Mat<T, C, N>)
where
    DefaultAllocator: Allocator<R, C> + Allocator<R, N> + Allocator<C, N>,
{
    mul_tr_panel(out, a, b, &mut [[T::zero(); 4]; KC]);
}

/// [`add_mul_tr`] with the coefficient panel given.
#[inline(always)]
pub(super) fn mul_tr_panel<T: Real, R: Dim, N: Dim, C: Dim>(
    out: &mut Mat<T, R, C>,
    a: &Mat<T, R, N>,
    b: &Mat<T, C, N>,
    panel: &mut [[T; 4]],
) where
    DefaultAllocator: Allocator<R, C> + Allocator<R, N> + Allocator<C, N>,
{
    let (r, n) = a.shape();
    let c = b.nrows();
    debug_assert_eq!(b.ncols(), n);
    debug_assert_eq!(out.shape(), (r, c));
    let b = b.as_slice();
    let coef = |t, j| b[t * c + j];
    add_columns(out.as_mut_slice(), a.as_slice(), r, n, panel, coef, |j, w, k0, p| {
        from_rows(p, b, c, k0, j, w)
    });
}

/// `out += a · V` with `a: R × N` and `V` the symmetric `N × N` matrix whose off-diagonal
/// entries come from one triangle of the column-major `N × N` slice `tri` (its strict upper
/// triangle, entries `(k, j)` with `k < j`, when `upper`, else its strict lower one) and whose
/// diagonal is zero; `tri`'s other triangle and diagonal are not read.
///
/// The same sums, term for term, as [`add_mul`] with `V` written out (column `j` of `out`
/// accumulates `V[k, j] · a[:, k]` for `k = 0, 1, …`, the diagonal's zero term included), without
/// the copy: the panel copy reads column `j` of `V` in three runs (`k < j`, the diagonal,
/// `k > j`), one from a column of `tri` and one from a row.
pub fn add_mul_sym<T: Real, R: Dim, N: Dim>(out: &mut Mat<T, R, N>, a: &Mat<T, R, N>, tri: &[T], upper: bool)
where
    DefaultAllocator: Allocator<R, N>,
{
    mul_sym_panel(out, a, tri, upper, &mut [[T::zero(); 4]; KC]);
}

/// [`add_mul_sym`] with the coefficient panel given.
#[inline(always)]
pub(super) fn mul_sym_panel<T: Real, R: Dim, N: Dim>(
    out: &mut Mat<T, R, N>,
    a: &Mat<T, R, N>,
    tri: &[T],
    upper: bool,
    panel: &mut [[T; 4]],
) where
    DefaultAllocator: Allocator<R, N>,
{
    let (r, n) = a.shape();
    debug_assert_eq!(out.shape(), (r, n));
    debug_assert_eq!(tri.len(), n * n);
    // `V[k, jj]` for `k` on the stored side of the diagonal (`k < jj` when `upper`) is
    // `tri[jj n + k]` (column `jj` of `tri`), on the other side `tri[k n + jj]` (row `jj`).
    let v = |k: usize, jj: usize| {
        if k == jj {
            T::zero()
        } else if (k < jj) == upper {
            tri[jj * n + k]
        } else {
            tri[k * n + jj]
        }
    };
    add_columns(out.as_mut_slice(), a.as_slice(), r, n, panel, v, |j, w, k0, p| {
        let kc = p.len();
        // Panel rows `i < lo` have `k < j` (before every column's diagonal), rows `i ≥ hi`
        // have `k ≥ j + w` (after it); the rows between meet the diagonal.
        let lo = j.clamp(k0, k0 + kc) - k0;
        let hi = (j + w).clamp(k0, k0 + kc) - k0;
        let (before, rest) = p.split_at_mut(lo);
        let (mid, after) = rest.split_at_mut(hi - lo);
        if upper {
            from_columns(before, tri, n, k0, j, w);
            from_rows(after, tri, n, k0 + hi, j, w);
        } else {
            from_rows(before, tri, n, k0, j, w);
            from_columns(after, tri, n, k0 + hi, j, w);
        }
        for (i, pk) in mid.iter_mut().enumerate() {
            let k = k0 + lo + i;
            for (l, x) in pk[..w].iter_mut().enumerate() {
                *x = v(k, j + l);
            }
        }
    });
}

/// Panel fill from columns: `p[i][l] = b[(j + l) · stride + k0 + i]` for `l < w`.
#[inline(always)]
fn from_columns<T: Real>(p: &mut [[T; 4]], b: &[T], stride: usize, k0: usize, j: usize, w: usize) {
    for l in 0..w {
        let col = &b[(j + l) * stride + k0..][..p.len()];
        for (pk, &v) in p.iter_mut().zip(col) {
            pk[l] = v;
        }
    }
}

/// Panel fill from rows: `p[i][l] = b[(k0 + i) · stride + j + l]` for `l < w`.
#[inline(always)]
fn from_rows<T: Real>(p: &mut [[T; 4]], b: &[T], stride: usize, k0: usize, j: usize, w: usize) {
    if p.is_empty() {
        return;
    }
    let rows = p.iter_mut().zip(b[k0 * stride..].chunks_exact(stride));
    if w == 4 {
        // A fixed-size copy (four scalars), not a call to `memcpy` per value of `k`.
        for (pk, row) in rows {
            pk.copy_from_slice(&row[j..j + 4]);
        }
    } else {
        for (pk, row) in rows {
            for (x, &v) in pk.iter_mut().zip(&row[j..j + w]) {
                *x = v;
            }
        }
    }
}

/// `o[:, j] += Σ_k coef(k, j) · a[:, k]` (`k = 0, 1, …, m − 1` in order) for column-major
/// `o: r × C` and `a: r × m`, `panel.len()` values of `k` at a time (at least one).
/// `fill(j, w, k0, p)` writes `coef(k0 + i, j + l)` into `p[i][l]` for every `i < p.len()` and
/// `l < w` (`w ≤ 4` columns). Below [`PANEL_ROWS`] rows the coefficients are read in place by
/// [`direct`] instead.
#[inline(always)]
fn add_columns<T: Real>(
    o: &mut [T],
    a: &[T],
    r: usize,
    m: usize,
    panel: &mut [[T; 4]],
    coef: impl Fn(usize, usize) -> T,
    fill: impl Fn(usize, usize, usize, &mut [[T; 4]]),
) {
    if r == 0 || m == 0 {
        return;
    }
    if r < PANEL_ROWS {
        let mut s = 0;
        if r - s >= 4 {
            direct::<T, 4>(o, a, r, s, m, &coef);
            s += 4;
        }
        if r - s >= 2 {
            direct::<T, 2>(o, a, r, s, m, &coef);
            s += 2;
        }
        if r - s == 1 {
            direct::<T, 1>(o, a, r, s, m, &coef);
        }
        return;
    }
    debug_assert!(!panel.is_empty(), "a coefficient panel holds at least one value of k");
    let cols = o.len() / r;
    let mut j = 0;
    while j < cols {
        let w = (cols - j).min(4);
        let o = &mut o[j * r..(j + w) * r];
        let mut k0 = 0;
        while k0 < m {
            let kc = panel.len().min(m - k0);
            let p = &mut panel[..kc];
            fill(j, w, k0, p);
            let a = &a[k0 * r..(k0 + kc) * r];
            if w == 4 {
                strips::<T, 4>(o, a, r, p, 0);
            } else {
                for (l, oc) in o.chunks_exact_mut(r).enumerate() {
                    strips::<T, 1>(oc, a, r, p, l);
                }
            }
            k0 += kc;
        }
        j += w;
    }
}

/// [`strip`] over all rows: strips of 16, 8, 4, 2 and 1 rows.
#[inline(always)]
fn strips<T: Real, const W: usize>(o: &mut [T], a: &[T], r: usize, p: &[[T; 4]], l0: usize) {
    let mut s = 0;
    while r - s >= 16 {
        strip::<T, 16, W>(o, a, r, s, p, l0);
        s += 16;
    }
    if r - s >= 8 {
        strip::<T, 8, W>(o, a, r, s, p, l0);
        s += 8;
    }
    if r - s >= 4 {
        strip::<T, 4, W>(o, a, r, s, p, l0);
        s += 4;
    }
    if r - s >= 2 {
        strip::<T, 2, W>(o, a, r, s, p, l0);
        s += 2;
    }
    if r - s == 1 {
        strip::<T, 1, W>(o, a, r, s, p, l0);
    }
}

/// Rows `s .. s + R` of the `W` output columns `o` (`W × r` scalars): the `W × R` entries stay
/// in registers while column `i` of `a` (`p.len()` columns of `r` rows) is added with the
/// coefficients `p[i][l0 + l]`, `i = 0, 1, …` in order, onto their old values.
#[inline(always)]
fn strip<T: Real, const R: usize, const W: usize>(
    o: &mut [T],
    a: &[T],
    r: usize,
    s: usize,
    p: &[[T; 4]],
    l0: usize,
) {
    let mut acc = [[T::zero(); R]; W];
    for (l, col) in acc.iter_mut().enumerate() {
        col.copy_from_slice(&o[l * r + s..l * r + s + R]);
    }
    for (ak, pk) in a.chunks_exact(r).zip(p) {
        let ak: &[T; R] = ak[s..s + R].try_into().expect("s + R <= r");
        let c: [T; W] = core::array::from_fn(|l| pk[l0 + l]);
        for l in 0..W {
            for q in 0..R {
                acc[l][q] += c[l] * ak[q];
            }
        }
    }
    for (l, col) in acc.iter().enumerate() {
        o[l * r + s..l * r + s + R].copy_from_slice(col);
    }
}

/// Rows `s .. s + R` of [`add_columns`] for short columns (`r <` [`PANEL_ROWS`]), the
/// coefficients read in place: four output columns at a time in registers, then the remaining
/// columns one at a time. Each entry starts from its old value and adds its terms in order
/// `k = 0, 1, …`.
#[inline(always)]
fn direct<T: Real, const R: usize>(
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
