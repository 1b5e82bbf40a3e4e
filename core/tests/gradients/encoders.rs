//! Exact gradients of the encoders that carry hidden state: the MLPs (`Mlp`, `Mlp2`) and an
//! encoder with a projection head (`WithHead`), every parameter and the input gradient
//! against central finite differences in f64 (relative error < 1e-6).

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::encoder::{Bias, Ema, Encoder, Init, Linear, Mlp, Mlp2, WithHead};
use selfsup_core::rng::{Rng, normal, seeded};

use super::non_contrastive::randn;
use crate::common::{Params, TOL, numeric_grad, rel_err, stencil};

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
