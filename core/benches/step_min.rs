//! Best-of-N timings of the same pieces as `train_step`, for a machine shared with other jobs:
//! criterion reports means, which other processes inflate; the minimum over many runs is the
//! closest to the cost on an idle core.
//!
//! `cargo bench -p selfsup-core --features alloc --bench step_min`

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::augment::Pipeline;
use selfsup_core::encoder::{Bias, Encoder, Init, Linear};
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{fill_normal, seeded};
use selfsup_core::synth::fill_ring;
use selfsup_core::train::{Learner, Trainer};
use std::hint::black_box;
use std::time::Instant;

/// Minimum over `reps` runs of the mean time of `inner` calls, in microseconds.
fn best<F: FnMut()>(name: &str, reps: usize, inner: usize, mut f: F) {
    let mut b = f64::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        b = b.min(t.elapsed().as_secs_f64() / inner as f64);
    }
    println!("{name:48} {:10.2} µs", b * 1e6);
}

fn main() {
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
    best(&format!("{n} 4096 × libm::expf (floor)"), 200, 20, || {
        black_box(black_box(&logits).iter().map(|&v| libm::expf(v)).sum::<f32>());
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
    best(&format!("{n} 4·B² × libm::expf (floor)"), 30, 1, || {
        black_box(black_box(&logits).iter().map(|&v| libm::expf(v)).sum::<f32>());
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
}
