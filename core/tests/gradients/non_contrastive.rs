//! Exact gradients of the non-contrastive losses (Barlow Twins, VICReg, negative cosine and its
//! symmetric stop-gradient usage) against
//! central finite differences in f64 (relative error < 1e-6), on random shapes and on the
//! edge cases B = 2, K = 1. VICReg and negative cosine have no developer reference case, so
//! they are also compared with independent naive implementations (loops over rows-as-samples
//! vectors, written from lightly's formulas) to 1e-12, and with hand-checked values.

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::loss::{BarlowTwins, NegCos, PairLoss, SymNegCos, Symmetric, VicReg};
use selfsup_core::rng::{Rng, normal, seeded};

use crate::common::{TOL, numeric_grad, rel_err};

pub(crate) fn randn(rng: &mut Rng, r: usize, c: usize, scale: f64) -> DMatrix<f64> {
    DMatrix::from_fn(r, c, |_, _| scale * normal::<f64, _>(rng))
}

fn check_pair_loss_fd<L: PairLoss<f64, Dyn, Dyn>>(
    what: &str,
    loss: &mut L,
    za: &DMatrix<f64>,
    zb: &DMatrix<f64>,
) {
    let (mut ga, mut gb) = (za * 0.0, zb * 0.0);
    let l = loss.loss_grad(za, zb, &mut ga, &mut gb);
    assert_eq!(l.to_bits(), loss.loss(za, zb).to_bits(), "{what}: loss() differs from loss_grad()");
    let na = numeric_grad(za, |x| loss.loss(x, zb));
    let nb = numeric_grad(zb, |x| loss.loss(za, x));
    let (ea, eb) = (rel_err(ga.as_slice(), na.as_slice()), rel_err(gb.as_slice(), nb.as_slice()));
    assert!(ea < TOL && eb < TOL, "{what}: rel err a {ea:e}, b {eb:e}");
}

/// Shapes: random ones plus the edge cases B = 2 and K = 1.
fn shapes(rng: &mut Rng) -> Vec<(usize, usize)> {
    let mut s = vec![(1, 2), (1, 5), (3, 2), (2, 2), (8, 8)];
    for _ in 0..4 {
        s.push((1 + selfsup_core::rng::index(rng, 9), 2 + selfsup_core::rng::index(rng, 11)));
    }
    s
}

fn views(rng: &mut Rng, k: usize, b: usize) -> (DMatrix<f64>, DMatrix<f64>) {
    let za = randn(rng, k, b, 1.0);
    let zb = &za * 0.8 + randn(rng, k, b, 0.6);
    (za, zb)
}

#[test]
fn barlow_twins_gradients() {
    let mut rng = seeded(11);
    for (k, b) in shapes(&mut rng) {
        let (za, zb) = views(&mut rng, k, b);
        for lambda in [5e-3, 1.0 / k as f64, 0.7] {
            check_pair_loss_fd(
                &format!("barlow K={k} B={b} λ={lambda}"),
                &mut BarlowTwins::new(lambda, Dyn(k), Dyn(b)).unwrap(),
                &za,
                &zb,
            );
        }
    }
}

#[test]
fn vicreg_gradients() {
    let mut rng = seeded(12);
    for (k, b) in shapes(&mut rng) {
        // Scales around 1 put some features below the hinge (std < 1) and some above.
        let (za, zb) = views(&mut rng, k, b);
        let za = za * 0.9;
        check_pair_loss_fd(
            &format!("vicreg K={k} B={b}"),
            &mut VicReg::lightly(Dyn(k), Dyn(b)).unwrap(),
            &za,
            &zb,
        );
        check_pair_loss_fd(
            &format!("vicreg weights K={k} B={b}"),
            &mut VicReg::new(1.5, 0.3, 2.0, Dyn(k), Dyn(b)).unwrap(),
            &(&za * 0.3),
            &zb,
        );
    }
}

#[test]
fn negcos_gradients() {
    let mut rng = seeded(13);
    for (k, b) in shapes(&mut rng) {
        let (za, zb) = views(&mut rng, k, b);
        check_pair_loss_fd(&format!("negcos K={k} B={b}"), &mut NegCos::new(Dyn(k), Dyn(b)), &za, &zb);
    }
}

#[test]
fn symmetric_negcos_gradients_and_stop_gradient() {
    let mut rng = seeded(14);
    for (k, b) in shapes(&mut rng) {
        let (za, zb) = views(&mut rng, k, b);
        let pa = &za + randn(&mut rng, k, b, 0.5);
        let pb = &zb + randn(&mut rng, k, b, 0.5);
        for form in [Symmetric::Lightly, Symmetric::Byol] {
            let mut sym = SymNegCos::new(form, Dyn(k), Dyn(b));
            let (mut gpa, mut gpb) = (&za * 0.0, &za * 0.0);
            let l = sym.loss_grad(&pa, &pb, &za, &zb, &mut gpa, &mut gpb);
            let (gza, gzb) = (sym.stopped_grad().0.clone(), sym.stopped_grad().1.clone());
            assert_eq!(l.to_bits(), sym.loss(&pa, &pb, &za, &zb).to_bits());
            let n = numeric_grad(&pa, |x| sym.loss(x, &pb, &za, &zb));
            assert!(rel_err(gpa.as_slice(), n.as_slice()) < TOL, "{form:?} p_a");
            let n = numeric_grad(&pb, |x| sym.loss(&pa, x, &za, &zb));
            assert!(rel_err(gpb.as_slice(), n.as_slice()) < TOL, "{form:?} p_b");
            // The gradient the stop-gradient removes.
            let n = numeric_grad(&za, |x| sym.loss(&pa, &pb, x, &zb));
            assert!(rel_err(gza.as_slice(), n.as_slice()) < TOL, "{form:?} z_a");
            let n = numeric_grad(&zb, |x| sym.loss(&pa, &pb, &za, x));
            assert!(rel_err(gzb.as_slice(), n.as_slice()) < TOL, "{form:?} z_b");
        }
        // BYOL's 2 − 2cos form is 4 + 4 × lightly's symmetric form.
        let l = SymNegCos::new(Symmetric::Lightly, Dyn(k), Dyn(b)).loss(&pa, &pb, &za, &zb);
        let lb = SymNegCos::new(Symmetric::Byol, Dyn(k), Dyn(b)).loss(&pa, &pb, &za, &zb);
        assert!((lb - 4.0 - 4.0 * l).abs() < 1e-13);
        let mut nc = NegCos::new(Dyn(k), Dyn(b));
        let direct = 0.5 * (nc.loss(&pa, &zb) + nc.loss(&pb, &za));
        assert!((l - direct).abs() < 1e-15);
    }
}

// ---------- independent naive implementations (rows are samples, as in lightly) ----------

fn rows(z: &DMatrix<f64>) -> Vec<Vec<f64>> {
    (0..z.ncols()).map(|j| z.column(j).iter().copied().collect()).collect()
}

/// lightly's `VICRegLoss` written out with loops: returns (loss, inv, var, cov).
fn naive_vicreg(za: &[Vec<f64>], zb: &[Vec<f64>]) -> (f64, f64, f64, f64) {
    let (b, k) = (za.len(), za[0].len());
    let mut inv = 0.0;
    for i in 0..b {
        for f in 0..k {
            inv += (za[i][f] - zb[i][f]).powi(2);
        }
    }
    inv /= (b * k) as f64;
    let stats = |z: &[Vec<f64>]| {
        let mean: Vec<f64> = (0..k).map(|f| z.iter().map(|r| r[f]).sum::<f64>() / b as f64).collect();
        let mut v = 0.0;
        for f in 0..k {
            let var = z.iter().map(|r| (r[f] - mean[f]).powi(2)).sum::<f64>() / (b - 1) as f64;
            v += (1.0 - (var + 1e-4).sqrt()).max(0.0);
        }
        let mut c = 0.0;
        for p in 0..k {
            for q in 0..k {
                if p != q {
                    let cov =
                        z.iter().map(|r| (r[p] - mean[p]) * (r[q] - mean[q])).sum::<f64>() / (b - 1) as f64;
                    c += cov * cov;
                }
            }
        }
        (v / k as f64, c / k as f64)
    };
    let ((va, ca), (vb, cb)) = (stats(za), stats(zb));
    let var = 0.5 * (va + vb);
    let cov = ca + cb;
    (25.0 * inv + 25.0 * var + cov, inv, var, cov)
}

/// lightly's `NegativeCosineSimilarity` written out with loops.
fn naive_negcos(za: &[Vec<f64>], zb: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for (x, y) in za.iter().zip(zb) {
        let nx = x.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-8);
        let ny = y.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-8);
        s += x.iter().zip(y).map(|(a, b)| (a / nx) * (b / ny)).sum::<f64>();
    }
    -s / za.len() as f64
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1e-300)
}

#[test]
fn vicreg_matches_naive_implementation() {
    let mut rng = seeded(21);
    for (k, b) in shapes(&mut rng) {
        for scale in [0.2, 1.0, 3.0] {
            let (za, zb) = views(&mut rng, k, b);
            let (za, zb) = (za * scale, zb * scale);
            let mut v = VicReg::lightly(Dyn(k), Dyn(b)).unwrap();
            let (mut ga, mut gb) = (&za * 0.0, &za * 0.0);
            let l = v.loss_grad(&za, &zb, &mut ga, &mut gb);
            let (want, inv, var, cov) = naive_vicreg(&rows(&za), &rows(&zb));
            assert!(close(l, want, 1e-12), "K={k} B={b}: {l} vs {want}");
            let (i, va, c) = v.terms();
            assert!(close(i, inv, 1e-12) && close(va, var, 1e-12) && close(c, cov, 1e-12));
            // Analytic gradient against finite differences of the naive implementation.
            let n = numeric_grad(&za, |x| naive_vicreg(&rows(x), &rows(&zb)).0);
            assert!(rel_err(ga.as_slice(), n.as_slice()) < TOL);
            let n = numeric_grad(&zb, |x| naive_vicreg(&rows(&za), &rows(x)).0);
            assert!(rel_err(gb.as_slice(), n.as_slice()) < TOL);
        }
    }
}

#[test]
fn negcos_matches_naive_implementation() {
    let mut rng = seeded(22);
    for (k, b) in shapes(&mut rng) {
        let (za, zb) = views(&mut rng, k, b);
        let l = NegCos::new(Dyn(k), Dyn(b)).loss(&za, &zb);
        let want = naive_negcos(&rows(&za), &rows(&zb));
        assert!(close(l, want, 1e-12), "K={k} B={b}: {l} vs {want}");
    }
    // A zero sample: torch's guard max(‖x‖, 1e-8) makes its cosine 0, not NaN.
    let za = DMatrix::from_column_slice(2, 2, &[0.0, 0.0, 1.0, 1.0]);
    let zb = DMatrix::from_column_slice(2, 2, &[1.0, 0.0, 1.0, 1.0]);
    let l: f64 = NegCos::new(Dyn(2), Dyn(2)).loss(&za, &zb);
    assert!((l + 0.5).abs() < 1e-15);
}

#[test]
fn hand_checked_values() {
    // VICReg, K = 2, B = 2 (samples are columns): z_a = [(0,0), (2,0)], z_b = [(0,1), (2,1)].
    // inv = mean of squared differences = (1 + 1) / 4 = 0.5.
    // Feature 0 of both views: (0, 2), var = 2, std = √2.0001 > 1, no hinge.
    // Feature 1: constant, var = 0, std = 0.01, hinge 0.99. v = 0.99 / 2 per view; var = 0.495.
    // Covariances between a varying and a constant feature are 0: cov = 0.
    let za = SMatrix::<f64, 2, 2>::new(0.0, 2.0, 0.0, 0.0);
    let zb = SMatrix::<f64, 2, 2>::new(0.0, 2.0, 1.0, 1.0);
    let mut v = VicReg::<f64, Const<2>, Const<2>>::lightly(Const, Const).unwrap();
    let l = v.loss(&za, &zb);
    assert!((l - (25.0 * 0.5 + 25.0 * 0.495)).abs() < 1e-12, "{l}");
    // Covariance, K = 2, B = 3, one view: rows f0 = (1, 0, −1), f1 = (1, 0, −1) ⇒ C_01 = 2/2 = 1
    // ⇒ c = (1² + 1²) / 2 = 1 per view, and identical views ⇒ cov = 2.
    let z = SMatrix::<f64, 2, 3>::new(1.0, 0.0, -1.0, 1.0, 0.0, -1.0);
    let mut v = VicReg::<f64, Const<2>, Const<3>>::lightly(Const, Const).unwrap();
    v.loss(&z, &z);
    assert!((v.terms().2 - 2.0).abs() < 1e-15);
    assert_eq!(v.terms().0, 0.0);
    // negcos of opposite vectors is +1; of a vector with itself −1.
    let a = SMatrix::<f64, 3, 1>::new(1.0, -2.0, 0.5);
    let mut nc = NegCos::<f64, Const<3>, Const<1>>::new(Const, Const);
    assert!((nc.loss(&a, &(-a)) - 1.0).abs() < 1e-15);
    assert!((nc.loss(&a, &(a * 7.0)) + 1.0).abs() < 1e-15);
    // Barlow Twins, perfectly correlated and decorrelated features: C = I, L = ε-effect only.
    let z = SMatrix::<f64, 2, 4>::new(1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0);
    let mut bt = BarlowTwins::<f64, Const<2>, Const<4>>::new(5e-3, Const, Const).unwrap();
    let c = 1.0 / (1.0 + 1e-5);
    assert!((bt.loss(&z, &z) - 2.0 * (c - 1.0) * (c - 1.0)).abs() < 1e-20);
    assert_eq!(bt.terms().1, 0.0);
}

#[test]
fn const_and_dyn_give_identical_bits() {
    let mut rng = seeded(31);
    let (za, zb) = views(&mut rng, 4, 6);
    let sa = SMatrix::<f64, 4, 6>::from_column_slice(za.as_slice());
    let sb = SMatrix::<f64, 4, 6>::from_column_slice(zb.as_slice());
    let (mut ga, mut gb) = (za.clone(), zb.clone());
    let (mut sga, mut sgb) = (sa, sb);
    macro_rules! same {
        ($dyn:expr, $st:expr) => {{
            let (mut d, mut s) = ($dyn, $st);
            let l1 = d.loss_grad(&za, &zb, &mut ga, &mut gb);
            let l2 = s.loss_grad(&sa, &sb, &mut sga, &mut sgb);
            assert_eq!(l1.to_bits(), l2.to_bits());
            assert_eq!(ga.as_slice(), sga.as_slice());
            assert_eq!(gb.as_slice(), sgb.as_slice());
        }};
    }
    same!(
        BarlowTwins::new(5e-3, Dyn(4), Dyn(6)).unwrap(),
        BarlowTwins::<f64, Const<4>, Const<6>>::new(5e-3, Const, Const).unwrap()
    );
    same!(
        VicReg::lightly(Dyn(4), Dyn(6)).unwrap(),
        VicReg::<f64, Const<4>, Const<6>>::lightly(Const, Const).unwrap()
    );
    same!(NegCos::new(Dyn(4), Dyn(6)), NegCos::<f64, Const<4>, Const<6>>::new(Const, Const));
}

// ---------------------------------- encoders ----------------------------------
