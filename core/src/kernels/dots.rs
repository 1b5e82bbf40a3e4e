//! Dot-ordered products: every entry of `out` is a dot product of two columns, summed from
//! zero in index order ([`add_tr_mul`], [`tr_mul_rows`]).
//!
//! For short columns (`M ≤ 16`, embedding sizes) eight columns of one factor are copied once
//! into a `k`-major stack tile, so eight dot products advance together in the lanes of a
//! vector; for long columns eight independent dot products run side by side to hide the add
//! latency. Neither reorders a sum.

use super::dot;
use crate::Real;
use crate::dims::Mat;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

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
        // Eight dot products at a time (columns `i … i+7` of `a` against a column of `b`),
        // with the eight columns of `a` copied once into a `k`-major tile so the eight sums
        // advance together in SIMD lanes, for four columns of `b` at once (four independent
        // chains of adds). Each sum still starts from zero, adds its terms in index order and
        // is then added to `out`: identical bits to `*o += dot(a_i, b_j)`.
        let mut i0 = 0;
        for ab in a.chunks_exact(8 * m) {
            let mut tile = [[T::zero(); 8]; TR_TILE];
            for (l, col) in ab.chunks_exact(m).enumerate() {
                for (row, &v) in tile.iter_mut().zip(col) {
                    row[l] = v;
                }
            }
            let tile = &tile[..m];
            let mut o4 = o.chunks_exact_mut(4 * r);
            let mut b4 = b.chunks_exact(4 * m);
            for (ob, bb) in (&mut o4).zip(&mut b4) {
                let mut s = [[T::zero(); 8]; 4];
                for (k, row) in tile.iter().enumerate() {
                    for (c, sc) in s.iter_mut().enumerate() {
                        let bk = bb[c * m + k];
                        for l in 0..8 {
                            sc[l] += row[l] * bk;
                        }
                    }
                }
                for (c, sc) in s.iter().enumerate() {
                    for (x, &sl) in ob[c * r + i0..c * r + i0 + 8].iter_mut().zip(sc) {
                        *x += sl;
                    }
                }
            }
            for (oc, bc) in o4.into_remainder().chunks_exact_mut(r).zip(b4.remainder().chunks_exact(m)) {
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
    // Long columns: eight columns of `a` against four columns of `b`, 32 independent dot
    // products at a time, hide the add latency and read each `a[k, i]` once per four sums.
    let mut i0 = 0;
    for ab in a.chunks_exact(8 * m) {
        let cols: [&[T]; 8] = core::array::from_fn(|l| &ab[l * m..(l + 1) * m]);
        let mut o4 = o.chunks_exact_mut(4 * r);
        let mut b4 = b.chunks_exact(4 * m);
        for (ob, bb) in (&mut o4).zip(&mut b4) {
            let bcols: [&[T]; 4] = core::array::from_fn(|c| &bb[c * m..(c + 1) * m]);
            let mut s = [[T::zero(); 8]; 4];
            for k in 0..m {
                let ak: [T; 8] = core::array::from_fn(|l| cols[l][k]);
                for (sc, bc) in s.iter_mut().zip(&bcols) {
                    let bk = bc[k];
                    for l in 0..8 {
                        sc[l] += ak[l] * bk;
                    }
                }
            }
            for (c, sc) in s.iter().enumerate() {
                for (x, &sl) in ob[c * r + i0..c * r + i0 + 8].iter_mut().zip(sc) {
                    *x += sl;
                }
            }
        }
        for (oc, bc) in o4.into_remainder().chunks_exact_mut(r).zip(b4.remainder().chunks_exact(m)) {
            let mut s = [T::zero(); 8];
            for (k, &bk) in bc.iter().enumerate() {
                for l in 0..8 {
                    s[l] += cols[l][k] * bk;
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
            let tile = &tile[..m];
            // One column `i` of `y`: the rows of this tile that `rows(i)` asks for.
            let one = |oc: &mut [T], yc: &[T], i: usize| {
                let want = rows(i);
                let (lo, hi) = (want.start.max(j0), want.end.min(j0 + w));
                if lo >= hi {
                    return;
                }
                let mut s = [T::zero(); 8];
                for (row, &yk) in tile.iter().zip(yc) {
                    for l in 0..8 {
                        s[l] += row[l] * yk;
                    }
                }
                if hi - lo == 8 {
                    // A whole tile: a fixed-size store, not a call to `memcpy`.
                    oc[lo..lo + 8].copy_from_slice(&s);
                } else {
                    for (o, &v) in oc[lo..hi].iter_mut().zip(&s[lo - j0..hi - j0]) {
                        *o = v;
                    }
                }
            };
            // Four columns of `y` at once (four independent chains of adds, as in
            // `add_tr_mul`) where all four want the whole tile; the same sums.
            let rest = 4 * ((o.len() / r).min(y.len() / m) / 4);
            let mut o4 = o.chunks_exact_mut(4 * r);
            let mut y4 = y.chunks_exact(4 * m);
            for (g, (ob, yb)) in (&mut o4).zip(&mut y4).enumerate() {
                let i = 4 * g;
                let whole = |i: usize| {
                    let want = rows(i);
                    w == 8 && want.start <= j0 && want.end >= j0 + 8
                };
                if (i..i + 4).all(whole) {
                    let mut s = [[T::zero(); 8]; 4];
                    for (k, row) in tile.iter().enumerate() {
                        for (c, sc) in s.iter_mut().enumerate() {
                            let yk = yb[c * m + k];
                            for l in 0..8 {
                                sc[l] += row[l] * yk;
                            }
                        }
                    }
                    for (c, sc) in s.iter().enumerate() {
                        ob[c * r + j0..c * r + j0 + 8].copy_from_slice(sc);
                    }
                } else {
                    for (c, (oc, yc)) in ob.chunks_exact_mut(r).zip(yb.chunks_exact(m)).enumerate() {
                        one(oc, yc, i + c);
                    }
                }
            }
            let tail = o4.into_remainder().chunks_exact_mut(r).zip(y4.remainder().chunks_exact(m));
            for (c, (oc, yc)) in tail.enumerate() {
                one(oc, yc, rest + c);
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
