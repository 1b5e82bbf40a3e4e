//! Fine-tuning (`train::finetune`): the end-to-end gradient of encoder and classifier against
//! central finite differences in f64 (linear and MLP encoders), the frozen encoder stays
//! bit-identical, bad labels change nothing, `Const` = `Dyn` bits, and no allocation on `Const`.

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::encoder::{Bias, Encoder, Init, Linear, Mlp};
use selfsup_core::loss::LabelError;
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{fill_normal, seeded};
use selfsup_core::train::finetune::{EncoderUpdate, FineTune};

#[path = "support/counting_alloc.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

const H: f64 = 1e-6;

/// Fine-tuning with run-time sizes, and a view of one of its parameter blocks.
type Ft<E> = FineTune<f64, Dyn, Dyn, Dyn, Dyn, E>;
type Block<E> = fn(&mut Ft<E>) -> &mut [f64];

fn max_rel(got: &[f64], want: &[f64]) -> f64 {
    let scale = want.iter().fold(1e-9f64, |m, x| m.max(x.abs()));
    got.iter().zip(want).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / scale
}

/// Central differences of the fine-tuning loss with respect to every scalar of `param(ft)`.
fn numeric<E>(ft: &mut Ft<E>, x: &DMatrix<f64>, y: &[usize], param: Block<E>) -> Vec<f64>
where
    E: Encoder<f64, Dyn, Dyn, Dyn>,
{
    (0..param(ft).len())
        .map(|i| {
            let v = param(ft)[i];
            param(ft)[i] = v + H;
            let up = ft.loss(x, y).unwrap();
            param(ft)[i] = v - H;
            let down = ft.loss(x, y).unwrap();
            param(ft)[i] = v;
            (up - down) / (2.0 * H)
        })
        .collect()
}

fn batch(d: usize, b: usize, seed: u64) -> (DMatrix<f64>, Vec<usize>) {
    let mut x = DMatrix::zeros(d, b);
    fill_normal(&mut seeded(seed), x.as_mut_slice(), 0.0, 1.0);
    (x, (0..b).map(|j| (j * 5 + seed as usize) % 3).collect())
}

fn frozen_sgd() -> Optimizer<f64> {
    Optimizer::sgd(0.0, 0.0, 0.0) // lr 0: the step computes gradients and leaves weights alone
}

#[test]
fn linear_encoder_gradients_match_central_differences() {
    for (seed, (d, k, b)) in [(3, 2, 5), (1, 1, 2), (6, 4, 9)].into_iter().enumerate() {
        let mut rng = seeded(seed as u64 + 10);
        let enc = Linear::new(Dyn(k), Dyn(d), Init::XavierNormal, Bias::Yes, &mut rng);
        let cls = Linear::new(Dyn(3), Dyn(k), Init::XavierNormal, Bias::Yes, &mut rng);
        let mut ft = FineTune::new(enc, cls, frozen_sgd(), EncoderUpdate::Train, Dyn(b));
        let (x, y) = batch(d, b, seed as u64);
        ft.step(&x, &y).unwrap();
        let (ge, gc) = ft.gradients();
        let (ge_w, ge_b, gc_w, gc_b) = (
            ge.w.as_slice().to_vec(),
            ge.b.as_slice().to_vec(),
            gc.w.as_slice().to_vec(),
            gc.b.as_slice().to_vec(),
        );
        let checks = [
            (ge_w, numeric(&mut ft, &x, &y, |f| f.encoder.w.as_mut_slice())),
            (ge_b, numeric(&mut ft, &x, &y, |f| f.encoder.b.as_mut_slice())),
            (gc_w, numeric(&mut ft, &x, &y, |f| f.classifier.w.as_mut_slice())),
            (gc_b, numeric(&mut ft, &x, &y, |f| f.classifier.b.as_mut_slice())),
        ];
        for (i, (got, want)) in checks.iter().enumerate() {
            let err = max_rel(got, want);
            assert!(err < 1e-6, "D={d} K={k} B={b}, block {i}: relative error {err}");
        }
    }
}

#[test]
fn mlp_encoder_gradients_match_central_differences() {
    let mut rng = seeded(4);
    let (d, h, k, b) = (3, 5, 2, 6);
    let enc = Mlp::new(Dyn(d), Dyn(h), Dyn(k), &mut rng);
    let cls = Linear::new(Dyn(3), Dyn(k), Init::XavierNormal, Bias::Yes, &mut rng);
    let mut ft = FineTune::new(enc, cls, frozen_sgd(), EncoderUpdate::Train, Dyn(b));
    let (x, y) = batch(d, b, 8);
    ft.step(&x, &y).unwrap();
    let got = ft.gradients().0.hidden.w.as_slice().to_vec();
    let want = numeric(&mut ft, &x, &y, |f| f.encoder.hidden.w.as_mut_slice());
    assert!(max_rel(&got, &want) < 1e-6, "first layer: {}", max_rel(&got, &want));
    let got = ft.gradients().0.out.b.as_slice().to_vec();
    let want = numeric(&mut ft, &x, &y, |f| f.encoder.out.b.as_mut_slice());
    assert!(max_rel(&got, &want) < 1e-6, "output bias: {}", max_rel(&got, &want));
}

#[test]
fn frozen_encoder_keeps_its_bits_and_the_classifier_learns() {
    let mut rng = seeded(2);
    let enc = Linear::new(Dyn(2), Dyn(4), Init::XavierNormal, Bias::No, &mut rng);
    let cls = Linear::new(Dyn(3), Dyn(2), Init::XavierNormal, Bias::Yes, &mut rng);
    let before = enc.clone();
    let mut ft = FineTune::new(enc, cls.clone(), Optimizer::adam(0.05, 0.0), EncoderUpdate::Frozen, Dyn(8));
    let (x, y) = batch(4, 8, 1);
    let first = ft.step(&x, &y).unwrap();
    let mut last = first;
    for _ in 0..50 {
        last = ft.step(&x, &y).unwrap();
    }
    assert_eq!(ft.encoder, before, "frozen encoder unchanged");
    assert_ne!(ft.classifier, cls);
    assert!(last < first);
    assert_eq!(ft.steps(), 51);
}

#[test]
fn bad_labels_update_nothing() {
    let mut rng = seeded(3);
    let enc = Linear::new(Dyn(2), Dyn(3), Init::XavierNormal, Bias::Yes, &mut rng);
    let cls = Linear::new(Dyn(2), Dyn(2), Init::XavierNormal, Bias::Yes, &mut rng);
    let mut ft = FineTune::new(enc, cls, Optimizer::sgd(0.1, 0.0, 0.0), EncoderUpdate::Train, Dyn(3));
    let (x, _) = batch(3, 3, 2);
    let (e0, c0) = (ft.encoder.clone(), ft.classifier.clone());
    assert_eq!(ft.step(&x, &[0, 1, 2]), Err(LabelError::OutOfRange { index: 2, label: 2, classes: 2 }));
    assert_eq!(ft.step(&x, &[0, 1]), Err(LabelError::Count { labels: 2, batch: 3 }));
    assert_eq!((ft.encoder.clone(), ft.classifier.clone(), ft.steps()), (e0, c0, 0));
}

#[test]
fn static_equals_dynamic_and_allocates_nothing() {
    type E = Linear<f32, Const<3>, Const<4>>;
    type Cl = Linear<f32, Const<2>, Const<3>>;
    let mut rng = seeded(5);
    let es = E::new(Const, Const, Init::XavierNormal, Bias::Yes, &mut rng);
    let cs = Cl::new(Const, Const, Init::XavierNormal, Bias::Yes, &mut rng);
    let ed = Linear::<f32, Dyn, Dyn>::from_weights(DMatrix::from_column_slice(3, 4, es.w.as_slice()));
    let mut ed = ed;
    ed.b = nalgebra::DVector::from_column_slice(es.b.as_slice());
    ed.bias = Bias::Yes;
    let mut cd = Linear::<f32, Dyn, Dyn>::from_weights(DMatrix::from_column_slice(2, 3, cs.w.as_slice()));
    cd.b = nalgebra::DVector::from_column_slice(cs.b.as_slice());
    cd.bias = Bias::Yes;
    let opt = Optimizer::adam(0.01, 1e-4);
    let mut fs = FineTune::new(es, cs, opt, EncoderUpdate::Train, Const::<8>);
    let mut fd = FineTune::new(ed, cd, opt, EncoderUpdate::Train, Dyn(8));
    let mut xs = SMatrix::<f32, 4, 8>::zeros();
    fill_normal(&mut seeded(6), xs.as_mut_slice(), 0.0, 1.0);
    let xd = DMatrix::from_column_slice(4, 8, xs.as_slice());
    let y = [0, 1, 1, 0, 1, 0, 0, 1];
    let before = counting::allocations();
    let mut ls = [0.0f32; 20];
    for l in ls.iter_mut() {
        *l = fs.step(&xs, &y).unwrap();
    }
    assert_eq!(counting::allocations(), before, "a Const step allocates nothing");
    for l in ls {
        assert_eq!(fd.step(&xd, &y).unwrap().to_bits(), l.to_bits());
    }
    assert!(fs.encoder.w.iter().zip(fd.encoder.w.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(fs.classifier.w.iter().zip(fd.classifier.w.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
}
