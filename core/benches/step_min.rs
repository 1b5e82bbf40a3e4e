//! Best-of-N timings of the same pieces as `train_step`, for a machine shared with other jobs:
//! criterion reports means, which other processes inflate; the minimum over many runs is the
//! closest to the cost on an idle core. Times are the thread's CPU time (Linux), which other
//! processes do not inflate (their cache pollution still does). Each line gives the best and
//! the median.
//!
//! `cargo bench -p selfsup-core --features alloc --bench step_min` (all pieces), or with
//! `-- peers`: only the three full steps the peer script (`benches/peers/peers.py`) compares,
//! as `PEER <name> <best µs> <median µs>` lines; with `-- mlp`: only the MLP step (c), 600 times,
//! for a profiler (`perf record … step_min-* mlp`).

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::augment::Pipeline;
use selfsup_core::encoder::{Bias, Encoder, Init, Linear, Mlp};
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{fill_normal, seeded};
use selfsup_core::synth::fill_ring;
use selfsup_core::train::{Learner, Trainer};
use std::hint::black_box;
use std::time::Instant;

/// This thread's CPU time in seconds (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), so that the
/// other processes of a shared machine do not count; `None` where there is no such clock.
fn cpu_seconds() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Some(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Minimum and median over `reps` runs of the mean time of `inner` calls, in microseconds:
/// the thread's CPU time where available, else wall time.
fn time<F: FnMut()>(reps: usize, inner: usize, mut f: F) -> (f64, f64) {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let (wall, cpu) = (Instant::now(), cpu_seconds());
            for _ in 0..inner {
                f();
            }
            let secs = match (cpu, cpu_seconds()) {
                (Some(a), Some(b)) => b - a,
                _ => wall.elapsed().as_secs_f64(),
            };
            secs / inner as f64 * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[0], t[reps / 2])
}

fn best<F: FnMut()>(name: &str, reps: usize, inner: usize, f: F) {
    let (b, m) = time(reps, inner, f);
    println!("{name:52} best {b:10.2} µs   median {m:10.2} µs");
}

fn main() {
    if std::env::args().any(|a| a == "peers") {
        peers();
        return;
    }
    if std::env::args().any(|a| a == "mlp") {
        mlp_step(&mut seeded(1), 600);
        return;
    }
    // (a) ring, f32, Const
    type X = SMatrix<f32, 2, 64>;
    let mut rng = seeded(1);
    let mut x = X::zeros();
    fill_ring(&mut rng, x.as_mut_slice(), None);
    let enc =
        Linear::<f32, Const<2>, Const<2>>::new(Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
    let aug = Pipeline::reference_ring();
    let (mut va, mut vb, mut za, mut zb) = (X::zeros(), X::zeros(), X::zeros(), X::zeros());
    let n = "a ring 2→2 B=64 InfoNCE f32 Const";
    best(&format!("{n} augment (2 views)"), 200, 50, || {
        aug.apply(black_box(&x), &mut va, &mut rng);
        aug.apply(black_box(&x), &mut vb, &mut rng);
    });
    Encoder::forward(&enc, &va, &mut za, &mut ());
    Encoder::forward(&enc, &vb, &mut zb, &mut ());
    let mut loss = InfoNce::<f32, Const<2>, Const<64>>::new(0.2, Const, Const).unwrap();
    let (mut ga, mut gb) = (X::zeros(), X::zeros());
    best(&format!("{n} loss_grad"), 200, 20, || {
        black_box(loss.loss_grad(black_box(&za), black_box(&zb), &mut ga, &mut gb));
    });
    let logits: Vec<f32> = (0..64 * 64).map(|i| (i % 97) as f32 * -0.05).collect();
    best(&format!("{n} 4096 × libm::expf"), 200, 20, || {
        black_box(black_box(&logits).iter().map(|&v| libm::expf(v)).sum::<f32>());
    });
    let mut buf = logits.clone();
    best(&format!("{n} 4096 × math::expf (exp_slice)"), 200, 20, || {
        buf.copy_from_slice(black_box(&logits));
        selfsup_core::math::exp_slice(&mut buf);
        black_box(&buf);
    });
    let mut t = Trainer::new(
        enc.clone(),
        InfoNce::new(0.2, Const, Const::<64>).unwrap(),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        aug.clone(),
        (Const::<2>, Const::<2>, Const::<64>),
    );
    best(&format!("{n} full step"), 200, 20, || {
        black_box(t.step(black_box(&x), &mut rng));
    });

    // (b) 64→16, B=256, NT-Xent, f32, Dyn
    let (d, k, b) = (64, 16, 256);
    let mut x = DMatrix::<f32>::zeros(d, b);
    fill_normal(&mut rng, x.as_mut_slice(), 0.0, 1.0);
    let enc = Linear::<f32, Dyn, Dyn>::new(Dyn(k), Dyn(d), Init::XavierNormal, Bias::No, &mut rng);
    let aug: Pipeline = "noise:0.1".parse().unwrap();
    let n = "b 64→16 B=256 NT-Xent f32 Dyn";
    let (mut va, mut vb) = (x.clone(), x.clone());
    best(&format!("{n} augment (2 views)"), 30, 3, || {
        aug.apply(black_box(&x), &mut va, &mut rng);
        aug.apply(black_box(&x), &mut vb, &mut rng);
    });
    let (mut za, mut zb) = (DMatrix::<f32>::zeros(k, b), DMatrix::<f32>::zeros(k, b));
    best(&format!("{n} encode (2 views)"), 30, 3, || {
        Encoder::<f32, Dyn, Dyn, Dyn>::forward(&enc, black_box(&va), &mut za, &mut ());
        Encoder::<f32, Dyn, Dyn, Dyn>::forward(&enc, black_box(&vb), &mut zb, &mut ());
    });
    let mut loss = NtXent::<f32, Dyn, Dyn>::new(0.5, Dyn(k), Dyn(b)).unwrap();
    let (mut ga, mut gb) = (za.clone(), zb.clone());
    best(&format!("{n} loss (forward only)"), 30, 1, || {
        black_box(loss.loss(black_box(&za), black_box(&zb)));
    });
    best(&format!("{n} loss_grad"), 30, 1, || {
        black_box(loss.loss_grad(black_box(&za), black_box(&zb), &mut ga, &mut gb));
    });
    let logits: Vec<f32> = (0..4 * b * b).map(|i| (i % 97) as f32 * -0.05).collect();
    best(&format!("{n} 4·B² × libm::expf"), 30, 1, || {
        black_box(black_box(&logits).iter().map(|&v| libm::expf(v)).sum::<f32>());
    });
    let mut buf = logits.clone();
    best(&format!("{n} 4·B² × math::expf (exp_slice)"), 30, 1, || {
        buf.copy_from_slice(black_box(&logits));
        selfsup_core::math::exp_slice(&mut buf);
        black_box(&buf);
    });
    let mut grad = enc.zeros_like();
    best(&format!("{n} backward (2 views)"), 30, 3, || {
        grad.clear();
        Encoder::<f32, Dyn, Dyn, Dyn>::backward(&enc, black_box(&va), &mut (), &ga, &mut grad, None);
        Encoder::<f32, Dyn, Dyn, Dyn>::backward(&enc, black_box(&vb), &mut (), &gb, &mut grad, None);
    });
    let mut t = Trainer::new(
        enc.clone(),
        NtXent::new(0.5, Dyn(k), Dyn(b)).unwrap(),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        aug.clone(),
        (Dyn(d), Dyn(k), Dyn(b)),
    );
    best(&format!("{n} full step"), 30, 1, || {
        black_box(t.step(black_box(&x), &mut rng));
    });
    mlp_step(&mut rng, 30);
}

/// (c) MLP 64→128→16 (ReLU, biases), B = 256, NT-Xent τ = 0.5, SGD, Gaussian noise 0.1, f32,
/// `Dyn`: one full step, best and median of `reps`.
fn mlp_step(rng: &mut selfsup_core::rng::Rng, reps: usize) -> (f64, f64) {
    let (d, h, k, b) = (64, 128, 16, 256);
    let mut x = DMatrix::<f32>::zeros(d, b);
    fill_normal(rng, x.as_mut_slice(), 0.0, 1.0);
    let enc = Mlp::<f32, Dyn, Dyn, Dyn>::new(Dyn(d), Dyn(h), Dyn(k), rng);
    let aug: Pipeline = "noise:0.1".parse().unwrap();
    let mut t = Trainer::new(
        enc,
        NtXent::new(0.5, Dyn(k), Dyn(b)).unwrap(),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        aug,
        (Dyn(d), Dyn(k), Dyn(b)),
    );
    let r = time(reps, 1, || {
        black_box(t.step(black_box(&x), rng));
    });
    println!(
        "{:52} best {:10.2} µs   median {:10.2} µs",
        "c MLP 64→128→16 B=256 NT-Xent f32 Dyn full step", r.0, r.1
    );
    r
}

/// The three full steps of the peer comparison, as `PEER` lines.
fn peers() {
    let mut rng = seeded(1);
    type X = SMatrix<f32, 2, 64>;
    let mut x = X::zeros();
    fill_ring(&mut rng, x.as_mut_slice(), None);
    let enc =
        Linear::<f32, Const<2>, Const<2>>::new(Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
    let mut t = Trainer::new(
        enc,
        InfoNce::new(0.2, Const, Const::<64>).unwrap(),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        Pipeline::reference_ring(),
        (Const::<2>, Const::<2>, Const::<64>),
    );
    let (b, m) = time(300, 50, || {
        black_box(t.step(black_box(&x), &mut rng));
    });
    println!("PEER ring {b:.3} {m:.3}");
    let (d, k, bs) = (64, 16, 256);
    let mut x = DMatrix::<f32>::zeros(d, bs);
    fill_normal(&mut rng, x.as_mut_slice(), 0.0, 1.0);
    let enc = Linear::<f32, Dyn, Dyn>::new(Dyn(k), Dyn(d), Init::XavierNormal, Bias::No, &mut rng);
    let mut t = Trainer::new(
        enc,
        NtXent::new(0.5, Dyn(k), Dyn(bs)).unwrap(),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        "noise:0.1".parse::<Pipeline>().unwrap(),
        (Dyn(d), Dyn(k), Dyn(bs)),
    );
    let (b, m) = time(60, 1, || {
        black_box(t.step(black_box(&x), &mut rng));
    });
    println!("PEER linear {b:.3} {m:.3}");
    let (b, m) = mlp_step(&mut rng, 60);
    println!("PEER mlp {b:.3} {m:.3}");
}
