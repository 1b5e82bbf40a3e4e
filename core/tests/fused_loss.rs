//! The fused contrastive losses ([`NtXent`], [`InfoNce`]) against a plain `f64` evaluation of
//! their formulas (the full `2B × 2B` or `B × B` logit matrix, row-maximum shift, gradient
//! `(G + Gᵀ) u` through the normalization), on both sides of the fixed-shift threshold: the
//! fast path (shift `1/τ`, one exponential per pair) and the fallback for temperatures so small
//! that `e^(−2/τ)` underflows (shift by each anchor's maximum). Gradients also against central
//! finite differences in `f64`.

use nalgebra::{DMatrix, Dyn};
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use selfsup_core::rng::{fill_normal, seeded};

fn random(k: usize, b: usize, seed: u64) -> DMatrix<f64> {
    let mut m = DMatrix::<f64>::zeros(k, b);
    fill_normal(&mut seeded(seed), m.as_mut_slice(), 0.0, 1.0);
    m
}

fn normalize(z: &DMatrix<f64>) -> (DMatrix<f64>, Vec<f64>) {
    let norms: Vec<f64> = z.column_iter().map(|c| c.norm()).collect();
    let mut u = z.clone();
    for (mut c, &n) in u.column_iter_mut().zip(&norms) {
        c /= n;
    }
    (u, norms)
}

/// Loss and gradient of the `rows` anchors (columns of `u`) against `cols` candidates, with
/// `pos(r)` the positive and `skip(r)` an excluded candidate, by the textbook formulas: returns
/// the loss and `∂L/∂u` (before normalization) for the stacked matrix `u`.
fn plain(
    u: &DMatrix<f64>,
    tau: f64,
    anchors: usize,
    pos: impl Fn(usize) -> usize,
    symmetric: bool,
) -> (f64, DMatrix<f64>) {
    let n = u.ncols();
    let cands = if symmetric { n } else { n - anchors };
    let off = if symmetric { 0 } else { anchors };
    let mut g = DMatrix::<f64>::zeros(anchors, n);
    let mut loss = 0.0;
    for r in 0..anchors {
        let s: Vec<f64> = (0..cands).map(|c| u.column(r).dot(&u.column(off + c)) / tau).collect();
        let keep = |c: usize| !(symmetric && c == r);
        let m = (0..cands).filter(|&c| keep(c)).map(|c| s[c]).fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = (0..cands).filter(|&c| keep(c)).map(|c| (s[c] - m).exp()).sum();
        loss += m + sum.ln() - s[pos(r) - off];
        for c in (0..cands).filter(|&c| keep(c)) {
            let p = (s[c] - m).exp() / sum - if off + c == pos(r) { 1.0 } else { 0.0 };
            g[(r, off + c)] = p / (anchors as f64 * tau);
        }
    }
    // dL/du_r = Σ_c G_rc u_c + Σ_r' G_r'r u_r'  (G is anchors × n)
    let mut du = DMatrix::<f64>::zeros(u.nrows(), n);
    for r in 0..anchors {
        for c in 0..n {
            let w = g[(r, c)];
            if w != 0.0 {
                let (ur, uc) = (u.column(r).clone_owned(), u.column(c).clone_owned());
                let mut dr = du.column_mut(r);
                dr += w * uc;
                let mut dc = du.column_mut(c);
                dc += w * ur;
            }
        }
    }
    (loss / anchors as f64, du)
}

/// Back through `u = z / ‖z‖`: `dz = (du − u (u·du)) / ‖z‖`.
fn back(u: &DMatrix<f64>, norms: &[f64], du: &DMatrix<f64>) -> DMatrix<f64> {
    let mut dz = du.clone();
    for (j, &n) in norms.iter().enumerate() {
        let p = u.column(j).dot(&du.column(j));
        let c = (du.column(j) - u.column(j) * p) / n;
        dz.set_column(j, &c);
    }
    dz
}

fn ntxent_plain(za: &DMatrix<f64>, zb: &DMatrix<f64>, tau: f64) -> (f64, DMatrix<f64>, DMatrix<f64>) {
    let b = za.ncols();
    let (ua, na) = normalize(za);
    let (ub, nb) = normalize(zb);
    let u = DMatrix::from_fn(za.nrows(), 2 * b, |i, j| if j < b { ua[(i, j)] } else { ub[(i, j - b)] });
    let (l, du) = plain(&u, tau, 2 * b, |r| (r + b) % (2 * b), true);
    let ga = back(&ua, &na, &du.columns(0, b).clone_owned());
    let gb = back(&ub, &nb, &du.columns(b, b).clone_owned());
    (l, ga, gb)
}

fn infonce_plain(za: &DMatrix<f64>, zb: &DMatrix<f64>, tau: f64) -> (f64, DMatrix<f64>, DMatrix<f64>) {
    let b = za.ncols();
    let (ua, na) = normalize(za);
    let (ub, nb) = normalize(zb);
    let u = DMatrix::from_fn(za.nrows(), 2 * b, |i, j| if j < b { ua[(i, j)] } else { ub[(i, j - b)] });
    let (l, du) = plain(&u, tau, b, |r| r + b, false);
    let ga = back(&ua, &na, &du.columns(0, b).clone_owned());
    let gb = back(&ub, &nb, &du.columns(b, b).clone_owned());
    (l, ga, gb)
}

fn rel(x: &DMatrix<f64>, y: &DMatrix<f64>) -> f64 {
    (x - y).abs().max() / y.abs().max()
}

fn check(
    name: &str,
    loss: &mut impl PairLoss<f64, Dyn, Dyn>,
    want: (f64, DMatrix<f64>, DMatrix<f64>),
    za: &DMatrix<f64>,
    zb: &DMatrix<f64>,
    tol: f64,
) {
    let (mut ga, mut gb) = (za * 0.0, zb * 0.0);
    let l = loss.loss_grad(za, zb, &mut ga, &mut gb);
    let e = [((l - want.0) / want.0).abs(), rel(&ga, &want.1), rel(&gb, &want.2)];
    assert!(e.iter().all(|&e| e < tol), "{name}: relative errors loss/grad_a/grad_b {e:?}");
}

#[test]
fn fused_losses_match_their_formulas_on_both_paths() {
    // τ = 0.5, 0.1: fixed shift 1/τ. τ = 0.002: e^(−1000) underflows, per-anchor maxima.
    for (k, b) in [(3, 5), (8, 8), (16, 37), (2, 64)] {
        let za = random(k, b, 1 + k as u64);
        let zb = &za * 0.8 + random(k, b, 100 + b as u64) * 0.6;
        for tau in [0.5, 0.1, 0.002] {
            // Loss values near 1/τ · (something) cancel at small τ: 1e-10 relative at τ ≥ 0.1.
            let tol = if tau < 0.01 { 1e-9 } else { 1e-10 };
            check(
                &format!("NT-Xent K={k} B={b} τ={tau}"),
                &mut NtXent::new(tau, Dyn(k), Dyn(b)).unwrap(),
                ntxent_plain(&za, &zb, tau),
                &za,
                &zb,
                tol,
            );
            check(
                &format!("InfoNCE K={k} B={b} τ={tau}"),
                &mut InfoNce::new(tau, Dyn(k), Dyn(b)).unwrap(),
                infonce_plain(&za, &zb, tau),
                &za,
                &zb,
                tol,
            );
        }
    }
}

/// In `f32`, τ = 0.02 is below the fixed-shift threshold (e^(−100) underflows): the fallback
/// gives finite values that agree with the `f64` formula.
#[test]
fn small_temperature_fallback_in_f32() {
    let (k, b) = (8, 16);
    let za = random(k, b, 7);
    let zb = &za * 0.9 + random(k, b, 8) * 0.4;
    for tau in [0.02, 0.5] {
        let want = ntxent_plain(&za, &zb, tau);
        let (fa, fb) = (za.map(|x| x as f32), zb.map(|x| x as f32));
        let (mut ga, mut gb) = (&fa * 0.0, &fb * 0.0);
        let l = NtXent::new(tau, Dyn(k), Dyn(b)).unwrap().loss_grad(&fa, &fb, &mut ga, &mut gb);
        assert!(l.is_finite() && ga.iter().chain(gb.iter()).all(|g| g.is_finite()));
        assert!(((l as f64 - want.0) / want.0).abs() < 1e-5, "τ={tau}: {l} vs {}", want.0);
        assert!(rel(&ga.map(|x| x as f64), &want.1) < 1e-4, "τ={tau}");
    }
}

#[test]
fn fused_gradients_match_finite_differences() {
    let (k, b) = (4, 6);
    let za = random(k, b, 21);
    let zb = &za * 0.7 + random(k, b, 22) * 0.7;
    for tau in [0.5, 0.002] {
        let mut loss = NtXent::new(tau, Dyn(k), Dyn(b)).unwrap();
        let (mut ga, mut gb) = (&za * 0.0, &zb * 0.0);
        loss.loss_grad(&za, &zb, &mut ga, &mut gb);
        let h = 1e-6;
        for (which, g) in [(0, &ga), (1, &gb)] {
            for idx in 0..k * b {
                let mut p = [za.clone(), zb.clone()];
                let mut q = [za.clone(), zb.clone()];
                p[which][idx] += h;
                q[which][idx] -= h;
                let fd = (loss.loss(&p[0], &p[1]) - loss.loss(&q[0], &q[1])) / (2.0 * h);
                let scale = g.abs().max();
                assert!(
                    (fd - g[idx]).abs() < 1e-6 * scale.max(1.0),
                    "τ={tau} view {which} [{idx}]: {fd} vs {}",
                    g[idx]
                );
            }
        }
    }
}
