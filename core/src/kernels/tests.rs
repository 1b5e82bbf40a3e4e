//! The kernels against nalgebra and against the plain index-ordered loops, bit for bit.

use super::*;
use crate::dims::Mat;
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

/// The blocked loops (row strips × 4 columns in `add_mul`, 8 dots in `add_tr_mul`) must give
/// the bits of the plain index-ordered sums, remainders included.
#[test]
fn blocked_kernels_keep_the_summation_order() {
    tr_mul_order::<5>();
    tr_mul_order::<16>();
    tr_mul_order::<21>();
    tr_mul_order::<64>();
    mul_order::<5>();
    mul_order::<2>();
    mul_order::<8>();
    mul_order::<16>();
    mul_order::<1>();
    mul_order::<3>();
    mul_order::<37>();
    mul_order::<64>();
}

/// `out += a c` adds each entry's terms in order `k = 0, 1, …` onto its old value (strips of
/// 16, 8, 4, 2 and 1 rows, and the column remainder).
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
/// every strip height and remainder.
#[test]
fn mul_tr_keeps_the_summation_order() {
    mul_tr_order::<2>();
    mul_tr_order::<4>();
    mul_tr_order::<7>();
    mul_tr_order::<8>();
    mul_tr_order::<16>();
    mul_tr_order::<29>();
    mul_tr_order::<128>();
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

/// `add_mul_sym` gives the bits of `add_mul` with the symmetric matrix written out, for either
/// triangle (the other triangle and the diagonal hold values that must not be read).
#[test]
fn sym_product_matches_the_written_out_matrix() {
    sym_order::<16, 13>();
    sym_order::<5, 9>();
    sym_order::<37, 4>();
}

fn sym_order<const R: usize, const N: usize>() {
    let a = SMatrix::<f32, R, N>::from_fn(|i, j| ((i * 7 + j * 3) % 11) as f32 * 0.37 - 1.3);
    let tri = SMatrix::<f32, N, N>::from_fn(|i, j| ((i * 5 + 3 * j) % 13) as f32 * 0.29 - 1.7);
    for upper in [true, false] {
        let v = SMatrix::<f32, N, N>::from_fn(|k, j| {
            if k == j {
                0.0
            } else if (k < j) == upper {
                tri[(k, j)]
            } else {
                tri[(j, k)]
            }
        });
        let mut want = SMatrix::<f32, R, N>::from_fn(|i, j| (i + j) as f32 * 0.01);
        let mut got = want;
        add_mul(&mut want, &a, &v);
        add_mul_sym(&mut got, &a, tri.as_slice(), upper);
        for (g, w) in got.iter().zip(want.iter()) {
            assert_eq!(g.to_bits(), w.to_bits(), "R={R} N={N} upper={upper}");
        }
    }
}

/// Inner dimensions longer than one coefficient panel and not a multiple of it, with a column
/// remainder, for every panel length a target may use (64 on 64-bit hosts, a few values of `k`
/// on 32-bit devices) and the lengths around them: every kernel of `columns` still adds in order
/// `k = 0, 1, …`, so the bits do not depend on the panel length.
#[test]
fn columns_keep_the_order_across_panels() {
    for kc in [1usize, 2, 3, 4, 5, 8, 63, 64, 65, 150, 200] {
        let mut panel = [[0.0f32; 4]; 200];
        let panel = &mut panel[..kc];
        panels_order::<21, 7>(panel);
        panels_order::<16, 4>(panel);
        panels_order::<8, 9>(panel);
        panels_order::<7, 5>(panel);
        panels_order::<2, 2>(panel);
        panels_order::<1, 5>(panel);
        sym_panels::<16, 150>(panel);
        sym_panels::<3, 131>(panel);
        sym_panels::<9, 70>(panel);
        sym_panels::<2, 9>(panel);
    }
    sym_order::<16, 150>();
    sym_order::<3, 131>();
}

/// `mul_panel` and `mul_tr_panel` against the plain loop, `M = 150`.
fn panels_order<const R: usize, const C: usize>(panel: &mut [[f32; 4]]) {
    const M: usize = 150;
    let a = SMatrix::<f32, R, M>::from_fn(|i, j| ((i * 7 + j * 3) % 11) as f32 * 0.37 - 1.3);
    let b = SMatrix::<f32, M, C>::from_fn(|i, j| ((i + 3 * j) % 7) as f32 * 0.41 - 1.1);
    let init = SMatrix::<f32, R, C>::from_fn(|i, j| (i + j) as f32 * 0.01);
    let kc = panel.len();
    let mut o = init;
    columns::mul_panel(&mut o, &a, &b, panel);
    let mut o_tr = init;
    columns::mul_tr_panel(&mut o_tr, &a, &b.transpose(), panel);
    for i in 0..R {
        for j in 0..C {
            let mut s = init[(i, j)];
            for k in 0..M {
                s += b[(k, j)] * a[(i, k)];
            }
            assert_eq!(o[(i, j)].to_bits(), s.to_bits(), "add_mul kc={kc} R={R} ({i}, {j})");
            assert_eq!(o_tr[(i, j)].to_bits(), s.to_bits(), "add_mul_tr kc={kc} R={R} ({i}, {j})");
        }
    }
}

/// `mul_sym_panel` against the plain loop over the written-out symmetric matrix.
fn sym_panels<const R: usize, const N: usize>(panel: &mut [[f32; 4]]) {
    let a = SMatrix::<f32, R, N>::from_fn(|i, j| ((i * 7 + j * 3) % 11) as f32 * 0.37 - 1.3);
    let tri = SMatrix::<f32, N, N>::from_fn(|i, j| ((i * 5 + 3 * j) % 13) as f32 * 0.29 - 1.7);
    let kc = panel.len();
    for upper in [true, false] {
        let v = |k: usize, j: usize| {
            if k == j {
                0.0
            } else if (k < j) == upper {
                tri[(k, j)]
            } else {
                tri[(j, k)]
            }
        };
        let init = SMatrix::<f32, R, N>::from_fn(|i, j| (i + j) as f32 * 0.01);
        let mut got = init;
        columns::mul_sym_panel(&mut got, &a, tri.as_slice(), upper, panel);
        for i in 0..R {
            for j in 0..N {
                let mut s = init[(i, j)];
                for k in 0..N {
                    s += v(k, j) * a[(i, k)];
                }
                assert_eq!(
                    got[(i, j)].to_bits(),
                    s.to_bits(),
                    "kc={kc} R={R} N={N} upper={upper} ({i}, {j})"
                );
            }
        }
    }
}
