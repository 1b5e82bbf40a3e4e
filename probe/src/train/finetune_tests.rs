//! Fine-tuning through probe's run-time [`Layer`] follows core's `FineTune` on core's own
//! `Linear` and `Mlp` bit for bit (core checks those gradients against central differences);
//! the frozen [`Fitted`] predicts what core predicts; selection never sees the test rows.

use super::*;
use selfsup_core::encoder::Mlp;

fn inputs(d: usize, n: usize) -> Vec<f64> {
    (0..n * d).map(|i| ((i * 37 % 23) as f64 - 11.0) / 7.0).collect()
}

fn batch(x: &[f64], d: usize) -> DMatrix<f64> {
    DMatrix::from_column_slice(d, x.len() / d, x)
}

/// Three steps on a `Layer`-wrapped encoder and on the same core encoder: same losses, same
/// gradients, same weights after each step.
#[test]
fn layer_path_equals_core_path() {
    let (d, h, k, c, b) = (5, 7, 3, 4, 6);
    let x = batch(&inputs(d, b), d);
    let y = [0, 1, 2, 3, 1, 0];
    let mut rng = seeded(11);
    let lin = Linear::<f64, Dyn, Dyn>::new(Dyn(k), Dyn(d), Init::Normal { std: 0.1 }, Bias::No, &mut rng);
    let mlp = Mlp::<f64, Dyn, Dyn, Dyn>::new(Dyn(d), Dyn(h), Dyn(k), &mut rng);
    let cls = Linear::<f64, Dyn, Dyn>::new(Dyn(c), Dyn(k), Init::XavierUniform, Bias::Yes, &mut rng);
    let opt = Optimizer::adam(0.01, 0.0);
    let mut core_lin = FineTune::new(lin.clone(), cls.clone(), opt, EncoderUpdate::Train, Dyn(b));
    let mut probe_lin = FineTune::new(Layer::Linear(lin), cls.clone(), opt, EncoderUpdate::Train, Dyn(b));
    let mut core_mlp = FineTune::new(mlp.clone(), cls.clone(), opt, EncoderUpdate::Train, Dyn(b));
    let mut probe_mlp = FineTune::new(Layer::Mlp(mlp), cls, opt, EncoderUpdate::Train, Dyn(b));
    for _ in 0..3 {
        assert_eq!(core_lin.step(&x, &y).unwrap().to_bits(), probe_lin.step(&x, &y).unwrap().to_bits());
        assert_eq!(core_mlp.step(&x, &y).unwrap().to_bits(), probe_mlp.step(&x, &y).unwrap().to_bits());
        assert_eq!(Layer::Linear(core_lin.gradients().0.clone()), *probe_lin.gradients().0);
        assert_eq!(Layer::Mlp(core_mlp.gradients().0.clone()), *probe_mlp.gradients().0);
        assert_eq!(core_lin.gradients().1, probe_lin.gradients().1);
        assert_eq!(core_mlp.gradients().1, probe_mlp.gradients().1);
        assert_eq!(Layer::Linear(core_lin.encoder.clone()), probe_lin.encoder);
        assert_eq!(Layer::Mlp(core_mlp.encoder.clone()), probe_mlp.encoder);
        assert_eq!(core_mlp.classifier, probe_mlp.classifier);
    }
    // The frozen copy predicts what core's FineTune predicts.
    let flat: Vec<f64> = x.as_slice().to_vec();
    let labelled = Labelled { x: &flat, d, y: &y, classes: c };
    let mut want = vec![0; b];
    core_mlp.predict(&x, &mut want);
    assert_eq!(Fitted::of(&probe_mlp).predict(&labelled, &[0, 1, 2, 3, 4, 5]), want);
}

/// The frozen encoder's layers come back as the same core layer.
#[test]
fn layer_of_round_trips() {
    let mut rng = seeded(2);
    for layer in [Layer::<f64>::linear(4, 3, true, &mut rng), Layer::mlp(4, 6, 3, &mut rng)] {
        assert_eq!(layer_of::<f64>(&layer.embedder(), 4), layer);
    }
    assert_eq!(layer_of::<f32>(&Embedder { layers: Vec::new() }, 4), Layer::Identity(4));
}

fn two_blobs(n: usize) -> (Vec<f64>, Vec<usize>) {
    let x = (0..n).flat_map(|i| {
        let s = if i % 2 == 0 { 1.0 } else { -1.0 };
        [s * (1.0 + (i % 5) as f64 * 0.1), ((i * 13 % 7) as f64 - 3.0) * 0.3]
    });
    (x.collect(), (0..n).map(|i| i % 2).collect())
}

#[test]
fn selection_validates_on_the_subset_and_falls_back_without_a_round() {
    let (x, y) = two_blobs(40);
    let data = Labelled { x: &x, d: 2, y: &y, classes: 2 };
    let mut rng = seeded(5);
    let start = Layer::<f64>::linear(2, 2, true, &mut rng).embedder();
    let subset: Vec<usize> = (0..16).collect();
    let s = select(&start, &data, &subset, 3, Precision::F64);
    assert_eq!(s.rounds, 4, "16 rows: 4-fold");
    assert!(LR_GRID.contains(&s.recipe.lr) && STEP_GRID.contains(&s.recipe.steps), "{s:?}");
    assert!(s.validation_accuracy.unwrap() > 90.0, "{s:?}");
    assert_eq!(select(&start, &data, &subset, 3, Precision::F64), s, "seeded");
    // One row per class: nothing to validate on.
    let s = select(&start, &data, &[0, 1], 3, Precision::F64);
    assert_eq!(s, Selection { recipe: FALLBACK, validation_accuracy: None, rounds: 0 });
    // The chosen recipe, fitted on the subset, classifies the other rows.
    let f = fit(&start, &data, &subset, FALLBACK, 3, Precision::F32, &[], &mut |_, _| {}).unwrap();
    let rest: Vec<usize> = (16..40).collect();
    assert!(f.accuracy(&data, &rest) > 90.0);
}

#[test]
fn divergence_is_none_not_a_number() {
    let (x, y) = two_blobs(8);
    let data = Labelled { x: &x, d: 2, y: &y, classes: 2 };
    let start = Layer::<f32>::linear(2, 2, true, &mut seeded(1)).embedder();
    let rows: Vec<usize> = (0..8).collect();
    assert!(
        fit(&start, &data, &rows, Recipe { lr: 1e30, steps: 20 }, 0, Precision::F32, &[], &mut |_, _| {})
            .is_none()
    );
}
