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
    let b = b.as_slice();
    let m1 = m.max(1);
    let coef = |k: usize, j: usize| b[j * m1 + k];
    if register_blocked(out.as_mut_slice(), a, r, m, coef) {
        return;
    }
    // Four output columns at a time: each column still accumulates its terms in order
    // `k = 0, 1, …` (identical bits), but the four independent chains keep the pipeline busy
    // when a column is short (a few embedding dimensions).
    let mut out4 = out.as_mut_slice().chunks_exact_mut(4 * r);
    let mut b4 = b.chunks_exact(4 * m1);
    for (ob, bb) in (&mut out4).zip(&mut b4) {
        let (o0, rest) = ob.split_at_mut(r);
        let (o1, rest) = rest.split_at_mut(r);
        let (o2, o3) = rest.split_at_mut(r);
        let (b0, rest) = bb.split_at(m1);
        let (b1, rest) = rest.split_at(m1);
        let (b2, b3) = rest.split_at(m1);
        for (k, ak) in a.chunks_exact(r).enumerate().take(m) {
            axpy(o0, b0[k], ak);
            axpy(o1, b1[k], ak);
            axpy(o2, b2[k], ak);
            axpy(o3, b3[k], ak);
        }
    }
    for (oc, bc) in out4.into_remainder().chunks_exact_mut(r).zip(b4.remainder().chunks_exact(m1)) {
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
    if register_blocked(o, a, r, n, |t: usize, j: usize| b[t * c + j]) {
        return;
    }
    if r <= 4 {
        // Short columns (a few embedding dimensions): four output columns at a time, each
        // running through all `t` while it stays in registers. Every entry still adds its terms
        // in order `t = 0, 1, …` onto its old value: identical bits to the loop below.
        let mut o4 = o.chunks_exact_mut(4 * r);
        let mut j0 = 0;
        for ob in &mut o4 {
            let (o0, rest) = ob.split_at_mut(r);
            let (o1, rest) = rest.split_at_mut(r);
            let (o2, o3) = rest.split_at_mut(r);
            for (acol, bcol) in a.chunks_exact(r).zip(b.chunks_exact(c)).take(n) {
                let bj = &bcol[j0..j0 + 4];
                axpy(o0, bj[0], acol);
                axpy(o1, bj[1], acol);
                axpy(o2, bj[2], acol);
                axpy(o3, bj[3], acol);
            }
            j0 += 4;
        }
        for (jj, oc) in o4.into_remainder().chunks_exact_mut(r).enumerate() {
            for (acol, bcol) in a.chunks_exact(r).zip(b.chunks_exact(c)).take(n) {
                axpy(oc, bcol[j0 + jj], acol);
            }
        }
        return;
    }
    for t in 0..n {
        let acol = &a[t * r..(t + 1) * r];
        let bcol = &b[t * c..(t + 1) * c];
        for (oc, &bj) in o.chunks_exact_mut(r).zip(bcol) {
            axpy(oc, bj, acol);
        }
    }
}

/// `o[:, j] += Σ_k coef(k, j) · a[:, k]` (`k = 0, 1, …, m − 1` in order) for column-major
/// `o: R × C` and `a: R × m`, when `r` is one of the column heights with a register-blocked
/// kernel (2, 4, 8, 16: embedding sizes); returns `false` (and does nothing) otherwise.
#[inline(always)]
fn register_blocked<T: Real>(
    o: &mut [T],
    a: &[T],
    r: usize,
    m: usize,
    coef: impl Fn(usize, usize) -> T,
) -> bool {
    match r {
        2 => columns_in_registers::<T, 2>(o, a, m, coef),
        4 => columns_in_registers::<T, 4>(o, a, m, coef),
        8 => columns_in_registers::<T, 8>(o, a, m, coef),
        16 => columns_in_registers::<T, 16>(o, a, m, coef),
        _ => return false,
    }
    true
}

/// [`register_blocked`] for a fixed column height `R`: four output columns (`4R` scalars) stay
/// in local arrays, which the compiler keeps in vector registers, for the whole sum over `k`.
/// Each entry starts from its old value and adds its terms in order `k = 0, 1, …`: the bits of
/// the plain axpy loop.
#[inline(always)]
fn columns_in_registers<T: Real, const R: usize>(
    o: &mut [T],
    a: &[T],
    m: usize,
    coef: impl Fn(usize, usize) -> T,
) {
    let mut o4 = o.chunks_exact_mut(4 * R);
    let mut j = 0;
    for ob in &mut o4 {
        let mut acc = [[T::zero(); R]; 4];
        for (l, col) in acc.iter_mut().enumerate() {
            col.copy_from_slice(&ob[l * R..(l + 1) * R]);
        }
        for (k, ak) in a.chunks_exact(R).enumerate().take(m) {
            let s = [coef(k, j), coef(k, j + 1), coef(k, j + 2), coef(k, j + 3)];
            for l in 0..4 {
                for q in 0..R {
                    acc[l][q] += s[l] * ak[q];
                }
            }
        }
        for (l, col) in acc.iter().enumerate() {
            ob[l * R..(l + 1) * R].copy_from_slice(col);
        }
        j += 4;
    }
    for oc in o4.into_remainder().chunks_exact_mut(R) {
        let mut acc = [T::zero(); R];
        acc.copy_from_slice(oc);
        for (k, ak) in a.chunks_exact(R).enumerate().take(m) {
            let s = coef(k, j);
            for q in 0..R {
                acc[q] += s * ak[q];
            }
        }
        oc.copy_from_slice(&acc);
        j += 1;
    }
}

/// Inner dimension up to which [`add_tr_mul`] works from a transposed stack tile
/// (`8 × 16` scalars: 512 bytes in f32).
const TR_TILE: usize = 16;

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
    let b = b.as_slice();
    let o = out.as_mut_slice();
    if m <= TR_TILE {
        // Eight dot products at a time (columns `i … i+7` of `a` against each column of `b`),
        // with the eight columns of `a` copied once into a `k`-major tile so the eight sums
        // advance together in SIMD lanes. Each sum still starts from zero, adds its terms in
        // index order and is then added to `out`: identical bits to `*o += dot(a_i, b_j)`.
        let mut i0 = 0;
        for ab in a.chunks_exact(8 * m) {
            let mut tile = [[T::zero(); 8]; TR_TILE];
            for (l, col) in ab.chunks_exact(m).enumerate() {
                for (row, &v) in tile.iter_mut().zip(col) {
                    row[l] = v;
                }
            }
            for (oc, bc) in o.chunks_exact_mut(r).zip(b.chunks_exact(m)) {
                let mut s = [T::zero(); 8];
                for (row, &bk) in tile.iter().zip(bc) {
                    for l in 0..8 {
                        s[l] += row[l] * bk;
                    }
                }
                for (x, sl) in oc[i0..i0 + 8].iter_mut().zip(s) {
                    *x += sl;
                }
            }
            i0 += 8;
        }
        for (i, ac) in a.chunks_exact(m).enumerate().skip(i0) {
            for (oc, bc) in o.chunks_exact_mut(r).zip(b.chunks_exact(m)) {
                oc[i] += dot(ac, bc);
            }
        }
        return;
    }
    // Long columns: eight independent dot products at a time hide the add latency.
    for (oc, bc) in o.chunks_exact_mut(r).zip(b.chunks_exact(m)) {
        let mut o8 = oc.chunks_exact_mut(8);
        let mut a8 = a.chunks_exact(8 * m);
        for (ob, ab) in (&mut o8).zip(&mut a8) {
            let cols: [&[T]; 8] = core::array::from_fn(|l| &ab[l * m..(l + 1) * m]);
            let mut s = [T::zero(); 8];
            for (k, &bk) in bc.iter().enumerate() {
                for l in 0..8 {
                    s[l] += cols[l][k] * bk;
                }
            }
            for (o, sl) in ob.iter_mut().zip(s) {
                *o += sl;
            }
        }
        for (o, ac) in o8.into_remainder().iter_mut().zip(a8.remainder().chunks_exact(m)) {
            *o += dot(ac, bc);
        }
    }
}

/// `out[j, i] = x_j · y_i` (each dot product summed from zero in index order) for the rows `j`
/// in `rows(i)` of every column `i`; the other entries of `out` are left alone. `x: M × R`,
/// `y: M × C` and `out: R × C` are column-major slices with `m = M` rows. For `M ≤ 16` the dot
/// products run eight at a time from a `k`-major stack tile (eight SIMD lanes, the same sums),
/// as in [`add_tr_mul`]; only the tiles that meet `rows(i)` are computed, so a triangle costs
/// half a square.
pub fn tr_mul_rows<T: Real>(
    out: &mut [T],
    x: &[T],
    y: &[T],
    m: usize,
    rows: impl Fn(usize) -> core::ops::Range<usize>,
) {
    if m == 0 {
        return;
    }
    let r = x.len() / m;
    if r == 0 {
        return;
    }
    let o = out;
    if m <= TR_TILE {
        let mut j0 = 0;
        for xb in x.chunks(8 * m) {
            let w = xb.len() / m;
            let mut tile = [[T::zero(); 8]; TR_TILE];
            for (l, c) in xb.chunks_exact(m).enumerate() {
                for (row, &v) in tile.iter_mut().zip(c) {
                    row[l] = v;
                }
            }
            for (i, (oc, yc)) in o.chunks_exact_mut(r).zip(y.chunks_exact(m)).enumerate() {
                let want = rows(i);
                let (lo, hi) = (want.start.max(j0), want.end.min(j0 + w));
                if lo >= hi {
                    continue;
                }
                let mut s = [T::zero(); 8];
                for (row, &yk) in tile.iter().zip(yc) {
                    for l in 0..8 {
                        s[l] += row[l] * yk;
                    }
                }
                oc[lo..hi].copy_from_slice(&s[lo - j0..hi - j0]);
            }
            j0 += w;
        }
        return;
    }
    for (i, (oc, yc)) in o.chunks_exact_mut(r).zip(y.chunks_exact(m)).enumerate() {
        for j in rows(i) {
            oc[j] = dot(&x[j * m..(j + 1) * m], yc);
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

    /// The blocked loops (4 columns in `add_mul`, 8 dots in `add_tr_mul`) must give the bits of
    /// the plain index-ordered sums, remainders included.
    #[test]
    fn blocked_kernels_keep_the_summation_order() {
        tr_mul_order::<5>();
        tr_mul_order::<16>();
        tr_mul_order::<21>();
        mul_order::<5>();
        mul_order::<2>();
        mul_order::<8>();
        mul_order::<16>();
    }

    /// `out += a c` adds each entry's terms in order `k = 0, 1, …` onto its old value (the
    /// register-blocked heights 2, 4, 8, 16 and the general path, remainders included).
    fn mul_order<const R: usize>() {
        let a = SMatrix::<f32, R, 19>::from_fn(|i, j| ((i * 7 + j * 3) % 11) as f32 * 0.37 - 1.3);
        let c = SMatrix::<f32, 19, 11>::from_fn(|i, j| ((i + 3 * j) % 7) as f32 * 0.41 - 1.1);
        let mut o = SMatrix::<f32, R, 11>::from_fn(|i, j| (i + j) as f32 * 0.01);
        let start = o;
        add_mul(&mut o, &a, &c);
        for i in 0..R {
            for j in 0..11 {
                let mut s = start[(i, j)];
                for k in 0..19 {
                    s += c[(k, j)] * a[(i, k)];
                }
                assert_eq!(o[(i, j)].to_bits(), s.to_bits(), "R={R} ({i}, {j})");
            }
        }
    }

    /// `out = init + aᵀ b` with `out_ij = init_ij + (Σ_m a_mi b_mj summed from zero in order)`.
    fn tr_mul_order<const M: usize>() {
        let a = SMatrix::<f32, M, 19>::from_fn(|i, j| ((i * 7 + j * 3) % 11) as f32 * 0.37 - 1.3);
        let b = SMatrix::<f32, M, 11>::from_fn(|i, j| ((i * 5 + j * 2) % 13) as f32 * 0.29 - 1.7);
        let init = SMatrix::<f32, 19, 11>::from_fn(|i, j| (i as f32 - j as f32) * 0.013);
        let mut o = init;
        add_tr_mul(&mut o, &a, &b);
        for i in 0..19 {
            for j in 0..11 {
                let mut s = 0.0f32;
                for m in 0..M {
                    s += a[(m, i)] * b[(m, j)];
                }
                assert_eq!(o[(i, j)].to_bits(), (init[(i, j)] + s).to_bits(), "M={M} ({i}, {j})");
            }
        }
    }

    /// `tr_mul_rows` writes exactly the requested rows, with the bits of a plain dot product.
    #[test]
    fn tr_mul_rows_writes_the_requested_dots() {
        for m in [3usize, 16, 21] {
            let x: [f32; 21 * 19] = core::array::from_fn(|i| ((i * 7) % 11) as f32 * 0.37 - 1.3);
            let y: [f32; 21 * 19] = core::array::from_fn(|i| ((i * 5) % 13) as f32 * 0.29 - 1.7);
            let (x, y) = (&x[..m * 19], &y[..m * 19]);
            let mut o = [-7.0f32; 19 * 19];
            tr_mul_rows(&mut o, x, y, m, |i| 0..i);
            for i in 0..19 {
                for j in 0..19 {
                    let want: f32 =
                        if j < i { dot(&x[j * m..(j + 1) * m], &y[i * m..(i + 1) * m]) } else { -7.0 };
                    assert_eq!(o[i * 19 + j].to_bits(), want.to_bits(), "m={m} ({j}, {i})");
                }
            }
        }
    }

    /// `out += a bᵀ` adds each entry's terms in order `t = 0, 1, …` onto its old value, for
    /// short (≤ 4) and long columns, remainders included.
    #[test]
    fn mul_tr_keeps_the_summation_order() {
        mul_tr_order::<2>();
        mul_tr_order::<4>();
        mul_tr_order::<7>();
        mul_tr_order::<8>();
        mul_tr_order::<16>();
    }

    fn mul_tr_order<const R: usize>() {
        let a = SMatrix::<f32, R, 13>::from_fn(|i, j| ((i * 7 + j * 3) % 11) as f32 * 0.37 - 1.3);
        let b = SMatrix::<f32, 10, 13>::from_fn(|i, j| ((i * 5 + j * 2) % 13) as f32 * 0.29 - 1.7);
        let init = SMatrix::<f32, R, 10>::from_fn(|i, j| (i as f32 - j as f32) * 0.013);
        let mut o = init;
        add_mul_tr(&mut o, &a, &b);
        for i in 0..R {
            for j in 0..10 {
                let mut s = init[(i, j)];
                for t in 0..13 {
                    s += b[(j, t)] * a[(i, t)];
                }
                assert_eq!(o[(i, j)].to_bits(), s.to_bits(), "R={R} ({i}, {j})");
            }
        }
    }
}
