//! With `Const` sizes, the non-contrastive learners allocate nothing once built: BYOL and
//! SimSiam steps, and the contrastive [`Trainer`] driving an MLP with a projection head under
//! Barlow Twins or VICReg. Each also learns (its loss falls) on the reference programs' ring.

use nalgebra::{Const, SMatrix};
use selfsup_core::augment::Pipeline;
use selfsup_core::encoder::{Mlp, WithHead};
use selfsup_core::loss::{BarlowTwins, VicReg};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{Rng, seeded};
use selfsup_core::synth::fill_ring;
use selfsup_core::train::Siamese;
use selfsup_core::train::Trainer;

use crate::counting;

const B: usize = 32;
type X = SMatrix<f32, 2, B>;
type F = Mlp<f32, Const<2>, Const<16>, Const<4>>;
type G = Mlp<f32, Const<4>, Const<16>, Const<4>>;
type Net = WithHead<F, G, Const<4>>;

fn net(rng: &mut Rng) -> Net {
    WithHead::new(F::new(Const, Const, Const, rng), G::new(Const, Const, Const, rng), Const)
}

/// Two augmented views of a fresh ring batch (no allocation).
fn views(rng: &mut Rng, aug: &Pipeline, x: &mut X, a: &mut X, b: &mut X) {
    fill_ring(rng, x.as_mut_slice(), None);
    aug.apply(x, a, rng);
    aug.apply(x, b, rng);
}

/// Runs `steps` steps of `step`, returning (mean loss of the first 20, of the last 20,
/// allocations during the loop).
fn run(mut step: impl FnMut(&X, &X) -> f32) -> (f32, f32, u64) {
    let mut rng = seeded(61);
    let aug = Pipeline::reference_ring();
    let (mut x, mut a, mut b) = (X::zeros(), X::zeros(), X::zeros());
    let mut losses = [0.0f32; 200];
    let before = counting::allocations();
    for l in losses.iter_mut() {
        views(&mut rng, &aug, &mut x, &mut a, &mut b);
        *l = step(&a, &b);
    }
    let allocs = counting::allocations() - before;
    let first = losses[..20].iter().sum::<f32>() / 20.0;
    let last = losses[180..].iter().sum::<f32>() / 20.0;
    (first, last, allocs)
}

#[test]
fn byol_step_allocates_nothing_and_learns() {
    let mut rng = seeded(62);
    let pred = G::new(Const, Const, Const, &mut rng);
    let opt = Optimizer::adam(3e-3, 0.0);
    let shape = (Const, Const, Const);
    let mut byol = Siamese::<f32, Const<2>, Const<4>, Const<B>, Net, G>::byol(
        net(&mut rng),
        pred,
        opt,
        Pipeline::new(),
        shape,
        0.99,
        200,
    );
    let (first, last, allocs) = run(|a, b| byol.step_views(a, b));
    assert_eq!(allocs, 0);
    assert!(last < first, "{first} -> {last}");
}

#[test]
fn simsiam_step_allocates_nothing_and_learns() {
    let mut rng = seeded(63);
    let pred = G::new(Const, Const, Const, &mut rng);
    let opt = Optimizer::adam(3e-3, 0.0);
    let shape = (Const, Const, Const);
    let mut s = Siamese::<f32, Const<2>, Const<4>, Const<B>, Net, G>::simsiam(
        net(&mut rng),
        pred,
        opt,
        Pipeline::new(),
        shape,
    );
    let (first, last, allocs) = run(|a, b| s.step_views(a, b));
    assert_eq!(allocs, 0);
    assert!(last < first, "{first} -> {last}");
}

#[test]
fn barlow_twins_and_vicreg_train_an_mlp_with_head_without_allocating() {
    let mut rng = seeded(64);
    let bt = BarlowTwins::<f32, Const<4>, Const<B>>::new(0.25, Const, Const).unwrap();
    let mut t = Trainer::new(
        net(&mut rng),
        bt,
        Optimizer::adam(3e-3, 0.0),
        Pipeline::new(),
        (Const, Const, Const::<B>),
    );
    let (first, last, allocs) = run(|a, b| t.step_views(a, b));
    assert_eq!(allocs, 0);
    assert!(last < first, "barlow {first} -> {last}");

    let vr = VicReg::<f32, Const<4>, Const<B>>::lightly(Const, Const).unwrap();
    let mut t = Trainer::new(
        net(&mut rng),
        vr,
        Optimizer::adam(3e-3, 0.0),
        Pipeline::new(),
        (Const, Const, Const::<B>),
    );
    let (first, last, allocs) = run(|a, b| t.step_views(a, b));
    assert_eq!(allocs, 0);
    assert!(last < first, "vicreg {first} -> {last}");
}
