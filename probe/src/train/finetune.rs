//! Fine-tuning on a labelled subset: the encoder and a linear classifier trained end to end
//! with softmax cross-entropy (core's [`FineTune`], [`EncoderUpdate::Train`]), started from a
//! given encoder (the pretrained one, or the random one it started from), with the
//! hyper-parameters chosen on validation folds of the labelled rows only.
//!
//! **Training** ([`fit`]): the classifier `C × K` with bias is drawn Glorot-uniform from a
//! generator seeded with the job's seed, which then shuffles the rows every epoch; batches of
//! `B = min(`[`BATCH`]`, m)` of the `m` rows, a partial last batch dropped (as in pretraining),
//! for a number of optimizer steps (not epochs: with 13 labelled rows an epoch is one step);
//! Adam, constant learning rate, no weight decay ([`WEIGHT_DECAY`]: SimCLR's fine-tuning,
//! Chen et al. 2020, appendix B.5, uses no regularization), no augmentation. The same seed for
//! both starts gives them the same classifier and the same batches: the comparison is paired.
//!
//! **Selection** ([`select`]): the learning rate from [`LR_GRID`] and the steps from
//! [`STEP_GRID`] (Adam's default 10⁻³ and ten times it; 50 to 3200 steps, each a checkpoint of
//! one run per rate and round) maximize the mean validation accuracy over the rounds of
//! [`crate::search::validation`]'s stratified folds of the *labelled subset* (k-fold below 200
//! rows, one held-out quarter above; ties go to fewer steps, then the smaller rate). A round
//! validates only on its rows of classes that its training part has (a class with one labelled
//! row cannot be both trained and validated on), and is skipped when no such row is left: with
//! one labelled row per class there is nothing to validate on, and the fixed [`FALLBACK`]
//! recipe is used (SimCLR's 60 epochs for 1 % of the labels — 60 steps, the subset being one
//! batch — at Adam's default rate, Kingma & Ba 2015). The test rows are never seen before the
//! chosen recipe is trained on the whole subset.
//!
//! ```
//! use probe::network::{Dense, Embedder};
//! use probe::train::finetune::{Labelled, fit, Recipe};
//! use probe::weights::Precision;
//! // A 1 → 1 linear encoder and two classes on either side of zero.
//! let start = Embedder { layers: vec![Dense { w: vec![0.5], b: vec![0.0], inputs: 1, outputs: 1, relu: false }] };
//! let x = [1.0, -1.0, 2.0, -2.0, 0.5, -0.5];
//! let y = [0, 1, 0, 1, 0, 1];
//! let data = Labelled { x: &x, d: 1, y: &y, classes: 2 };
//! let recipe = Recipe { lr: 0.05, steps: 100 };
//! let f = fit(&start, &data, &[0, 1, 2, 3, 4, 5], recipe, 1, Precision::F64, &[], &mut |_, _| {}).unwrap();
//! assert_eq!(f.accuracy(&data, &[0, 1, 2, 3, 4, 5]), 100.0);
//! ```

use crate::network::{Dense, Embedder, Layer};
use crate::search::validation;
use crate::weights::{DenseWeights, LayerWeights, Precision};
use nalgebra::{DMatrix, Dyn};
use selfsup_core::Real;
use selfsup_core::encoder::{Bias, Init, Linear};
use selfsup_core::optim::Optimizer;
use selfsup_core::rng::{seeded, shuffle};
use selfsup_core::train::finetune::{EncoderUpdate, FineTune};
use serde::Serialize;

/// Largest batch of fine-tuning.
pub const BATCH: usize = 32;
/// Learning rates tried (Adam).
pub const LR_GRID: [f64; 2] = [1e-3, 1e-2];
/// Optimizer steps tried (checkpoints of one run).
pub const STEP_GRID: [usize; 7] = [50, 100, 200, 400, 800, 1600, 3200];
/// Weight decay (none, as SimCLR's fine-tuning).
pub const WEIGHT_DECAY: f64 = 0.0;
/// The recipe when no validation round is possible (one labelled row per class).
pub const FALLBACK: Recipe = Recipe { lr: 1e-3, steps: 60 };

/// Learning rate and steps of one fine-tuning.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Recipe {
    /// Adam's learning rate.
    pub lr: f64,
    /// Optimizer steps.
    pub steps: usize,
}

/// The recipe chosen for one subset and start, and the evidence.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Selection {
    /// The recipe trained on the whole subset.
    pub recipe: Recipe,
    /// Its mean validation accuracy (%), `None` for the [`FALLBACK`].
    pub validation_accuracy: Option<f64>,
    /// Validation rounds behind it (0 for the fallback).
    pub rounds: usize,
}

/// Labelled rows in the encoders' input space: row-major `x` (`n × d`), labels `y` in
/// `0..classes`.
#[derive(Clone, Copy)]
pub struct Labelled<'a> {
    /// Row-major inputs.
    pub x: &'a [f64],
    /// Features per row.
    pub d: usize,
    /// Class of each row.
    pub y: &'a [usize],
    /// Number of classes.
    pub classes: usize,
}

/// A fine-tuned encoder and classifier, frozen in f64.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    /// The encoder.
    pub encoder: Embedder,
    /// The classifier (one dense layer `K → C`).
    pub classifier: Embedder,
}

impl Fitted {
    fn of<T: Real>(ft: &FineTune<T, Dyn, Dyn, Dyn, Dyn, Layer<T>>) -> Self {
        Self { encoder: ft.encoder.embedder(), classifier: Layer::Linear(ft.classifier.clone()).embedder() }
    }

    /// The predicted class of each of `rows` of `data` (the first largest logit).
    pub fn predict(&self, data: &Labelled<'_>, rows: &[usize]) -> Vec<usize> {
        let d = data.d;
        let x: Vec<f64> = rows.iter().flat_map(|&i| data.x[i * d..(i + 1) * d].iter().copied()).collect();
        let k = self.encoder.dim(d);
        let logits = self.classifier.apply(&self.encoder.apply(&x, d), k);
        logits
            .chunks_exact(data.classes.max(1))
            .map(|s| (0..s.len()).fold(0, |best, c| if s[c] > s[best] { c } else { best }))
            .collect()
    }

    /// Accuracy (%) on `rows` of `data`.
    pub fn accuracy(&self, data: &Labelled<'_>, rows: &[usize]) -> f64 {
        let hits = self.predict(data, rows).iter().zip(rows).filter(|(p, i)| **p == data.y[**i]).count();
        100.0 * hits as f64 / rows.len().max(1) as f64
    }

    fn finite(&self) -> bool {
        let all = |e: &Embedder| e.layers.iter().all(|l| l.w.iter().chain(&l.b).all(|v| v.is_finite()));
        all(&self.encoder) && all(&self.classifier)
    }
}

/// The core layer with the weights of a frozen encoder: one layer is a linear map (with a
/// bias only if the encoder has a non-zero one), two are probe's MLP, none the identity.
pub fn layer_of<T: Real>(e: &Embedder, d: usize) -> Layer<T> {
    let dense = |l: &Dense, bias: bool| DenseWeights {
        outputs: l.outputs,
        inputs: l.inputs,
        w: l.w.clone(),
        b: bias.then(|| l.b.clone()),
    };
    match e.layers.as_slice() {
        [] => Layer::Identity(d),
        [l] => LayerWeights::Linear(dense(l, l.b.iter().any(|&v| v != 0.0))).to_layer(),
        [h, o] => LayerWeights::Mlp { hidden: dense(h, true), out: dense(o, true) }.to_layer(),
        _ => unreachable!("probe's encoders have at most two layers"),
    }
}

/// Fine-tunes `start` on `rows` of `data` with `recipe`, seeded by `seed`, in `precision`;
/// after each step listed in `checkpoints`, `check(index in checkpoints, fitted so far)`.
/// `None` when training diverges (a non-finite loss or weight).
#[allow(clippy::too_many_arguments)]
pub fn fit(
    start: &Embedder,
    data: &Labelled<'_>,
    rows: &[usize],
    recipe: Recipe,
    seed: u64,
    precision: Precision,
    checkpoints: &[usize],
    check: &mut dyn FnMut(usize, &Fitted),
) -> Option<Fitted> {
    match precision {
        Precision::F32 => fit_in::<f32>(start, data, rows, recipe, seed, checkpoints, check),
        Precision::F64 => fit_in::<f64>(start, data, rows, recipe, seed, checkpoints, check),
    }
}

fn fit_in<T: Real>(
    start: &Embedder,
    data: &Labelled<'_>,
    rows: &[usize],
    recipe: Recipe,
    seed: u64,
    checkpoints: &[usize],
    check: &mut dyn FnMut(usize, &Fitted),
) -> Option<Fitted> {
    let d = data.d;
    let k = start.dim(d);
    let b = BATCH.min(rows.len()).max(1);
    let mut rng = seeded(seed);
    let classifier = Linear::new(Dyn(data.classes), Dyn(k), Init::XavierUniform, Bias::Yes, &mut rng);
    let opt = Optimizer::adam(recipe.lr, WEIGHT_DECAY);
    let mut ft = FineTune::new(layer_of::<T>(start, d), classifier, opt, EncoderUpdate::Train, Dyn(b));
    let mut order = rows.to_vec();
    let mut xb = DMatrix::<T>::zeros(d, b);
    let mut yb = vec![0; b];
    let mut step = 0;
    while step < recipe.steps {
        shuffle(&mut rng, &mut order);
        for batch in order.chunks_exact(b).take(recipe.steps - step) {
            for (j, &i) in batch.iter().enumerate() {
                for f in 0..d {
                    xb[(f, j)] = T::of_f64(data.x[i * d + f]);
                }
                yb[j] = data.y[i];
            }
            let loss = ft.step(&xb, &yb).expect("labels are class ids of the dataset, one per column");
            if !loss.to_f64().is_finite() {
                return None;
            }
            step += 1;
            if let Some(c) = checkpoints.iter().position(|&e| e == step) {
                check(c, &Fitted::of(&ft));
            }
        }
    }
    let fitted = Fitted::of(&ft);
    fitted.finite().then_some(fitted)
}

/// Chooses the recipe for fine-tuning `start` on `subset` (rows of `data`) by validation on
/// folds of the subset (see the [module docs](self)); `seed` draws the folds and seeds every
/// run.
pub fn select(
    start: &Embedder,
    data: &Labelled<'_>,
    subset: &[usize],
    seed: u64,
    precision: Precision,
) -> Selection {
    let y: Vec<usize> = subset.iter().map(|&i| data.y[i]).collect();
    let min_class = (0..data.classes).map(|c| y.iter().filter(|&&v| v == c).count()).filter(|&n| n > 0).min();
    let plan = validation::plan(subset.len(), min_class.unwrap_or(0));
    let fold = validation::folds(&y, data.classes, plan.k, seed ^ 0xf01d_5eed);
    let configs = LR_GRID.len() * STEP_GRID.len();
    let mut sums = vec![0.0; configs];
    let mut rounds = 0;
    for r in 0..plan.rounds {
        let part = |val: bool| -> Vec<usize> {
            subset.iter().zip(&fold).filter(|&(_, &f)| (f == r) == val).map(|(&i, _)| i).collect()
        };
        let train = part(false);
        let val: Vec<usize> =
            part(true).into_iter().filter(|&i| train.iter().any(|&t| data.y[t] == data.y[i])).collect();
        if train.is_empty() || val.is_empty() {
            continue;
        }
        rounds += 1;
        for (li, &lr) in LR_GRID.iter().enumerate() {
            let mut acc = [f64::NEG_INFINITY; STEP_GRID.len()];
            let recipe = Recipe { lr, steps: STEP_GRID[STEP_GRID.len() - 1] };
            let mut record = |c: usize, f: &Fitted| acc[c] = f.accuracy(data, &val);
            // A run that diverges keeps −∞ at its later checkpoints: never chosen.
            let _ = fit(start, data, &train, recipe, seed, precision, &STEP_GRID, &mut record);
            for (ei, a) in acc.iter().enumerate() {
                sums[ei * LR_GRID.len() + li] += a;
            }
        }
    }
    // Config `ei · |LR_GRID| + li`, in order of steps then rate: the first best wins ties.
    let best = (0..configs).fold(None, |best: Option<usize>, i| match best {
        Some(b) if sums[b] >= sums[i] => Some(b),
        _ if sums[i].is_finite() => Some(i),
        _ => best,
    });
    match best {
        Some(i) if rounds > 0 => Selection {
            recipe: Recipe { lr: LR_GRID[i % LR_GRID.len()], steps: STEP_GRID[i / LR_GRID.len()] },
            validation_accuracy: Some(sums[i] / rounds as f64),
            rounds,
        },
        _ => Selection { recipe: FALLBACK, validation_accuracy: None, rounds: 0 },
    }
}

#[cfg(test)]
#[path = "finetune_tests.rs"]
mod tests;
