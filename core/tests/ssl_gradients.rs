//! Exact gradients of the non-contrastive losses (Barlow Twins, VICReg, negative cosine and its
//! symmetric stop-gradient usage) and of the MLP encoders and projection head, against
//! central finite differences in f64 (relative error < 1e-6), on random shapes and on the
//! edge cases B = 2, K = 1. VICReg and negative cosine have no developer reference case, so
//! they are also compared with independent naive implementations (loops over rows-as-samples
//! vectors, written from lightly's formulas) to 1e-12, and with hand-checked values.

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::encoder::{Bias, Ema, Encoder, Init, Linear, Mlp, Mlp2, WithHead};
use selfsup_core::loss::{BarlowTwins, NegCos, PairLoss, SymNegCos, Symmetric, VicReg};
use selfsup_core::rng::{Rng, normal, seeded};

mod common;
use common::{Params, TOL, numeric_grad, rel_err, stencil};

fn randn(rng: &mut Rng, r: usize, c: usize, scale: f64) -> DMatrix<f64> {
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
                &mut BarlowTwins::new(lambda, Dyn(k), Dyn(b)),
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
        check_pair_loss_fd(&format!("vicreg K={k} B={b}"), &mut VicReg::lightly(Dyn(k), Dyn(b)), &za, &zb);
        check_pair_loss_fd(
            &format!("vicreg weights K={k} B={b}"),
            &mut VicReg::new(1.5, 0.3, 2.0, Dyn(k), Dyn(b)),
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
            let mut v = VicReg::lightly(Dyn(k), Dyn(b));
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
    let mut v = VicReg::<f64, Const<2>, Const<2>>::lightly(Const, Const);
    let l = v.loss(&za, &zb);
    assert!((l - (25.0 * 0.5 + 25.0 * 0.495)).abs() < 1e-12, "{l}");
    // Covariance, K = 2, B = 3, one view: rows f0 = (1, 0, −1), f1 = (1, 0, −1) ⇒ C_01 = 2/2 = 1
    // ⇒ c = (1² + 1²) / 2 = 1 per view, and identical views ⇒ cov = 2.
    let z = SMatrix::<f64, 2, 3>::new(1.0, 0.0, -1.0, 1.0, 0.0, -1.0);
    let mut v = VicReg::<f64, Const<2>, Const<3>>::lightly(Const, Const);
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
    let mut bt = BarlowTwins::<f64, Const<2>, Const<4>>::new(5e-3, Const, Const);
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
        BarlowTwins::new(5e-3, Dyn(4), Dyn(6)),
        BarlowTwins::<f64, Const<4>, Const<6>>::new(5e-3, Const, Const)
    );
    same!(VicReg::lightly(Dyn(4), Dyn(6)), VicReg::<f64, Const<4>, Const<6>>::lightly(Const, Const));
    same!(NegCos::new(Dyn(4), Dyn(6)), NegCos::<f64, Const<4>, Const<6>>::new(Const, Const));
}

// ---------------------------------- encoders ----------------------------------

/// `L = Σ R ⊙ f(X)` for a fixed random `R`, so `∂L/∂Y = R`. Checks every parameter and the
/// input gradient against central differences.
fn check_encoder<E>(what: &str, net: &mut E, x: &DMatrix<f64>, k: usize, rng: &mut Rng)
where
    E: Encoder<f64, Dyn, Dyn, Dyn> + Params + Clone,
{
    let (d, b) = x.shape();
    let r = randn(rng, k, b, 1.0);
    let mut cache = net.new_cache(Dyn(b));
    let eval = |net: &E, x: &DMatrix<f64>| {
        let mut c = net.new_cache(Dyn(b));
        let mut y = DMatrix::zeros(k, b);
        net.forward(x, &mut y, &mut c);
        y.component_mul(&r).sum()
    };
    let mut y = DMatrix::zeros(k, b);
    net.forward(x, &mut y, &mut cache);
    let mut grad = net.zeros_like();
    let mut dx = DMatrix::zeros(d, b);
    net.backward(x, &mut cache, &r, &mut grad, Some(&mut dx));
    // Backward adds into grad: a second call doubles it.
    let mut twice = grad.clone();
    net.backward(x, &mut cache, &r, &mut twice, None);
    let n = numeric_grad(x, |xp| eval(net, xp));
    let e = rel_err(dx.as_slice(), n.as_slice());
    assert!(e < TOL, "{what}: input grad rel err {e:e}");
    let analytic: Vec<Vec<f64>> = grad.blocks().iter().map(|s| s.to_vec()).collect();
    let doubled: Vec<Vec<f64>> = twice.blocks().iter().map(|s| s.to_vec()).collect();
    let nblocks = analytic.len();
    for bi in 0..nblocks {
        let len = analytic[bi].len();
        let mut numeric = vec![0.0; len];
        for (i, num) in numeric.iter_mut().enumerate() {
            *num = stencil(|d| {
                let mut p = net.clone();
                p.blocks()[bi][i] += d;
                eval(&p, x)
            });
        }
        let e = rel_err(&analytic[bi], &numeric);
        assert!(e < TOL, "{what}: block {bi} rel err {e:e}");
        let e2 = rel_err(&doubled[bi], &numeric.iter().map(|v| 2.0 * v).collect::<Vec<_>>());
        assert!(e2 < TOL, "{what}: block {bi} does not accumulate");
    }
}

fn nonzero_bias(l: &mut Linear<f64, Dyn, Dyn>, rng: &mut Rng) {
    for v in l.b.iter_mut() {
        *v = 0.3 * normal::<f64, _>(rng);
    }
}

#[test]
fn mlp_gradients() {
    let mut rng = seeded(41);
    for (d, h, k, b) in [(3, 5, 2, 4), (1, 1, 1, 2), (4, 7, 1, 2), (6, 16, 3, 9)] {
        let x = randn(&mut rng, d, b, 1.0);
        let mut net = Mlp::<f64, Dyn, Dyn, Dyn>::new(Dyn(d), Dyn(h), Dyn(k), &mut rng);
        nonzero_bias(&mut net.hidden, &mut rng);
        nonzero_bias(&mut net.out, &mut rng);
        check_encoder(&format!("mlp {d}-{h}-{k} B={b}"), &mut net, &x, k, &mut rng);
    }
}

#[test]
fn mlp2_gradients() {
    let mut rng = seeded(42);
    for (d, h1, h2, k, b) in [(3, 5, 4, 2, 4), (1, 1, 1, 1, 2), (5, 8, 6, 3, 7)] {
        let x = randn(&mut rng, d, b, 1.0);
        let mut net = Mlp2::<f64, Dyn, Dyn, Dyn, Dyn>::new(Dyn(d), Dyn(h1), Dyn(h2), Dyn(k), &mut rng);
        nonzero_bias(&mut net.hidden1, &mut rng);
        nonzero_bias(&mut net.hidden2, &mut rng);
        check_encoder(&format!("mlp2 {d}-{h1}-{h2}-{k} B={b}"), &mut net, &x, k, &mut rng);
    }
}

#[test]
fn headed_encoder_gradients() {
    let mut rng = seeded(43);
    for (d, m, hh, k, b) in [(4, 3, 6, 2, 5), (2, 1, 2, 1, 2)] {
        let x = randn(&mut rng, d, b, 1.0);
        // Linear encoder + MLP head.
        let f = Linear::<f64, Dyn, Dyn>::new(Dyn(m), Dyn(d), Init::Normal { std: 0.7 }, Bias::No, &mut rng);
        let g = Mlp::<f64, Dyn, Dyn, Dyn>::new(Dyn(m), Dyn(hh), Dyn(k), &mut rng);
        let mut net = WithHead::new(f, g, Dyn(m));
        check_encoder(&format!("linear+mlp head B={b}"), &mut net, &x, k, &mut rng);
        // MLP encoder + linear head with bias.
        let f = Mlp::<f64, Dyn, Dyn, Dyn>::new(Dyn(d), Dyn(hh), Dyn(m), &mut rng);
        let mut g = Linear::<f64, Dyn, Dyn>::new(Dyn(k), Dyn(m), Init::XavierNormal, Bias::Yes, &mut rng);
        nonzero_bias(&mut g, &mut rng);
        let mut net = WithHead::new(f, g, Dyn(m));
        check_encoder(&format!("mlp+linear head B={b}"), &mut net, &x, k, &mut rng);
    }
}

#[test]
fn headed_encoder_is_g_after_f_and_trains_both() {
    let mut rng = seeded(44);
    type F = Mlp<f64, Const<3>, Const<8>, Const<2>>;
    type G = Linear<f64, Const<4>, Const<2>>;
    let f = F::new(Const, Const, Const, &mut rng);
    let g = G::new(Const, Const, Init::XavierUniform, Bias::Yes, &mut rng);
    let mut net = WithHead::new(f, g, Const::<2>);
    let x = SMatrix::<f64, 3, 5>::from_fn(|i, j| ((i * 5 + j) as f64).sin());
    let mut y = SMatrix::<f64, 4, 5>::zeros();
    let mut cache = Encoder::<f64, Const<3>, Const<4>, Const<5>>::new_cache(&net, Const);
    net.forward(&x, &mut y, &mut cache);
    let (mut h, mut y2) = (SMatrix::<f64, 2, 5>::zeros(), SMatrix::<f64, 4, 5>::zeros());
    let mut fc = Encoder::<f64, Const<3>, Const<2>, Const<5>>::new_cache(&net.encoder, Const);
    net.encoder.forward(&x, &mut h, &mut fc);
    net.head.forward(&h, &mut y2);
    assert_eq!(y, y2);
    // One SGD step moves the encoder and the head.
    let mut grad = Encoder::<f64, Const<3>, Const<4>, Const<5>>::zeros_like(&net);
    net.backward(&x, &mut cache, &SMatrix::repeat(1.0), &mut grad, None);
    let before = net.clone();
    let opt = selfsup_core::optim::Optimizer::sgd(0.1, 0.0, 0.0);
    let mut st = Encoder::<f64, Const<3>, Const<4>, Const<5>>::new_opt_state(&net);
    Encoder::<f64, Const<3>, Const<4>, Const<5>>::apply_update(&mut net, &opt, &mut st, &grad);
    assert_ne!(before.encoder, net.encoder);
    assert_ne!(before.head, net.head);
    assert_eq!(
        Encoder::<f64, Const<3>, Const<4>, Const<5>>::num_params(&net),
        (8 * 3 + 8 + 2 * 8 + 2) + (4 * 2 + 4)
    );
    // EMA with τ = 1 keeps the target, τ = 0 copies the online network.
    let mut target = before.clone();
    target.ema_update(&net, 1.0);
    assert_eq!(target, before);
    target.ema_update(&net, 0.0);
    assert_eq!(target, net);
}
