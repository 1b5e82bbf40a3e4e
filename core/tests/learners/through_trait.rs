//! Every method through the one [`Learner`] interface gives the bits of the hand-written loop
//! it replaces: shuffle the order, gather each full batch, draw view 1 then view 2 from the
//! same generator, one step on the views; the epoch's mean loss summed in `T`.
//!
//! Covered: the contrastive `Trainer` (NT-Xent and VICReg), BYOL and SimSiam with an MLP and
//! a projection head (the probe's networks, `Dyn` sizes, f32), and the linear autoencoder (no
//! views).

use nalgebra::{DMatrix, Dyn};
use selfsup_core::augment::Pipeline;
use selfsup_core::encoder::{Bias, Init, Mlp, WithHead};
use selfsup_core::loss::{LinearAutoencoder, NtXent, VicReg};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{Rng, fill_normal, seeded, shuffle};
use selfsup_core::train::Siamese;
use selfsup_core::train::siamese::Target;
use selfsup_core::train::{AeTrainer, Learner, Trainer, gather, identity_order};

const D: usize = 5;
const K: usize = 3;
const B: usize = 8;
const N: usize = 4 * B + 3; // a partial last batch, dropped
const EPOCHS: usize = 3;

type Net = WithHead<Mlp<f32, Dyn, Dyn, Dyn>, Mlp<f32, Dyn, Dyn, Dyn>, Dyn>;
type Pred = Mlp<f32, Dyn, Dyn, Dyn>;

fn data() -> Vec<f32> {
    let mut x = vec![0.0f32; D * N];
    fill_normal(&mut seeded(11), &mut x, 0.0, 1.0);
    x
}

fn aug() -> Pipeline {
    "noise:0.1,scarf:0.3".parse().unwrap()
}

fn net(rng: &mut Rng) -> Net {
    let f = Mlp::new(Dyn(D), Dyn(8), Dyn(4), rng);
    let g = Mlp::new(Dyn(4), Dyn(8), Dyn(K), rng);
    WithHead::new(f, g, Dyn(4))
}

fn pred(rng: &mut Rng) -> Pred {
    Mlp::new(Dyn(K), Dyn(8), Dyn(K), rng)
}

/// `EPOCHS` epochs through [`Learner::epoch`]: the mean losses' bits.
fn by_trait(l: &mut dyn Learner<f32, Dyn, Dyn>, rng: &mut Rng) -> Vec<u32> {
    let x = data();
    let mut order = vec![0usize; N];
    identity_order(&mut order);
    (0..EPOCHS).map(|_| l.epoch(&x, &mut order, rng).to_bits()).collect()
}

/// The hand-written loop: `step_views(a, b)` on views drawn by `aug` (`None`: the batch
/// itself, for the autoencoder).
fn by_hand(
    aug: Option<&Pipeline>,
    rng: &mut Rng,
    mut step_views: impl FnMut(&DMatrix<f32>, &DMatrix<f32>) -> f32,
) -> Vec<u32> {
    let x = data();
    let mut order: Vec<usize> = (0..N).collect();
    let mut batch = DMatrix::<f32>::zeros(D, B);
    let (mut va, mut vb) = (batch.clone(), batch.clone());
    let mut means = Vec::new();
    for _ in 0..EPOCHS {
        shuffle(rng, &mut order);
        let mut sum = 0.0f32;
        for idx in order.chunks_exact(B) {
            gather(&x, D, idx, batch.as_mut_slice());
            sum += match aug {
                Some(p) => {
                    p.apply(&batch, &mut va, rng);
                    p.apply(&batch, &mut vb, rng);
                    step_views(&va, &vb)
                }
                None => step_views(&batch, &batch),
            };
        }
        means.push((sum / (N / B) as f32).to_bits());
    }
    means
}

/// BYOL's target network.
fn target(byol: &Siamese<f32, Dyn, Dyn, Dyn, Net, Pred>) -> &Net {
    let Target::Moving(t) = &byol.target else { unreachable!("BYOL has a moving target") };
    &t.net
}

fn shape() -> (Dyn, Dyn, Dyn) {
    (Dyn(D), Dyn(K), Dyn(B))
}

#[test]
fn contrastive_trainer_through_learner_matches_the_hand_written_loop() {
    let opt = Optimizer::adam(1e-2, 1e-4);
    let make = |rng: &mut Rng| {
        Trainer::new(net(rng), NtXent::new(0.5, Dyn(K), Dyn(B)).unwrap(), opt, aug(), shape())
    };
    let (mut r1, mut r2) = (seeded(3), seeded(3));
    let (mut t1, mut t2) = (make(&mut r1), make(&mut r2));
    let a = by_trait(&mut t1, &mut r1);
    let b = by_hand(Some(&aug()), &mut r2, |va, vb| t2.step_views(va, vb));
    assert_eq!(a, b);
    assert_eq!(format!("{:?}", t1.encoder), format!("{:?}", t2.encoder));
    assert_eq!(t1.steps(), (EPOCHS * (N / B)) as u64);

    let make =
        |rng: &mut Rng| Trainer::new(net(rng), VicReg::lightly(Dyn(K), Dyn(B)).unwrap(), opt, aug(), shape());
    let (mut r1, mut r2) = (seeded(4), seeded(4));
    let (mut t1, mut t2) = (make(&mut r1), make(&mut r2));
    assert_eq!(by_trait(&mut t1, &mut r1), by_hand(Some(&aug()), &mut r2, |va, vb| t2.step_views(va, vb)));
    assert_eq!(format!("{:?}", t1.encoder), format!("{:?}", t2.encoder));
}

#[test]
fn byol_through_learner_matches_the_hand_written_loop() {
    let opt = Optimizer::adam(3e-3, 0.0);
    let make = |rng: &mut Rng| {
        let n = net(rng);
        Siamese::byol(n, pred(rng), opt, aug(), shape(), 0.99, EPOCHS * (N / B))
    };
    let (mut r1, mut r2) = (seeded(5), seeded(5));
    let (mut l1, mut l2) = (make(&mut r1), make(&mut r2));
    let a = by_trait(&mut l1, &mut r1);
    let b = by_hand(Some(&aug()), &mut r2, |va, vb| l2.step_views(va, vb));
    assert_eq!(a, b);
    assert_eq!(
        format!("{:?}", (&l1.net, &l1.predictor, target(&l1))),
        format!("{:?}", (&l2.net, &l2.predictor, target(&l2)))
    );
    assert_eq!(l1.steps(), l2.steps());
}

#[test]
fn simsiam_through_learner_matches_the_hand_written_loop() {
    let opt = Optimizer::adam(3e-3, 0.0);
    let make = |rng: &mut Rng| {
        let n = net(rng);
        Siamese::simsiam(n, pred(rng), opt, aug(), shape())
    };
    let (mut r1, mut r2) = (seeded(6), seeded(6));
    let (mut l1, mut l2) = (make(&mut r1), make(&mut r2));
    let a = by_trait(&mut l1, &mut r1);
    let b = by_hand(Some(&aug()), &mut r2, |va, vb| l2.step_views(va, vb));
    assert_eq!(a, b);
    assert_eq!(format!("{:?}", (&l1.net, &l1.predictor)), format!("{:?}", (&l2.net, &l2.predictor)));
}

#[test]
fn autoencoder_through_learner_matches_the_hand_written_loop() {
    let opt = Optimizer::sgd(1e-2, 0.0, 1e-4);
    let make = |rng: &mut Rng| {
        let ae = LinearAutoencoder::new(Dyn(K), Dyn(D), Init::Normal { std: 0.1 }, Bias::No, rng);
        AeTrainer::new(ae, opt, Dyn(B))
    };
    let (mut r1, mut r2) = (seeded(7), seeded(7));
    let (mut l1, mut l2) = (make(&mut r1), make(&mut r2));
    let a = by_trait(&mut l1, &mut r1);
    let mut buf = selfsup_core::loss::AeBuffers::new(Dyn(K), Dyn(D), Dyn(B));
    let b = by_hand(None, &mut r2, |x, _| l2.step_batch(x, &mut buf));
    assert_eq!(a, b);
    assert_eq!(l1.ae, l2.ae);
    assert_eq!(l1.steps(), l2.steps());
}

/// The trait holds any learner behind one pointer type, and a dataset smaller than a batch
/// gives NaN without a step.
#[test]
fn learners_are_dyn_compatible_and_need_one_full_batch() {
    let mut rng = seeded(8);
    let opt = Optimizer::adam(1e-3, 0.0);
    let n = net(&mut rng);
    let p = pred(&mut rng);
    let mut learners: Vec<Box<dyn Learner<f32, Dyn, Dyn>>> = vec![
        Box::new(Trainer::new(net(&mut rng), NtXent::new(0.5, Dyn(K), Dyn(B)).unwrap(), opt, aug(), shape())),
        Box::new(Siamese::simsiam(n, p, opt, aug(), shape())),
    ];
    let x = data();
    for l in &mut learners {
        assert_eq!(l.batch_shape(), (Dyn(D), Dyn(B)));
        let mut few: Vec<usize> = (0..B - 1).collect();
        assert!(l.epoch(&x[..D * (B - 1)], &mut few, &mut rng).is_nan());
        assert_eq!(l.steps(), 0);
    }
}
