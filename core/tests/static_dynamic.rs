//! Static equals dynamic: the same training run with `Const` sizes (a device) and with `Dyn`
//! sizes (the host) gives bit-identical losses and weights.
//!
//! 20 steps (4 epochs of 5 batches) of a linear encoder `D = 6 → K`, `B = 16`, for
//! `K ∈ {2, 3, 8, 16}`, with one-directional InfoNCE and with NT-Xent, in f32 and f64. The
//! augmentation pipeline uses all eight operations (time-series ones with 2 channels of 3
//! steps), so their draws are covered too. The InfoNCE runs use plain SGD without bias (the
//! seed's setting); the NT-Xent runs use Adam and a bias.

use nalgebra::{Const, DefaultAllocator, Dim, Dyn};
use selfsup_core::Real;
use selfsup_core::augment::Pipeline;
use selfsup_core::dims::Dims;
use selfsup_core::encoder::{Bias, Init, Linear};
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{fill_normal, seeded};
use selfsup_core::train::{Learner, Trainer, identity_order};

const D: usize = 6;
const B: usize = 16;
const N: usize = 5 * B;
const SPEC: &str = "rotate:0.3,uscale:0.8:1.2,noise:0.1,mask:0.1,scarf:0.3,jitter:0.05,scale:0.2,shift:0.34";

#[derive(Clone, Copy, Debug)]
enum Objective {
    InfoNce,
    NtXent,
}

/// Bits of every loss, then of every weight and bias entry after the run.
fn run<T: Real, K: Dim, Dd: Dim, Bb: Dim>(k: K, d: Dd, b: Bb, objective: Objective) -> Vec<u64>
where
    DefaultAllocator: Dims<K, Dd, Bb>,
{
    match objective {
        Objective::InfoNce => go::<T, K, Dd, Bb, _>(k, d, b, InfoNce::new(0.2, k, b), false),
        Objective::NtXent => go::<T, K, Dd, Bb, _>(k, d, b, NtXent::new(0.5, k, b), true),
    }
}

fn go<T: Real, K: Dim, Dd: Dim, Bb: Dim, L: PairLoss<T, K, Bb>>(
    k: K,
    d: Dd,
    b: Bb,
    loss: L,
    adam_and_bias: bool,
) -> Vec<u64>
where
    DefaultAllocator: Dims<K, Dd, Bb>,
{
    let mut rng = seeded(2024 + k.value() as u64);
    let mut data = vec![T::zero(); D * N];
    fill_normal(&mut rng, &mut data, T::zero(), T::one());
    let enc = Linear::<T, K, Dd>::new(
        k,
        d,
        Init::XavierNormal,
        if adam_and_bias { Bias::Yes } else { Bias::No },
        &mut rng,
    );
    let opt = if adam_and_bias { Optimizer::adam(1e-2, 1e-4) } else { Optimizer::sgd(5e-2, 0.0, 1e-4) };
    let aug = SPEC.parse::<Pipeline>().unwrap().with_channels(2);
    aug.validate(D).unwrap();
    let mut t = Trainer::new(enc, loss, opt, aug, (d, k, b));
    let mut order = [0usize; N];
    identity_order(&mut order);
    let mut bits = Vec::new();
    for _ in 0..4 {
        t.epoch(&data, &mut order, &mut rng);
        // the epoch mean hides nothing: re-evaluate the last views' loss too
        let (za, zb) = t.embeddings();
        let (za, zb) = (za.clone(), zb.clone());
        bits.push(t.loss.loss(&za, &zb).bits());
    }
    assert_eq!(t.steps(), 20);
    // one more step outside `epoch`, on given views, and one through `step`
    let (va, vb) = t.views();
    let (va, vb) = (va.clone(), vb.clone());
    bits.push(t.step_views(&va, &vb).bits());
    bits.push(t.step(&va, &mut rng).bits());
    bits.extend(t.encoder.w.iter().map(|x| x.bits()));
    bits.extend(t.encoder.b.iter().map(|x| x.bits()));
    bits
}

fn compare<const K: usize>() {
    for objective in [Objective::InfoNce, Objective::NtXent] {
        let s = run::<f64, Const<K>, Const<D>, Const<B>>(Const, Const, Const, objective);
        let d = run::<f64, Dyn, Dyn, Dyn>(Dyn(K), Dyn(D), Dyn(B), objective);
        assert_eq!(s, d, "f64 {objective:?} K={K}: Const and Dyn differ");
        let s = run::<f32, Const<K>, Const<D>, Const<B>>(Const, Const, Const, objective);
        let d = run::<f32, Dyn, Dyn, Dyn>(Dyn(K), Dyn(D), Dyn(B), objective);
        assert_eq!(s, d, "f32 {objective:?} K={K}: Const and Dyn differ");
        // mixed: static embedding size, dynamic batch
        let m = run::<f32, Const<K>, Dyn, Dyn>(Const, Dyn(D), Dyn(B), objective);
        assert_eq!(s, m, "f32 {objective:?} K={K}: Const and mixed dims differ");
    }
}

#[test]
fn const_equals_dyn_k2() {
    compare::<2>();
}

#[test]
fn const_equals_dyn_k3() {
    compare::<3>();
}

#[test]
fn const_equals_dyn_k8() {
    compare::<8>();
}

#[test]
fn const_equals_dyn_k16() {
    compare::<16>();
}

/// The check above would pass vacuously if training did nothing: make sure the weights move
/// and the losses are finite.
#[test]
fn the_runs_compared_do_train() {
    // the same draws as `go` makes before training
    let mut rng = seeded(2024 + 3);
    let mut data = vec![0.0f64; D * N];
    fill_normal(&mut rng, &mut data, 0.0, 1.0);
    let enc = Linear::<f64, Const<3>, Const<D>>::new(Const, Const, Init::XavierNormal, Bias::No, &mut rng);
    let w0 = enc.w;
    let bits = run::<f64, Const<3>, Const<D>, Const<B>>(Const, Const, Const, Objective::InfoNce);
    let losses: Vec<f64> = bits[..6].iter().map(|&b| f64::from_bits(b)).collect();
    // InfoNCE lies in (0, 2/τ + ln B]: logits are cosines over τ
    assert!(
        losses.iter().all(|l| l.is_finite() && *l > 0.0 && *l <= 2.0 / 0.2 + (B as f64).ln()),
        "{losses:?}"
    );
    assert!(losses.windows(2).any(|w| w[0] != w[1]));
    let w: Vec<f64> = bits[6..6 + 3 * D].iter().map(|&b| f64::from_bits(b)).collect();
    assert!(w.iter().zip(w0.iter()).any(|(a, b)| a != b));
}
