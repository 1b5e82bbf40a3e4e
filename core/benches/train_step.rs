//! One training step, and its pieces, for the two configurations of the core issue:
//!
//! - (a) the reference programs' ring: linear 2→2, B = 64, one-directional InfoNCE (τ = 0.2), plain SGD,
//!   augmentation rotate then noise, f32, `Const` sizes;
//! - (b) 64→16, B = 256, NT-Xent (τ = 0.5), SGD, Gaussian noise 0.1, f32, `Dyn` sizes.
//!
//! `cargo bench -p selfsup-core --features alloc --bench train_step`
//!
//! Pieces: `augment` (both views), `encode` (both forwards), `loss_grad`, `backward` (both
//! branches' weight gradients), and the full `step` (augment + encode + loss + backward +
//! update). Measurements, the peers (PyTorch, the reference C++ program) and what limits each
//! figure: `BENCHMARKS.md` (from `--bench step_min` and `benches/peers/peers.py`).

use criterion::{Criterion, criterion_group, criterion_main};
use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::augment::Pipeline;
use selfsup_core::encoder::{Bias, Encoder, Init, Linear};
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{fill_normal, seeded};
use selfsup_core::synth::fill_ring;
use selfsup_core::train::{Learner, Trainer};
use std::hint::black_box;

fn ring(c: &mut Criterion) {
    type X = SMatrix<f32, 2, 64>;
    let mut rng = seeded(1);
    let mut x = X::zeros();
    fill_ring(&mut rng, x.as_mut_slice(), None);
    let enc =
        Linear::<f32, Const<2>, Const<2>>::new(Const, Const, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
    let aug = Pipeline::reference_ring();
    let mut g = c.benchmark_group("a_ring_2to2_b64_infonce_f32_const");

    let (mut va, mut vb) = (X::zeros(), X::zeros());
    g.bench_function("augment", |bn| {
        bn.iter(|| {
            aug.apply(black_box(&x), &mut va, &mut rng);
            aug.apply(black_box(&x), &mut vb, &mut rng);
        })
    });
    let (mut za, mut zb) = (X::zeros(), X::zeros());
    g.bench_function("encode", |bn| {
        bn.iter(|| {
            Encoder::forward(&enc, black_box(&va), &mut za, &mut ());
            Encoder::forward(&enc, black_box(&vb), &mut zb, &mut ());
        })
    });
    let mut loss = InfoNce::<f32, Const<2>, Const<64>>::new(0.2, Const, Const).unwrap();
    let (mut ga, mut gb) = (X::zeros(), X::zeros());
    g.bench_function("loss_grad", |bn| {
        bn.iter(|| loss.loss_grad(black_box(&za), black_box(&zb), &mut ga, &mut gb))
    });
    // The floor set by libm: the B² exponentials of the softmax.
    let logits: Vec<f32> = (0..64 * 64).map(|i| (i % 97) as f32 * 0.05 - 2.0).collect();
    g.bench_function("expf_x4096", |bn| {
        bn.iter(|| black_box(&logits).iter().map(|&v| libm::expf(v)).fold(0.0f32, |a, e| a + e))
    });
    let mut grad = enc.zeros_like();
    g.bench_function("backward", |bn| {
        bn.iter(|| {
            grad.clear();
            Encoder::backward(&enc, black_box(&va), &mut (), &ga, &mut grad, None);
            Encoder::backward(&enc, black_box(&vb), &mut (), &gb, &mut grad, None);
        })
    });
    let mut t = Trainer::new(
        enc.clone(),
        InfoNce::new(0.2, Const, Const::<64>).unwrap(),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        aug.clone(),
        (Const::<2>, Const::<2>, Const::<64>),
    );
    g.bench_function("step", |bn| bn.iter(|| t.step(black_box(&x), &mut rng)));
    g.finish();
}

fn wide(c: &mut Criterion) {
    let (d, k, b) = (64, 16, 256);
    let mut rng = seeded(2);
    let mut x = DMatrix::<f32>::zeros(d, b);
    fill_normal(&mut rng, x.as_mut_slice(), 0.0, 1.0);
    let enc = Linear::<f32, Dyn, Dyn>::new(Dyn(k), Dyn(d), Init::XavierNormal, Bias::No, &mut rng);
    let aug: Pipeline = "noise:0.1".parse().unwrap();
    let mut g = c.benchmark_group("b_64to16_b256_ntxent_f32_dyn");
    g.sample_size(50);

    let (mut va, mut vb) = (x.clone(), x.clone());
    g.bench_function("augment", |bn| {
        bn.iter(|| {
            aug.apply(black_box(&x), &mut va, &mut rng);
            aug.apply(black_box(&x), &mut vb, &mut rng);
        })
    });
    let (mut za, mut zb) = (DMatrix::<f32>::zeros(k, b), DMatrix::<f32>::zeros(k, b));
    g.bench_function("encode", |bn| {
        bn.iter(|| {
            Encoder::<f32, Dyn, Dyn, Dyn>::forward(&enc, black_box(&va), &mut za, &mut ());
            Encoder::<f32, Dyn, Dyn, Dyn>::forward(&enc, black_box(&vb), &mut zb, &mut ());
        })
    });
    let mut loss = NtXent::<f32, Dyn, Dyn>::new(0.5, Dyn(k), Dyn(b)).unwrap();
    let (mut ga, mut gb) = (za.clone(), zb.clone());
    g.bench_function("loss_grad", |bn| {
        bn.iter(|| loss.loss_grad(black_box(&za), black_box(&zb), &mut ga, &mut gb))
    });
    let mut grad = enc.zeros_like();
    g.bench_function("backward", |bn| {
        bn.iter(|| {
            grad.clear();
            Encoder::<f32, Dyn, Dyn, Dyn>::backward(&enc, black_box(&va), &mut (), &ga, &mut grad, None);
            Encoder::<f32, Dyn, Dyn, Dyn>::backward(&enc, black_box(&vb), &mut (), &gb, &mut grad, None);
        })
    });
    let mut t = Trainer::new(
        enc.clone(),
        NtXent::new(0.5, Dyn(k), Dyn(b)).unwrap(),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        aug.clone(),
        (Dyn(d), Dyn(k), Dyn(b)),
    );
    g.bench_function("step", |bn| bn.iter(|| t.step(black_box(&x), &mut rng)));
    g.finish();
}

criterion_group!(benches, ring, wide);
criterion_main!(benches);
