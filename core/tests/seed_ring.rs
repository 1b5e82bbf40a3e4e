//! The seed's second program, reproduced: a linear InfoNCE encoder 2→2 on the ring.
//!
//! Configuration exactly as in the seed: N = 1024 ring points (`synth::fill_ring`), a linear
//! encoder without bias, `W ~ N(0, 0.1²)`, B = 64, plain SGD (lr 5e-2, momentum 0, weight decay
//! 1e-4), one-directional InfoNCE with τ = 0.2, 200 epochs, each view = rotation by
//! `U(−0.25, 0.25)` then `N(0, 0.05²)` noise, reshuffled every epoch. The seed's generator is
//! mt19937(123); ours is Xoshiro256++ seeded with 123, so the draws differ but follow the same
//! distributions.
//!
//! Must show: the final epoch's mean loss ≤ 2.65 (chance: log 64 ≈ 4.16; the best a linear
//! encoder can do under this augmentation is about 2.62), and the learned `W` close to a
//! scaled rotation or reflection: `WᵀW ≈ c I`.
//!
//! Run in f64 with `Dyn` sizes and in f32 with `Const` sizes (the device configuration). A
//! counting global allocator checks that, once the trainer exists, the 200 epochs (shuffle,
//! gather, augment, step) make no heap allocation with `Const` sizes, and exactly one per
//! epoch (the gathered batch) with `Dyn` sizes.

use nalgebra::{Const, DefaultAllocator, Dim, Dyn, Matrix2};
use selfsup_core::Real;
use selfsup_core::augment::Pipeline;
use selfsup_core::dims::Dims;
use selfsup_core::encoder::{Bias, Init, Linear};
use selfsup_core::loss::InfoNce;
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::seeded;
use selfsup_core::synth::fill_ring;
use selfsup_core::train::{Learner, Trainer, identity_order};

#[path = "support/counting_alloc.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

const N: usize = 1024;
const EPOCHS: usize = 200;

struct Outcome {
    first: f64,
    last: f64,
    w0: Matrix2<f64>,
    w: Matrix2<f64>,
}

/// `(‖WᵀW/c − I‖_F, c)` with `c = tr(WᵀW)/2`: 0 exactly when `W` is `√c` times an orthogonal
/// matrix (a rotation, or a reflection when `det W < 0`; InfoNCE cannot tell them apart).
fn anisotropy(w: &Matrix2<f64>) -> (f64, f64) {
    let g = w.transpose() * w;
    let c = g.trace() / 2.0;
    ((g / c - Matrix2::identity()).norm(), c)
}

fn train<T: Real, D2: Dim, B: Dim>(d2: D2, b: B, allocs_per_epoch: usize) -> Outcome
where
    DefaultAllocator: Dims<D2, D2, B>,
{
    let mut rng = seeded(123);
    let mut data = vec![T::zero(); 2 * N];
    fill_ring(&mut rng, &mut data, None);
    let enc = Linear::<T, D2, D2>::new(d2, d2, Init::Normal { std: 0.1 }, Bias::No, &mut rng);
    let w0 = Matrix2::from_fn(|i, j| enc.w[(i, j)].to_f64());
    let mut t = Trainer::new(
        enc,
        InfoNce::new(0.2, d2, b),
        Optimizer::sgd(5e-2, 0.0, 1e-4),
        "rotate:0.25,noise:0.05".parse::<Pipeline>().unwrap(),
        (d2, d2, b),
    );
    assert_eq!(t.views.augment, Pipeline::reference_ring());
    let mut order = [0usize; N];
    identity_order(&mut order);
    let mut losses = Vec::with_capacity(EPOCHS);
    let mut allocs = 0;
    for e in 1..=EPOCHS {
        let before = counting::allocations();
        let l = t.epoch(&data, &mut order, &mut rng).to_f64();
        allocs += counting::allocations() - before;
        if e % 20 == 0 || e == 1 {
            println!("Epoch {e}: InfoNCE loss = {l:.6}");
        }
        losses.push(l);
    }
    assert_eq!(t.steps(), (EPOCHS * N / 64) as u64);
    assert_eq!(allocs, (EPOCHS * allocs_per_epoch) as u64, "allocations in the training loop");
    let w = Matrix2::from_fn(|i, j| t.encoder.w[(i, j)].to_f64());
    Outcome { first: losses[0], last: *losses.last().unwrap(), w0, w }
}

fn check(name: &str, o: &Outcome) {
    let w = o.w;
    let (dev, c) = anisotropy(&w);
    let (dev0, _) = anisotropy(&o.w0);
    let det = w.determinant();
    println!("{name}: first epoch {:.4}, final epoch {:.4}", o.first, o.last);
    println!("{name}: W = [[{:.4}, {:.4}], [{:.4}, {:.4}]]", w[(0, 0)], w[(0, 1)], w[(1, 0)], w[(1, 1)]);
    println!("{name}: WᵀW / c with c = {c:.4}: ‖WᵀW/c − I‖ = {dev:.4} (at init {dev0:.4}), det W = {det:.4}");
    assert!(o.last <= 2.65, "{name}: final epoch loss {} > 2.65", o.last);
    // Over seeds 1–12 the trained value lies in 0.02–0.09; a random init is typically 0.3–1.
    assert!(dev < 0.15, "{name}: W is not a scaled rotation: ‖WᵀW/c − I‖ = {dev}");
    // |det W| = c for a scaled orthogonal matrix.
    assert!(det.abs() > 0.95 * c, "{name}: W is far from orthogonal (det {det}, c {c})");
}

#[test]
fn ring_infonce_f64_dyn() {
    let o = train::<f64, Dyn, Dyn>(Dyn(2), Dyn(64), 1);
    check("f64 Dyn", &o);
}

#[test]
fn ring_infonce_f32_const() {
    let o = train::<f32, Const<2>, Const<64>>(Const, Const, 0);
    check("f32 Const", &o);
}
