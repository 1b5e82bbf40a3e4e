//! The streaming InfoNCE forms against the dense ones (one-directional two-pass: bit-identical;
//! online, and NT-Xent's two-pass against the fused dense NT-Xent: within 1e-5 relative in f32),
//! the MoCo-queue variant against its formula, and all gradients against central finite
//! differences in f64.

use nalgebra::{Const, DMatrix, Dyn, OMatrix};
use selfsup_core::Real;
use selfsup_core::loss::{
    InfoNce, InfoNceQueue, LseMode, NtXent, PairLoss, StreamingInfoNce, StreamingNtXent,
};
use selfsup_core::rng::{fill_normal, seeded};

fn random<T: Real>(k: usize, b: usize, seed: u64) -> DMatrix<T> {
    let mut rng = seeded(seed);
    let mut m = DMatrix::<T>::zeros(k, b);
    fill_normal(&mut rng, m.as_mut_slice(), T::zero(), T::one());
    m
}

/// Correlated views, like the reference set: `z_b = 0.8 z_a + 0.6 noise`.
fn views<T: Real>(k: usize, b: usize, seed: u64) -> (DMatrix<T>, DMatrix<T>) {
    let za = random::<T>(k, b, seed);
    let noise = random::<T>(k, b, seed + 1000);
    let zb = za.map(|x| x * T::of_f64(0.8)) + noise.map(|x| x * T::of_f64(0.6));
    (za, zb)
}

struct Out<T> {
    loss: T,
    ga: DMatrix<T>,
    gb: DMatrix<T>,
}

fn run<T: Real>(loss: &mut impl PairLoss<T, Dyn, Dyn>, za: &DMatrix<T>, zb: &DMatrix<T>) -> Out<T> {
    let (mut ga, mut gb) = (za.map(|_| T::zero()), za.map(|_| T::zero()));
    let l = loss.loss_grad(za, zb, &mut ga, &mut gb);
    Out { loss: l, ga, gb }
}

fn bits<T: Real>(m: &DMatrix<T>) -> Vec<u64> {
    m.iter().map(|x| x.bits()).collect()
}

fn assert_bit_identical<T: Real>(what: &str, x: &Out<T>, y: &Out<T>) {
    assert_eq!(x.loss.bits(), y.loss.bits(), "{what}: loss {:?} vs {:?}", x.loss, y.loss);
    assert_eq!(bits(&x.ga), bits(&y.ga), "{what}: grad_a");
    assert_eq!(bits(&x.gb), bits(&y.gb), "{what}: grad_b");
}

/// `max |x − y| / max |y|` (norm-wise relative error).
fn rel<T: Real>(x: &DMatrix<T>, y: &DMatrix<T>) -> f64 {
    let scale = y.iter().fold(0.0f64, |m, v| m.max(v.to_f64().abs())).max(1e-300);
    x.iter().zip(y.iter()).fold(0.0f64, |m, (a, b)| m.max((a.to_f64() - b.to_f64()).abs())) / scale
}

const SHAPES: [(usize, usize); 7] = [(2, 64), (1, 2), (2, 2), (3, 5), (8, 8), (16, 32), (5, 17)];

#[test]
fn one_directional_two_pass_is_bit_identical_to_dense() {
    for (s, &(k, b)) in SHAPES.iter().enumerate() {
        for tau in [0.2, 0.5, 0.07, 0.01] {
            let seed = 10 + s as u64;
            let (za, zb) = views::<f32>(k, b, seed);
            let dense = run(&mut InfoNce::new(tau, Dyn(k), Dyn(b)).unwrap(), &za, &zb);
            let streaming = run(
                &mut StreamingInfoNce::new(tau, Dyn(k), Dyn(b)).unwrap().with_mode(LseMode::TwoPass),
                &za,
                &zb,
            );
            assert_bit_identical(&format!("InfoNCE f32 K={k} B={b} tau={tau}"), &streaming, &dense);
            let (za, zb) = views::<f64>(k, b, seed);
            let dense = run(&mut InfoNce::new(tau, Dyn(k), Dyn(b)).unwrap(), &za, &zb);
            let streaming = run(
                &mut StreamingInfoNce::new(tau, Dyn(k), Dyn(b)).unwrap().with_mode(LseMode::TwoPass),
                &za,
                &zb,
            );
            assert_bit_identical(&format!("InfoNCE f64 K={k} B={b}"), &streaming, &dense);
        }
    }
}

#[test]
fn streaming_agrees_with_dense_within_1e5_in_f32() {
    let mut worst = [0.0f64; 3];
    for (s, &(k, b)) in SHAPES.iter().enumerate() {
        for tau in [0.2, 0.5, 0.07] {
            let (za, zb) = views::<f32>(k, b, 20 + s as u64);
            let pairs = [
                (
                    run(&mut InfoNce::new(tau, Dyn(k), Dyn(b)).unwrap(), &za, &zb),
                    run(&mut StreamingInfoNce::new(tau, Dyn(k), Dyn(b)).unwrap(), &za, &zb),
                ),
                (
                    run(&mut NtXent::new(tau, Dyn(k), Dyn(b)).unwrap(), &za, &zb),
                    run(&mut StreamingNtXent::new(tau, Dyn(k), Dyn(b)).unwrap(), &za, &zb),
                ),
                (
                    run(&mut NtXent::new(tau, Dyn(k), Dyn(b)).unwrap(), &za, &zb),
                    run(
                        &mut StreamingNtXent::new(tau, Dyn(k), Dyn(b)).unwrap().with_mode(LseMode::TwoPass),
                        &za,
                        &zb,
                    ),
                ),
            ];
            for (form, (dense, online)) in pairs.iter().enumerate() {
                let e_loss = ((online.loss - dense.loss) / dense.loss).abs() as f64;
                let e = e_loss.max(rel(&online.ga, &dense.ga)).max(rel(&online.gb, &dense.gb));
                worst[form] = worst[form].max(e);
                assert!(e < 1e-5, "form {form} K={k} B={b} tau={tau}: rel err {e:e}");
            }
        }
    }
    eprintln!(
        "worst streaming-vs-dense relative error (f32): InfoNCE online {:e}, NT-Xent online {:e}, two-pass {:e}",
        worst[0], worst[1], worst[2]
    );
    // Not identical in general: the orders differ (otherwise this test would prove nothing
    // about its tolerance).
    assert!(worst.iter().all(|&w| w > 0.0), "{worst:?}");
}

#[test]
fn static_sizes_give_the_same_bits_as_dynamic() {
    let (za, zb) = views::<f32>(2, 64, 3);
    let sa = OMatrix::<f32, Const<2>, Const<64>>::from_column_slice(za.as_slice());
    let sb = OMatrix::<f32, Const<2>, Const<64>>::from_column_slice(zb.as_slice());
    let (mut ga, mut gb) = (sa * 0.0, sa * 0.0);
    let mut stat = StreamingNtXent::<f32, Const<2>, Const<64>>::new(0.5, Const, Const).unwrap();
    let l = stat.loss_grad(&sa, &sb, &mut ga, &mut gb);
    let dynamic = run(&mut StreamingNtXent::new(0.5, Dyn(2), Dyn(64)).unwrap(), &za, &zb);
    assert_eq!(l.to_bits(), dynamic.loss.to_bits());
    assert_eq!(ga.as_slice(), dynamic.ga.as_slice());
    assert_eq!(gb.as_slice(), dynamic.gb.as_slice());
}

/// Central finite differences of `f` at `z` (every entry), step `h`.
fn fd(z: &DMatrix<f64>, h: f64, mut f: impl FnMut(&DMatrix<f64>) -> f64) -> DMatrix<f64> {
    let mut g = z.clone();
    let mut zp = z.clone();
    for i in 0..z.len() {
        let x = z[i];
        zp[i] = x + h;
        let up = f(&zp);
        zp[i] = x - h;
        let down = f(&zp);
        zp[i] = x;
        g[i] = (up - down) / (2.0 * h);
    }
    g
}

/// FD relative error, with a floor on the scale: for `K = 1` the gradient is exactly zero
/// (a unit scalar has no tangent direction) and both sides are round-off (FD noise ~1e-10).
fn fd_err(analytic: &DMatrix<f64>, numeric: &DMatrix<f64>) -> f64 {
    let scale = numeric.amax().max(1e-3);
    (analytic - numeric).amax() / scale
}

fn check_fd<L: PairLoss<f64, Dyn, Dyn> + Clone>(what: &str, loss: L, za: &DMatrix<f64>, zb: &DMatrix<f64>) {
    let out = run(&mut loss.clone(), za, zb);
    let ga = fd(za, 1e-6, |z| loss.clone().loss(z, zb));
    let gb = fd(zb, 1e-6, |z| loss.clone().loss(za, z));
    let (ea, eb) = (fd_err(&out.ga, &ga), fd_err(&out.gb, &gb));
    assert!(ea < 1e-6 && eb < 1e-6, "{what}: FD rel err grad_a {ea:e} grad_b {eb:e}");
}

#[test]
fn gradients_match_finite_differences() {
    for (s, &(k, b)) in SHAPES.iter().enumerate() {
        let (za, zb) = views::<f64>(k, b, 40 + s as u64);
        for mode in [LseMode::Online, LseMode::TwoPass] {
            for tau in [0.2, 0.5] {
                let tag = format!("K={k} B={b} tau={tau} {mode:?}");
                check_fd(
                    &format!("StreamingInfoNce {tag}"),
                    StreamingInfoNce::new(tau, Dyn(k), Dyn(b)).unwrap().with_mode(mode),
                    &za,
                    &zb,
                );
                check_fd(
                    &format!("StreamingNtXent {tag}"),
                    StreamingNtXent::new(tau, Dyn(k), Dyn(b)).unwrap().with_mode(mode),
                    &za,
                    &zb,
                );
                let mut queued =
                    InfoNceQueue::new(tau, Dyn(k), Dyn(b), Dyn(2 * b + 1)).unwrap().with_mode(mode);
                queued.queue_mut().push_columns(random::<f64>(k, 3 * b, 99).normalize().as_slice());
                check_fd(&format!("InfoNceQueue {tag}"), queued, &za, &zb);
            }
        }
    }
}

/// The queued loss, straight from its formula (f64, no tricks).
fn queued_formula(za: &DMatrix<f64>, zb: &DMatrix<f64>, keys: &DMatrix<f64>, tau: f64) -> f64 {
    let unit = |m: &DMatrix<f64>| {
        let mut m = m.clone();
        for mut c in m.column_iter_mut() {
            let n = c.norm();
            c /= n;
        }
        m
    };
    let (a, b) = (unit(za), unit(zb));
    let n = a.ncols();
    let mut total = 0.0;
    for i in 0..n {
        let mut denom = 0.0;
        for j in 0..n {
            denom += (a.column(i).dot(&b.column(j)) / tau).exp();
        }
        for q in 0..keys.ncols() {
            denom += (a.column(i).dot(&keys.column(q)) / tau).exp();
        }
        total += denom.ln() - a.column(i).dot(&b.column(i)) / tau;
    }
    total / n as f64
}

fn column_unit(m: DMatrix<f64>) -> DMatrix<f64> {
    let mut m = m;
    for mut c in m.column_iter_mut() {
        let n = c.norm();
        c /= n;
    }
    m
}

#[test]
fn queue_loss_follows_its_formula_and_enqueues_the_keys() {
    let (k, b, q) = (4, 6, 10);
    let (za, zb) = views::<f64>(k, b, 7);
    let mut loss = InfoNceQueue::new(0.2, Dyn(k), Dyn(b), Dyn(q)).unwrap();
    // Empty queue: exactly the streaming InfoNCE.
    let empty = run(&mut loss.clone(), &za, &zb);
    let plain = run(&mut StreamingInfoNce::new(0.2, Dyn(k), Dyn(b)).unwrap(), &za, &zb);
    assert_bit_identical("empty queue", &empty, &plain);
    let l0 = run(&mut loss, &za, &zb).loss;
    assert!((l0 - queued_formula(&za, &zb, &DMatrix::zeros(k, 0), 0.2)).abs() < 1e-13);
    // The normalized b's were enqueued.
    assert_eq!(loss.queue().len(), b);
    let keys = DMatrix::from_column_slice(k, b, loss.queue().as_slice());
    assert!(rel(&keys, &column_unit(zb.clone())) < 1e-15);
    // Second step: contrasted with the 6 keys, then 4 of the 6 new keys fit; 2 overwrite.
    let (za2, zb2) = views::<f64>(k, b, 8);
    let l1 = run(&mut loss, &za2, &zb2).loss;
    assert!((l1 - queued_formula(&za2, &zb2, &keys, 0.2)).abs() < 1e-13);
    assert_eq!(loss.queue().len(), q);
    let mut expect: Vec<f64> = column_unit(zb2.clone()).as_slice()[4 * k..].to_vec();
    expect.extend_from_slice(&keys.as_slice()[2 * k..]);
    expect.extend_from_slice(&column_unit(zb2).as_slice()[..4 * k]);
    let got = loss.queue().as_slice();
    assert!(got.iter().zip(&expect).all(|(x, y)| (x - y).abs() < 1e-15), "{got:?}\n{expect:?}");
    // More negatives, higher loss (same views) and a larger MI bound's log term.
    let mut probe = loss.clone();
    assert!(probe.loss(&za, &zb) > l0);
    assert!(probe.mi_lower_bound(0.0) > (b as f64).ln());
}
