//! Exact gradients: every analytic gradient in core matches central finite differences in f64.
//!
//! For parameters `p` and a scalar function `f`, the numeric gradient is
//! `n_i = (f(p + h e_i) − f(p − h e_i)) / 2h` with `h = 1e-6` (truncation error `O(h²)` ≈ 1e-12,
//! rounding error ≈ `ε max(|f|, 1) / h` ≈ 1e-10 for the losses here), and an analytic gradient
//! `a` passes when `max_i |a_i − n_i| / max(max_i |n_i|, floor) < 1e-6`, where `floor` ≈
//! 2e-3 · max(|f|, 1) only matters for gradients that are zero or nearly so (by symmetry: K = 1,
//! D = 1) and checks those to the finite differences' own noise, ≈ 2e-9 absolute (see
//! [`rel_err`]). Measured over the ~1200 checks here: every gradient above the floor matches to
//! ≤ 8e-8 relative; the few small real ones below it (≈ 1e-4, a nearly solved B = 2 batch at
//! τ = 0.2) to ≈ 2e-10 absolute, the noise of the differences themselves.
//!
//! Checked: L2 normalization backward (through a random vector–Jacobian product), `Linear`
//! backward (W, b and the input), InfoNCE and NT-Xent (both views), the linear autoencoder (both
//! matrices, with and without biases), and the whole chain encoder → loss (∂L/∂W and ∂L/∂b of
//! InfoNCE and NT-Xent through a `Linear` encoder applied to two views). Shapes: random with
//! `Dyn` (K in 1..=8, D in 1..=6, B in 2..=9, several seeds), plus B = 2, K = 1, a zero input
//! sample (its embedding is exactly zero, so the normalization takes its `ε` branch), a zero
//! feature row, a zero weight row, and `Const`-sized instances. The last tests show the checker
//! rejects gradients that are off by one part in 10⁵.

use nalgebra::{Const, DefaultAllocator, Dim, Dyn, U1};
use selfsup_core::dims::{Dims, EmbedDims, Mat, Vector, zeros};
use selfsup_core::encoder::{Bias, Encoder, Init, Linear};
use selfsup_core::loss::autoencoder::{AeBuffers, LinearAutoencoder};
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use selfsup_core::normalize::{NORM_EPS, l2_normalize, l2_normalize_backward};
use selfsup_core::rng::{Rng, fill_normal, index, seeded};

use super::fd::*;

/// `f(u) = Σ c ⊙ normalize(u)`, whose gradient is the normalization backward applied to `c`.
fn check_normalize<K: Dim, B: Dim>(what: &str, u: &Mat<f64, K, B>, rng: &mut Rng)
where
    DefaultAllocator: EmbedDims<K, B>,
{
    let (k, b) = u.shape_generic();
    let c = randn(k, b, rng);
    let f = |p: &[f64]| {
        let u = mat(k, b, p);
        let mut z = zeros(k, b);
        let mut n = zeros::<f64, B, U1>(b, U1);
        l2_normalize(&u, &mut z, &mut n, NORM_EPS);
        z.component_mul(&c).sum()
    };
    let mut z = zeros(k, b);
    let mut n: Vector<f64, B> = zeros(b, U1);
    l2_normalize(u, &mut z, &mut n, NORM_EPS);
    let mut du = c.clone();
    l2_normalize_backward(&z, &n, &mut du, NORM_EPS);
    assert_grad(&format!("{what}: normalize"), du.as_slice(), fd(&numeric(u.as_slice(), f), ..));
}

/// `f(W, b, X) = Σ C ⊙ (W X + b 1ᵀ)`.
fn check_linear<K: Dim, D: Dim, B: Dim>(
    what: &str,
    enc: &Linear<f64, K, D>,
    x: &Mat<f64, D, B>,
    rng: &mut Rng,
) where
    DefaultAllocator: Dims<K, D, B>,
{
    let (k, d) = enc.w.shape_generic();
    let b = x.shape_generic().1;
    let c = randn(k, b, rng);
    let (nw, nb) = (enc.w.len(), if enc.bias == Bias::Yes { k.value() } else { 0 });
    let p = concat(&[enc.w.as_slice(), &enc.b.as_slice()[..nb], x.as_slice()]);
    let f = |p: &[f64]| {
        let mut e = Linear::from_weights(mat(k, d, p));
        e.bias = enc.bias;
        if enc.bias == Bias::Yes {
            e.b = mat(k, U1, &p[nw..]);
        }
        let x = mat(d, b, &p[nw + nb..]);
        let mut y = zeros(k, b);
        e.forward(&x, &mut y);
        y.component_mul(&c).sum()
    };
    let mut g = enc.zeros_like();
    enc.backward(x, &c, &mut g);
    let mut dx = zeros(d, b);
    enc.backward_input(&c, &mut dx);
    let a = concat(&[g.w.as_slice(), &g.b.as_slice()[..nb], dx.as_slice()]);
    assert_grad(&format!("{what}: linear (bias {:?})", enc.bias), &a, fd(&numeric(&p, f), ..));
    // The `Encoder` trait's backward is the same computation (accumulating into a zero grad).
    let (mut g2, mut dx2) = (enc.zeros_like(), zeros(d, b));
    Encoder::<f64, D, K, B>::backward(enc, x, &mut (), &c, &mut g2, Some(&mut dx2));
    assert_eq!((&g2.w, &g2.b, &dx2), (&g.w, &g.b, &dx), "{what}: Encoder::backward differs");
}

/// `L(z_a, z_b)` of a pair loss, both views.
fn check_pair<K: Dim, B: Dim, L: PairLoss<f64, K, B>>(
    what: &str,
    mut loss: L,
    za: &Mat<f64, K, B>,
    zb: &Mat<f64, K, B>,
) where
    DefaultAllocator: EmbedDims<K, B>,
{
    let (k, b) = za.shape_generic();
    let (mut ga, mut gb) = (zeros(k, b), zeros(k, b));
    let l = loss.loss_grad(za, zb, &mut ga, &mut gb);
    assert!(l.is_finite(), "{what}: loss {l}");
    assert_eq!(l.to_bits(), loss.loss(za, zb).to_bits(), "{what}: loss() differs from loss_grad()");
    let n = za.len();
    let p = concat(&[za.as_slice(), zb.as_slice()]);
    let num = numeric(&p, |p| loss.loss(&mat(k, b, p), &mat(k, b, &p[n..])));
    assert_grad(&format!("{what}: d/dz_a"), ga.as_slice(), fd(&num, ..n));
    assert_grad(&format!("{what}: d/dz_b"), gb.as_slice(), fd(&num, n..));
}

/// The autoencoder's loss as a function of all its parameters.
fn check_autoencoder<K: Dim, D: Dim, B: Dim>(
    what: &str,
    ae: &LinearAutoencoder<f64, K, D>,
    x: &Mat<f64, D, B>,
) where
    DefaultAllocator: Dims<K, D, B>,
{
    let (k, d) = ae.enc.w.shape_generic();
    let b = x.shape_generic().1;
    let mut buf = AeBuffers::new(k, d, b);
    let mut g = ae.zeros_like();
    let l = ae.loss_grad(x, &mut g, &mut buf);
    assert_eq!(l.to_bits(), ae.loss(x, &mut buf).to_bits(), "{what}: loss() differs from loss_grad()");
    let (ne, nd) = (ae.enc.w.len(), ae.dec.w.len());
    let nbe = if ae.enc.bias == Bias::Yes { k.value() } else { 0 };
    let nbd = if ae.dec.bias == Bias::Yes { d.value() } else { 0 };
    let parts = |m: &LinearAutoencoder<f64, K, D>| {
        concat(&[
            m.enc.w.as_slice(),
            &m.enc.b.as_slice()[..nbe],
            m.dec.w.as_slice(),
            &m.dec.b.as_slice()[..nbd],
        ])
    };
    let p = parts(ae);
    let num = numeric(&p, |p| {
        let mut m = ae.clone();
        m.enc.w = mat(k, d, p);
        m.enc.b.as_mut_slice()[..nbe].copy_from_slice(&p[ne..ne + nbe]);
        m.dec.w = mat(d, k, &p[ne + nbe..]);
        m.dec.b.as_mut_slice()[..nbd].copy_from_slice(&p[ne + nbe + nd..]);
        m.loss(x, &mut AeBuffers::new(k, d, b))
    });
    let a = parts(&g);
    assert_grad(&format!("{what}: autoencoder dW_enc"), &a[..ne], fd(&num, ..ne));
    assert_grad(&format!("{what}: autoencoder db_enc"), &a[ne..ne + nbe], fd(&num, ne..ne + nbe));
    assert_grad(
        &format!("{what}: autoencoder dW_dec"),
        &a[ne + nbe..ne + nbe + nd],
        fd(&num, ne + nbe..ne + nbe + nd),
    );
    assert_grad(&format!("{what}: autoencoder db_dec"), &a[ne + nbe + nd..], fd(&num, ne + nbe + nd..));
}

/// Two views `x_a`, `x_b` through one shared encoder into a pair loss: ∂L/∂W (and ∂L/∂b).
fn check_chain<K: Dim, D: Dim, B: Dim, L: PairLoss<f64, K, B>>(
    what: &str,
    mut loss: L,
    enc: &Linear<f64, K, D>,
    xa: &Mat<f64, D, B>,
    xb: &Mat<f64, D, B>,
) where
    DefaultAllocator: Dims<K, D, B>,
{
    let (k, d) = enc.w.shape_generic();
    let b = xa.shape_generic().1;
    let (mut ya, mut yb) = (zeros(k, b), zeros(k, b));
    enc.forward(xa, &mut ya);
    enc.forward(xb, &mut yb);
    let (mut ga, mut gb) = (zeros(k, b), zeros(k, b));
    loss.loss_grad(&ya, &yb, &mut ga, &mut gb);
    let mut g = enc.zeros_like();
    enc.backward(xa, &ga, &mut g);
    enc.backward(xb, &gb, &mut g);
    let (nw, nb) = (enc.w.len(), if enc.bias == Bias::Yes { k.value() } else { 0 });
    let p = concat(&[enc.w.as_slice(), &enc.b.as_slice()[..nb]]);
    let num = numeric(&p, |p| {
        let mut e = enc.clone();
        e.w = mat(k, d, p);
        e.b.as_mut_slice()[..nb].copy_from_slice(&p[nw..]);
        let (mut ya, mut yb) = (zeros(k, b), zeros(k, b));
        e.forward(xa, &mut ya);
        e.forward(xb, &mut yb);
        loss.loss(&ya, &yb)
    });
    assert_grad(&format!("{what}: chain dL/dW"), g.w.as_slice(), fd(&num, ..nw));
    assert_grad(&format!("{what}: chain dL/db"), &g.b.as_slice()[..nb], fd(&num, nw..));
}

// ---------------------------------------------------------------------------------------------
// All checks on one shape.

#[derive(Clone, Copy, Default)]
struct Edge {
    /// Make input sample 0 all zeros (in both views).
    zero_sample: bool,
    /// Make input feature 0 zero for every sample.
    zero_feature: bool,
    /// Make the first row of every weight matrix zero.
    zero_weight_row: bool,
}

fn check_all<K: Dim, D: Dim, B: Dim>(what: &str, k: K, d: D, b: B, tau: f64, edge: Edge, rng: &mut Rng)
where
    DefaultAllocator: Dims<K, D, B>,
{
    let what = format!("{what} (K={} D={} B={} tau={tau})", k.value(), d.value(), b.value());
    let mut xa = randn(d, b, rng);
    let mut xb = &xa + randn(d, b, rng) * 0.3; // a correlated second view
    if edge.zero_sample {
        xa.column_mut(0).fill(0.0);
        xb.column_mut(0).fill(0.0);
    }
    if edge.zero_feature {
        xa.row_mut(0).fill(0.0);
        xb.row_mut(0).fill(0.0);
    }
    let std = Init::Normal { std: 0.7 };
    for bias in [Bias::No, Bias::Yes] {
        let mut enc = Linear::<f64, K, D>::new(k, d, std, bias, rng);
        if bias == Bias::Yes {
            fill_normal(rng, enc.b.as_mut_slice(), 0.0, 0.5);
        }
        let mut ae = LinearAutoencoder::<f64, K, D>::new(k, d, std, bias, rng);
        if bias == Bias::Yes {
            fill_normal(rng, ae.enc.b.as_mut_slice(), 0.0, 0.5);
            fill_normal(rng, ae.dec.b.as_mut_slice(), 0.0, 0.5);
        }
        if edge.zero_weight_row {
            enc.w.row_mut(0).fill(0.0);
            ae.enc.w.row_mut(0).fill(0.0);
            ae.dec.w.row_mut(0).fill(0.0);
        }
        check_linear(&what, &enc, &xa, rng);
        check_autoencoder(&format!("{what} bias {bias:?}"), &ae, &xa);
        // With a bias the zero sample's embedding is b, not zero; the zero-embedding case is the
        // bias-free one.
        check_chain(
            &format!("{what} InfoNCE bias {bias:?}"),
            InfoNce::new(tau, k, b).unwrap(),
            &enc,
            &xa,
            &xb,
        );
        check_chain(
            &format!("{what} NT-Xent bias {bias:?}"),
            NtXent::new(tau, k, b).unwrap(),
            &enc,
            &xa,
            &xb,
        );
    }
    // The losses and the normalization on embeddings directly. Their derivative at an exactly
    // zero embedding is the ε-branch's `1/ε` scaling, which no finite difference with h ≫ ε can
    // see, so this part uses random (non-zero) embeddings.
    let za = randn(k, b, rng);
    let zb = &za * 0.8 + randn(k, b, rng) * 0.6;
    check_normalize(&what, &za, rng);
    check_pair(&format!("{what} InfoNCE"), InfoNce::new(tau, k, b).unwrap(), &za, &zb);
    check_pair(&format!("{what} NT-Xent"), NtXent::new(tau, k, b).unwrap(), &za, &zb);
}

fn random_shape(rng: &mut Rng) -> (usize, usize, usize) {
    (1 + index(rng, 8), 1 + index(rng, 6), 2 + index(rng, 8))
}

#[test]
fn random_shapes_dyn() {
    for seed in 0..24 {
        let mut rng = seeded(1000 + seed);
        let (k, d, b) = random_shape(&mut rng);
        let tau = if seed % 2 == 0 { 0.2 } else { 0.5 };
        check_all(&format!("seed {seed}"), Dyn(k), Dyn(d), Dyn(b), tau, Edge::default(), &mut rng);
    }
}

#[test]
fn smallest_batch_and_one_dimensional_embeddings() {
    let mut rng = seeded(7);
    for (k, d, b) in [(1, 1, 2), (1, 4, 2), (3, 2, 2), (1, 3, 7), (2, 1, 2), (8, 6, 2)] {
        for tau in [0.2, 0.5] {
            check_all("edge", Dyn(k), Dyn(d), Dyn(b), tau, Edge::default(), &mut rng);
        }
    }
}

#[test]
fn zero_input_sample() {
    let edge = Edge { zero_sample: true, ..Edge::default() };
    for seed in 0..8 {
        let mut rng = seeded(2000 + seed);
        let (k, d, b) = random_shape(&mut rng);
        check_all("zero sample", Dyn(k), Dyn(d), Dyn(b), 0.2, edge, &mut rng);
    }
    let mut rng = seeded(5);
    check_all("zero sample", Dyn(1), Dyn(2), Dyn(2), 0.5, edge, &mut rng);
}

/// The zero sample really has a zero embedding, so the chain above went through the
/// normalization's ε branch, and the loss gradient for it is finite.
#[test]
fn zero_sample_embedding_is_exactly_zero() {
    let mut rng = seeded(11);
    let enc = Linear::<f64, Dyn, Dyn>::new(Dyn(3), Dyn(4), Init::Normal { std: 0.7 }, Bias::No, &mut rng);
    let mut x = randn(Dyn(4), Dyn(5), &mut rng);
    x.column_mut(0).fill(0.0);
    let mut y = zeros(Dyn(3), Dyn(5));
    enc.forward(&x, &mut y);
    assert!(y.column(0).iter().all(|&v| v == 0.0));
    let (mut ga, mut gb) = (zeros(Dyn(3), Dyn(5)), zeros(Dyn(3), Dyn(5)));
    let l = NtXent::new(0.5, Dyn(3), Dyn(5)).unwrap().loss_grad(&y, &y, &mut ga, &mut gb);
    assert!(l.is_finite() && ga.iter().chain(gb.iter()).all(|v| v.is_finite()));
}

#[test]
fn zero_feature_and_zero_weight_row() {
    for (seed, edge) in [
        (0, Edge { zero_feature: true, ..Edge::default() }),
        (1, Edge { zero_weight_row: true, ..Edge::default() }),
        (2, Edge { zero_sample: true, zero_feature: true, zero_weight_row: true }),
    ] {
        let mut rng = seeded(3000 + seed);
        let (k, d, b) = random_shape(&mut rng);
        check_all("zero rows", Dyn(k.max(2)), Dyn(d.max(2)), Dyn(b), 0.2, edge, &mut rng);
    }
}

#[test]
fn const_sizes() {
    let mut rng = seeded(21);
    check_all("const", Const::<3>, Const::<4>, Const::<5>, 0.2, Edge::default(), &mut rng);
    check_all("const", Const::<2>, Const::<2>, Const::<8>, 0.5, Edge::default(), &mut rng);
    check_all("const", Const::<1>, Const::<3>, Const::<2>, 0.5, Edge::default(), &mut rng);
    let edge = Edge { zero_sample: true, ..Edge::default() };
    check_all("const zero sample", Const::<4>, Const::<3>, Const::<6>, 0.2, edge, &mut rng);
}

// ---------------------------------------------------------------------------------------------
// The checker itself must be able to fail.

fn infonce_case() -> (Vec<f64>, (Vec<f64>, f64)) {
    let mut rng = seeded(99);
    let (k, b) = (Dyn(3), Dyn(5));
    let za = randn(k, b, &mut rng);
    let zb = &za * 0.8 + randn(k, b, &mut rng) * 0.6;
    let mut loss = InfoNce::new(0.2, k, b).unwrap();
    let (mut ga, mut gb) = (zeros(k, b), zeros(k, b));
    loss.loss_grad(&za, &zb, &mut ga, &mut gb);
    let n = za.len();
    let p = concat(&[za.as_slice(), zb.as_slice()]);
    let num = numeric(&p, |p| loss.loss(&mat(k, b, p), &mat(k, b, &p[n..])));
    (concat(&[ga.as_slice(), gb.as_slice()]), num)
}

#[test]
fn checker_rejects_a_perturbed_gradient() {
    let (a, num) = infonce_case();
    let e = rel_err(&a, &num.0, num.1);
    assert!(e < TOL, "the unperturbed gradient must pass: {e:e}");
    let scale = num.0.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    // One entry off by 1e-5 of the gradient's scale.
    for i in [0, a.len() / 2, a.len() - 1] {
        let mut bad = a.clone();
        bad[i] += 1e-5 * scale;
        let e = rel_err(&bad, &num.0, num.1);
        assert!(e > TOL, "a perturbed entry {i} passed: {e:e}");
    }
    // A gradient scaled by 1 + 1e-5 (e.g. a wrong 1/B or 1/τ factor would be far worse).
    let bad: Vec<f64> = a.iter().map(|x| x * (1.0 + 1e-5)).collect();
    assert!(rel_err(&bad, &num.0, num.1) > TOL);
    // NaN never passes.
    let mut bad = a.clone();
    bad[1] = f64::NAN;
    assert!(rel_err(&bad, &num.0, num.1) > TOL);
}

#[test]
#[should_panic(expected = "relative error")]
fn checker_rejects_a_missing_normalization_backward() {
    // The gradient with respect to the *normalized* embeddings (forgetting the projection
    // through the normalization Jacobian) must fail against the unnormalized finite differences.
    let mut rng = seeded(5);
    let (k, b) = (Dyn(3), Dyn(4));
    let u = randn(k, b, &mut rng) * 2.0;
    let c = randn(k, b, &mut rng);
    let num = numeric(u.as_slice(), |p| {
        let mut z = zeros(k, b);
        let mut n = zeros::<f64, Dyn, U1>(b, U1);
        l2_normalize(&mat(k, b, p), &mut z, &mut n, NORM_EPS);
        z.component_mul(&c).sum()
    });
    assert_grad("normalize without backward", c.as_slice(), fd(&num, ..));
}
