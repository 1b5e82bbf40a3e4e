//! One pretraining epoch per method, end to end through core's one epoch loop
//! ([`Learner::epoch`]: shuffle, gather, augment, forward, loss, backward, optimizer), so that a
//! regression anywhere in a method's step shows up here even when the kernels' own benches do
//! not move.
//!
//! Digits-sized data: 1,258 rows of 64 features (the training split of `data/digits.csv` at
//! probe's default 30 % test split), standard normal entries (what probe's standardization
//! gives; the cost does not depend on the values). Probe's MLP configuration, f32, `Dyn`
//! sizes: encoder 64 → 128 → 16, head 16 → 64 → 16, BYOL's and SimSiam's predictor
//! 16 → 32 → 16, batch 128 (9 steps an epoch, the last partial batch dropped), Adam 3e-3 with
//! weight decay 1e-4, augmentation `noise:0.1,scarf:0.4`; τ = 0.5 for InfoNCE and NT-Xent,
//! λ = 1/16 for Barlow Twins, lightly's VICReg weights, BYOL's τ_base = 0.99 over 500 epochs.
//! The autoencoder is linear (64 → 16 → 64, no augmentation), as probe trains it.
//!
//! `cargo bench -p selfsup-core --features alloc --bench epoch`
//! (measurements: `BENCHMARKS.md`, "One pretraining epoch per method").

use criterion::{Criterion, criterion_group, criterion_main};
use nalgebra::Dyn;
use selfsup_core::augment::Pipeline;
use selfsup_core::encoder::{Bias, Init, Mlp, WithHead};
use selfsup_core::loss::{BarlowTwins, InfoNce, LinearAutoencoder, NtXent, VicReg};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{Rng, fill_normal, seeded};
use selfsup_core::train::byol::TAU_BASE;
use selfsup_core::train::siamese::Siamese;
use selfsup_core::train::{AeTrainer, Learner, Trainer, identity_order};
use std::hint::black_box;

const ROWS: usize = 1258;
const D: usize = 64;
const HIDDEN: usize = 128;
const K: usize = 16;
const HEAD_HIDDEN: usize = 64;
const PREDICTOR_HIDDEN: usize = 32;
const B: usize = 128;
const EPOCHS: usize = 500;

type M = Mlp<f32, Dyn, Dyn, Dyn>;
type Net = WithHead<M, M, Dyn>;

/// Encoder and head, drawn in probe's order (f, then g).
fn net(rng: &mut Rng) -> Net {
    let f = M::new(Dyn(D), Dyn(HIDDEN), Dyn(K), rng);
    let g = M::new(Dyn(K), Dyn(HEAD_HIDDEN), Dyn(K), rng);
    WithHead::new(f, g, Dyn(K))
}

/// The learner of `method`, built from `rng`.
fn learner(method: &str, rng: &mut Rng) -> Box<dyn Learner<f32, Dyn, Dyn>> {
    let opt = || Optimizer::adam(3e-3, 1e-4);
    let aug: Pipeline = "noise:0.1,scarf:0.4".parse().expect("a valid augmentation");
    let shape = (Dyn(D), Dyn(K), Dyn(B));
    let (k, b) = (Dyn(K), Dyn(B));
    match method {
        "infonce" => Box::new(Trainer::new(net(rng), InfoNce::new(0.5, k, b).unwrap(), opt(), aug, shape)),
        "ntxent" => Box::new(Trainer::new(net(rng), NtXent::new(0.5, k, b).unwrap(), opt(), aug, shape)),
        "barlow" => {
            let lambda = BarlowTwins::<f32, Dyn, Dyn>::lambda_for_dim(K);
            Box::new(Trainer::new(net(rng), BarlowTwins::new(lambda, k, b).unwrap(), opt(), aug, shape))
        }
        "vicreg" => Box::new(Trainer::new(net(rng), VicReg::lightly(k, b).unwrap(), opt(), aug, shape)),
        "byol" => {
            let n = net(rng);
            let q = M::new(k, Dyn(PREDICTOR_HIDDEN), k, rng);
            Box::new(Siamese::byol(n, q, opt(), aug, shape, TAU_BASE, EPOCHS * (ROWS / B)))
        }
        "simsiam" => {
            let n = net(rng);
            let q = M::new(k, Dyn(PREDICTOR_HIDDEN), k, rng);
            Box::new(Siamese::simsiam(n, q, opt(), aug, shape))
        }
        "ae" => {
            let ae = LinearAutoencoder::new(k, Dyn(D), Init::Normal { std: 0.1 }, Bias::No, rng);
            Box::new(AeTrainer::new(ae, opt(), b))
        }
        _ => unreachable!("a method of METHODS"),
    }
}

const METHODS: [&str; 7] = ["infonce", "ntxent", "byol", "simsiam", "barlow", "vicreg", "ae"];

fn epochs(c: &mut Criterion) {
    let mut rng = seeded(3);
    let mut data = vec![0.0f32; ROWS * D];
    fill_normal(&mut rng, &mut data, 0.0, 1.0);
    let mut g = c.benchmark_group("epoch_mlp_digits_b128_f32");
    g.sample_size(20);
    for method in METHODS {
        let mut l = learner(method, &mut rng);
        let mut order = vec![0usize; ROWS];
        identity_order(&mut order);
        g.bench_function(method, |bn| bn.iter(|| l.epoch(black_box(&data), &mut order, &mut rng)));
    }
    g.finish();
}

criterion_group!(benches, epochs);
criterion_main!(benches);
