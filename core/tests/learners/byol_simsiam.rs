//! BYOL and SimSiam learners: their gradients with respect to every trained parameter match
//! finite differences of their loss (target fixed, stop-gradient respected), the momentum
//! schedule and the moving average follow the paper, and SimSiam without predictor and
//! stop-gradient collapses while SimSiam proper does not.

use crate::common::{Params, TOL, rel_err, stencil};
use nalgebra::{DMatrix, Dyn};
use selfsup_core::augment::Pipeline;
use selfsup_core::encoder::{Bias, Init, Linear, Mlp, WithHead};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{Rng, normal, seeded};
use selfsup_core::synth::fill_ring;
use selfsup_core::train::Learner;
use selfsup_core::train::Siamese;
use selfsup_core::train::byol::momentum_schedule;
use selfsup_core::train::siamese::Target;
use selfsup_core::train::simsiam::{Prediction, StopGradient};

type Lin = Linear<f64, Dyn, Dyn>;
// Smooth networks for the gradient checks (ReLU kinks make finite differences unreliable at
// a few points; the MLP's own backward is checked in gradients/encoders.rs).
type Net = WithHead<Lin, Lin, Dyn>;
type Pred = Lin;

/// Plain SGD, lr 0.1 (the gradient checks do not update).
fn sgd() -> Optimizer<f64> {
    Optimizer::sgd(0.1, 0.0, 0.0)
}

fn randn(rng: &mut Rng, r: usize, c: usize, scale: f64) -> DMatrix<f64> {
    DMatrix::from_fn(r, c, |_, _| scale * normal::<f64, _>(rng))
}

/// A linear layer `d → k` with a random bias.
fn lin(rng: &mut Rng, d: usize, k: usize) -> Lin {
    let mut l = Lin::new(Dyn(k), Dyn(d), Init::Normal { std: 0.6 }, Bias::Yes, rng);
    for v in l.b.iter_mut() {
        *v = 0.3 * normal::<f64, _>(rng);
    }
    l
}

fn net(rng: &mut Rng, d: usize, m: usize, k: usize) -> Net {
    let f = lin(rng, d, m);
    WithHead::new(f, lin(rng, m, k), Dyn(m))
}

/// Checks `grad` (the analytic gradient of `loss` w.r.t. the parameters reached by `params`)
/// against finite differences of `loss`.
fn check_params<S>(
    what: &str,
    s: &mut S,
    params: fn(&mut S) -> Vec<&mut [f64]>,
    grad: Vec<Vec<f64>>,
    loss: fn(&mut S) -> f64,
) {
    for (bi, g) in grad.iter().enumerate() {
        let mut numeric = vec![0.0; g.len()];
        for (i, n) in numeric.iter_mut().enumerate() {
            *n = stencil(|d| {
                params(s)[bi][i] += d;
                let l = loss(s);
                params(s)[bi][i] -= d;
                l
            });
        }
        let e = rel_err(g, &numeric);
        assert!(e < TOL, "{what}: block {bi} rel err {e:e}\n{g:?}\n{numeric:?}");
    }
}

fn flat<P: Params + Clone>(p: &P) -> Vec<Vec<f64>> {
    let mut p = p.clone();
    p.blocks().iter().map(|s| s.to_vec()).collect()
}

/// BYOL's target network.
fn target(byol: &Siamese<f64, Dyn, Dyn, Dyn, Net, Pred>) -> &Net {
    let Target::Moving(t) = &byol.target else { unreachable!("BYOL has a moving target") };
    &t.net
}

struct ByolCase {
    byol: Siamese<f64, Dyn, Dyn, Dyn, Net, Pred>,
    xa: DMatrix<f64>,
    xb: DMatrix<f64>,
}

#[test]
fn byol_gradients_reach_online_and_predictor_only() {
    let mut rng = seeded(51);
    for (d, m, k, b) in [(3, 2, 2, 4), (4, 3, 1, 2), (5, 4, 3, 6)] {
        let online = net(&mut rng, d, m, k);
        let pred = lin(&mut rng, k, k);
        let mut c = ByolCase {
            byol: Siamese::byol(online, pred, sgd(), Pipeline::new(), (Dyn(d), Dyn(k), Dyn(b)), 0.99, 10),
            xa: randn(&mut rng, d, b, 1.0),
            xb: randn(&mut rng, d, b, 1.0),
        };
        // Move the target away from the online network, so that the two differ.
        let Target::Moving(t) = &mut c.byol.target else { unreachable!() };
        t.net = net(&mut rng, d, m, k);
        let loss = |c: &mut ByolCase| c.byol.loss_grad(&c.xa.clone(), &c.xb.clone());
        loss(&mut c);
        let (go, gp) = (flat(c.byol.grads().0), flat(c.byol.grads().1));
        check_params(&format!("byol online {d}-{m}-{k} B={b}"), &mut c, |c| c.byol.net.blocks(), go, loss);
        check_params(
            &format!("byol predictor {d}-{m}-{k} B={b}"),
            &mut c,
            |c| c.byol.predictor.blocks(),
            gp,
            loss,
        );
        // The loss is in [0, 8] and is the paper's 2 − 2cos form.
        let l = loss(&mut c);
        assert!((0.0..=8.0).contains(&l));
    }
}

#[test]
fn byol_momentum_schedule_and_moving_average() {
    assert_eq!(momentum_schedule(0.99f64, 0, 100), 0.99);
    assert!((momentum_schedule(0.99f64, 50, 100) - 0.995).abs() < 1e-15);
    assert_eq!(momentum_schedule(0.99f64, 100, 100), 1.0);
    assert_eq!(momentum_schedule(0.99f64, 500, 100), 1.0);
    let mut rng = seeded(52);
    let (d, m, k, b) = (3, 2, 2, 4);
    let online = net(&mut rng, d, m, k);
    let pred = lin(&mut rng, k, k);
    let mut byol = Siamese::byol(online, pred, sgd(), Pipeline::new(), (Dyn(d), Dyn(k), Dyn(b)), 0.9, 4);
    let (xa, xb) = (randn(&mut rng, d, b, 1.0), randn(&mut rng, d, b, 1.0));
    for step in 0..4 {
        let before = target(&byol).clone();
        let tau = byol.momentum().unwrap();
        assert_eq!(tau, momentum_schedule(0.9, step, 4));
        byol.step_views(&xa, &xb);
        // target = τ target_before + (1 − τ) online_after, entry by entry.
        let (mut t, mut o, mut want) = (target(&byol).clone(), byol.net.clone(), before);
        for ((w, t), o) in want.blocks().into_iter().zip(t.blocks()).zip(o.blocks()) {
            for ((w, t), o) in w.iter_mut().zip(t.iter()).zip(o.iter()) {
                *w = *w * tau + *o * (1.0 - tau);
                assert_eq!(w.to_bits(), t.to_bits());
            }
        }
    }
    assert_eq!(byol.steps(), 4);
}

struct SimCase {
    s: Siamese<f64, Dyn, Dyn, Dyn, Net, Pred>,
    xa: DMatrix<f64>,
    xb: DMatrix<f64>,
}

#[test]
fn simsiam_gradients_with_and_without_stop_gradient_and_predictor() {
    let mut rng = seeded(53);
    for (d, m, k, b) in [(3, 2, 2, 4), (4, 3, 1, 2), (5, 4, 3, 6)] {
        for (sg, pred_on) in [(true, true), (false, true), (true, false), (false, false)] {
            let f = net(&mut rng, d, m, k);
            let h = lin(&mut rng, k, k);
            let mut c = SimCase {
                s: Siamese::simsiam(f, h, sgd(), Pipeline::new(), (Dyn(d), Dyn(k), Dyn(b))),
                xa: randn(&mut rng, d, b, 1.0),
                xb: randn(&mut rng, d, b, 1.0),
            };
            c.s.target = Target::Online(if sg { StopGradient::On } else { StopGradient::Off });
            c.s.prediction = if pred_on { Prediction::On } else { Prediction::Off };
            let what = format!("simsiam sg={sg} pred={pred_on} {d}-{m}-{k} B={b}");
            let loss = |c: &mut SimCase| c.s.loss_grad(&c.xa.clone(), &c.xb.clone());
            loss(&mut c);
            let (gf, gh) = (flat(c.s.grads().0), flat(c.s.grads().1));
            if sg {
                // With stop-gradient the reference is the loss with z frozen: differentiate
                // through p only, by evaluating with a frozen copy of the projections.
                check_stopgrad(&what, &mut c, gf);
            } else {
                check_params(&what, &mut c, |c| c.s.net.blocks(), gf, loss);
            }
            if pred_on {
                check_params(&what, &mut c, |c| c.s.predictor.blocks(), gh, loss);
            } else {
                assert!(gh.iter().flatten().all(|&g| g == 0.0), "{what}: predictor unused");
            }
        }
    }
}

/// `L(θ) = ½[negcos(h(f_θ(x_a)), z_b*) + negcos(h(f_θ(x_b)), z_a*)]` with `z*` the projections
/// at the current θ held fixed: its gradient is what SimSiam's stop-gradient computes.
fn check_stopgrad(what: &str, c: &mut SimCase, grad: Vec<Vec<f64>>) {
    use selfsup_core::encoder::Encoder;
    use selfsup_core::loss::{NegCos, PairLoss};
    let (za, zb) = (c.s.projections().0.clone(), c.s.projections().1.clone());
    let (k, b) = za.shape();
    let frozen = |c: &mut SimCase| {
        let mut z = DMatrix::zeros(k, b);
        let mut p = DMatrix::zeros(k, b);
        let mut nc = NegCos::new(Dyn(k), Dyn(b));
        let mut total = 0.0;
        for (x, other) in [(&c.xa, &zb), (&c.xb, &za)] {
            let mut cache = c.s.net.new_cache(Dyn(b));
            c.s.net.forward(x, &mut z, &mut cache);
            if c.s.prediction == Prediction::On {
                let pred = &c.s.predictor;
                let cache = &mut Encoder::<f64, Dyn, Dyn, Dyn>::new_cache(pred, Dyn(b));
                Encoder::<f64, Dyn, Dyn, Dyn>::forward(pred, &z, &mut p, cache);
            } else {
                p.copy_from(&z);
            }
            total += 0.5 * nc.loss(&p, other);
        }
        total
    };
    for (bi, g) in grad.iter().enumerate() {
        let mut numeric = vec![0.0; g.len()];
        for (i, n) in numeric.iter_mut().enumerate() {
            *n = stencil(|d| {
                c.s.net.blocks()[bi][i] += d;
                let l = frozen(c);
                c.s.net.blocks()[bi][i] -= d;
                l
            });
        }
        let e = rel_err(g, &numeric);
        assert!(e < TOL, "{what}: stop-gradient block {bi} rel err {e:e}\n{g:?}\n{numeric:?}");
    }
}

/// Mean over dimensions of the per-dimension standard deviation of `z/‖z‖` (SimSiam §4.1:
/// ≈ 1/√K when healthy, 0 when collapsed).
fn normalized_std(z: &DMatrix<f64>) -> f64 {
    let (k, b) = z.shape();
    let mut n = z.clone();
    for mut c in n.column_iter_mut() {
        let norm = c.norm().max(1e-12);
        c /= norm;
    }
    (0..k)
        .map(|r| {
            let mean = n.row(r).sum() / b as f64;
            (n.row(r).iter().map(|v| (v - mean).powi(2)).sum::<f64>() / b as f64).sqrt()
        })
        .sum::<f64>()
        / k as f64
}

/// Trains SimSiam on the reference programs' ring (2-D points, views = two noisy copies) and returns the
/// collapse statistic of the projections of a fresh batch, and the last loss.
fn train_simsiam(sg: bool, pred_on: bool) -> (f64, f64) {
    let mut rng = seeded(54);
    let (d, m, k, b) = (2, 8, 8, 64);
    let f = Mlp::new(Dyn(d), Dyn(32), Dyn(m), &mut rng);
    let g = Mlp::new(Dyn(m), Dyn(32), Dyn(k), &mut rng);
    let h = Mlp::new(Dyn(k), Dyn(32), Dyn(k), &mut rng);
    let opt = Optimizer::adam(3e-3, 0.0);
    let mut s =
        Siamese::simsiam(WithHead::new(f, g, Dyn(m)), h, opt, Pipeline::new(), (Dyn(d), Dyn(k), Dyn(b)));
    s.target = Target::Online(if sg { StopGradient::On } else { StopGradient::Off });
    s.prediction = if pred_on { Prediction::On } else { Prediction::Off };
    let mut pts = vec![0.0f64; 2 * b];
    let mut loss = 0.0;
    for _ in 0..300 {
        fill_ring(&mut rng, &mut pts, None);
        let x = DMatrix::from_column_slice(d, b, &pts);
        let xa = &x + randn(&mut rng, d, b, 0.05);
        let xb = &x + randn(&mut rng, d, b, 0.05);
        loss = s.step_views(&xa, &xb);
    }
    fill_ring(&mut rng, &mut pts, None);
    let x = DMatrix::from_column_slice(d, b, &pts);
    s.loss_grad(&x, &x);
    (normalized_std(s.projections().0), loss)
}

#[test]
fn simsiam_without_predictor_and_stop_gradient_collapses() {
    let k = 8.0f64;
    let (std_collapsed, loss_collapsed) = train_simsiam(false, false);
    let (std_ok, _) = train_simsiam(true, true);
    // Collapsed: every output points the same way, loss at its minimum −1.
    assert!(std_collapsed < 0.05 / k.sqrt(), "collapsed std {std_collapsed}");
    assert!(loss_collapsed < -0.99, "collapsed loss {loss_collapsed}");
    // SimSiam proper keeps a spread of directions.
    assert!(std_ok > 0.3 / k.sqrt(), "healthy std {std_ok}");
}
