//! Evaluation of frozen representations, side by side: raw standardized features, PCA to K
//! (fitted on train), a random encoder (the pretraining initialisation) and the pretrained
//! encoder. Each gets the linear probe ([`linear_probe`]), kNN retrieval
//! ([`knn`]) and the diagnostics ([`diagnostics`]); the diagnostics' two views
//! are augmentations (the run's pipeline, seeded) of the test rows in the representation's
//! input space (the encoders' input for the encoders, the standardized features for raw and
//! PCA), mapped through the representation.
//!
//! The linear probe of an encoder's embedding sees it standardized with the train statistics
//! (scikit-learn's `make_pipeline(StandardScaler(), LogisticRegression())`): the contrastive
//! losses are blind to the scale of `W`, so without this the L2 penalty of the probe would
//! judge the arbitrary scale instead of the representation. Raw features are already
//! standardized, and PCA is probed unwhitened as in `BASELINES.md`. kNN and the diagnostics
//! use the embedding as it is (cosine similarity, as the losses).
//!
//! [`label_efficiency`] scores the same probe and kNN trained on a stratified fraction of the
//! training labels (`probe labels`).
//!
//! [`anomaly`] holds the one-class evaluation of `probe anomaly`: detection metrics, the
//! one-vs-rest tasks and the classical baselines.

pub mod anomaly;
pub mod diagnostics;
pub mod knn;
pub mod label_efficiency;
pub mod lbfgs;
pub mod linear_probe;
pub mod parallel;
pub mod pca;
pub mod ranking;
pub mod similarity;
pub mod softmax_objective;

use crate::augment::{Pipeline, two_views};
use crate::dataset::{Affine, Dataset};
use diagnostics::{Diagnostics, diagnose};
use knn::{KnnOptions, KnnScores};
use linear_probe::{DEFAULT_GTOL, LogisticRegression, ProbeOptions, ProbeScores};
use pca::Pca;
use std::borrow::Cow;

/// A map from standardized features to an embedding.
pub enum Representation<'a> {
    /// The standardized features themselves.
    Raw,
    /// PCA projection.
    Pca(&'a Pca),
    /// A frozen encoder (linear or MLP).
    Encoder {
        /// The encoder.
        e: &'a crate::network::Embedder,
        /// The map from standardized features to the encoder's input.
        input: Option<&'a Affine>,
    },
}

impl Representation<'_> {
    /// Output dimension for inputs of dimension `d`.
    pub fn dim(&self, d: usize) -> usize {
        match self {
            Representation::Raw => d,
            Representation::Pca(p) => p.k,
            Representation::Encoder { e, .. } => e.dim(d),
        }
    }

    /// Maps standardized rows to this representation's input space.
    pub fn input<'x>(&self, x: &'x [f64]) -> Cow<'x, [f64]> {
        match self {
            Representation::Encoder { input: Some(m), .. } => Cow::Owned(m.apply(x)),
            _ => Cow::Borrowed(x),
        }
    }

    /// Embeds rows already in the input space (row-major `n × d`).
    pub fn embed_input(&self, x: &[f64], d: usize) -> Vec<f64> {
        match self {
            Representation::Raw => x.to_vec(),
            Representation::Pca(p) => p.transform(x),
            Representation::Encoder { e, .. } => e.apply(x, d),
        }
    }

    /// Embeds standardized rows (row-major `n × d`).
    pub fn apply(&self, x: &[f64], d: usize) -> Vec<f64> {
        self.embed_input(&self.input(x), d)
    }
}

/// All scores of one representation in one run.
#[derive(Clone, Debug)]
pub struct Scores {
    /// Linear probe.
    pub probe: ProbeScores,
    /// kNN retrieval.
    pub knn: KnnScores,
    /// Diagnostics on the test rows.
    pub diagnostics: Diagnostics,
}

/// Scores a representation on the dataset's split; the diagnostics' views are drawn from
/// `aug` seeded with `seed`.
pub fn score(data: &Dataset, rep: &Representation<'_>, aug: &Pipeline, seed: u64) -> Scores {
    score_with(data, rep, aug, seed, None)
}

/// The scores a choice between configurations reads (the search's trials): the linear probe,
/// kNN without the mAP (`knn.map` is 0 over `knn.map_queries` = 0 queries; at 15,000 training
/// rows the mAP costs about as much as the kNN products of its 1,000 queries) and the effective
/// rank of the test rows' embedding. Each has the same bits as in [`score`]; the other
/// diagnostics (uniformity over 2,048 rows, alignment of two augmented views), which no choice
/// reads, are not computed. The linear probe stops at `probe_gtol` ([`ProbeOptions::gtol`]):
/// with [`DEFAULT_GTOL`] its bits are those of [`score`].
pub fn score_selection(data: &Dataset, rep: &Representation<'_>, probe_gtol: f64) -> Selection {
    let d = data.dim();
    let k = rep.dim(d);
    let (tr, te) = (rep.apply(&data.train.x, d), rep.apply(&data.test.x, d));
    let (probe, knn) = probe_and_knn(data, rep, tr, &te, None, 0, probe_gtol);
    Selection { probe, knn, effective_rank: diagnostics::effective_rank(&te, k) }
}

/// What [`score_selection`] returns.
#[derive(Clone, Debug)]
pub struct Selection {
    /// Linear probe.
    pub probe: ProbeScores,
    /// kNN retrieval, without the mAP.
    pub knn: KnnScores,
    /// Effective rank of the test rows' embedding ([`diagnostics::effective_rank`]).
    pub effective_rank: f64,
}

/// The parts of [`score_with`], in order, as its progress reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Embedding the training and test rows.
    Embed,
    /// kNN retrieval (counted in queries).
    Knn,
    /// Fitting and scoring the linear probe (counted in L-BFGS iterations of the limit).
    LinearProbe,
    /// The diagnostics.
    Diagnostics,
}

impl Step {
    /// The words of a progress bar.
    pub fn name(self) -> &'static str {
        match self {
            Step::Embed => "embedding",
            Step::LinearProbe => "linear probe, L-BFGS iteration",
            Step::Knn => "kNN, queries",
            Step::Diagnostics => "diagnostics",
        }
    }
}

/// A progress report `(step, done, total)`, called from any thread.
pub type Progress<'a> = &'a (dyn Fn(Step, usize, usize) + Sync);

/// Reports `(step, done, total)` to `progress`, if any.
fn tell(progress: Option<Progress<'_>>, step: Step, done: usize, total: usize) {
    if let Some(p) = progress {
        p(step, done, total);
    }
}

/// [`score`], reporting its progress to `progress` (the linear probe's and kNN's own
/// callbacks; `(step, 0, 1)` and `(step, 1, 1)` around the embedding and the diagnostics). The
/// scores do not depend on it.
pub fn score_with(
    data: &Dataset,
    rep: &Representation<'_>,
    aug: &Pipeline,
    seed: u64,
    progress: Option<Progress<'_>>,
) -> Scores {
    retrieval(data, rep, progress).finish(data, rep, aug, seed, progress)
}

/// The part of [`score`] that depends neither on the augmentation nor on the seed: the
/// embedding of the test rows, the linear probe and kNN (with the mAP). The run computes it
/// for the raw features while the search chooses the augmentation, and
/// [`Retrieval::finish`] adds the diagnostics; together they are [`score`], bit for bit.
pub struct Retrieval<'a> {
    te_in: Cow<'a, [f64]>,
    te: Vec<f64>,
    probe: ProbeScores,
    knn: KnnScores,
}

/// [`Retrieval`] of `rep` on the split of `data`, reporting progress as [`score_with`].
pub fn retrieval<'a>(
    data: &'a Dataset,
    rep: &Representation<'_>,
    progress: Option<Progress<'_>>,
) -> Retrieval<'a> {
    let d = data.dim();
    tell(progress, Step::Embed, 0, 1);
    let tr = rep.apply(&data.train.x, d);
    let te_in = rep.input(&data.test.x);
    let te = rep.embed_input(&te_in, d);
    tell(progress, Step::Embed, 1, 1);
    let (probe, knn) = probe_and_knn(data, rep, tr, &te, progress, knn::EXACT_MAP_QUERIES, DEFAULT_GTOL);
    Retrieval { te_in, te, probe, knn }
}

impl Retrieval<'_> {
    /// The scores of [`score_with`]: these with the diagnostics of the test rows, their two
    /// views drawn from `aug` seeded with `seed` (`rep` and `data` those of [`retrieval`]).
    pub fn finish(
        self,
        data: &Dataset,
        rep: &Representation<'_>,
        aug: &Pipeline,
        seed: u64,
        progress: Option<Progress<'_>>,
    ) -> Scores {
        let d = data.dim();
        let k = rep.dim(d);
        tell(progress, Step::Diagnostics, 0, 1);
        let (va, vb) = two_views(aug, &self.te_in, d, seed ^ 0x5eed_d1a6);
        let diagnostics = diagnose(&self.te, &rep.embed_input(&va, d), &rep.embed_input(&vb, d), k);
        tell(progress, Step::Diagnostics, 1, 1);
        Scores { probe: self.probe, knn: self.knn, diagnostics }
    }
}

/// The linear probe (stopping at `probe_gtol`) and kNN (mAP over at most `map_queries`
/// queries) of the embeddings `tr` and `te` of the training and test rows of `data` by `rep`.
/// kNN runs first: an encoder's probe then standardizes `tr` in place, so an evaluation holds
/// one copy of the training rows' embedding, not two.
fn probe_and_knn(
    data: &Dataset,
    rep: &Representation<'_>,
    tr: Vec<f64>,
    te: &[f64],
    progress: Option<Progress<'_>>,
    map_queries: usize,
    probe_gtol: f64,
) -> (ProbeScores, KnnScores) {
    let k = rep.dim(data.dim());
    let c = data.num_classes();
    let kp = |i: usize, n: usize| tell(progress, Step::Knn, i, n);
    let kopts = KnnOptions { progress: Some(&kp), max_map_queries: map_queries, ..Default::default() };
    let knn = knn::evaluate_with(&tr, &data.train.y, te, &data.test.y, k, c, &kopts);
    let lp = |i: usize, n: usize| tell(progress, Step::LinearProbe, i, n);
    let popts = ProbeOptions { progress: Some(&lp), gtol: probe_gtol, ..Default::default() };
    let probe = if matches!(rep, Representation::Encoder { .. }) {
        let (str_, ste) = standardize_owned(tr, te, k);
        LogisticRegression::evaluate_with(&str_, &data.train.y, &ste, &data.test.y, k, c, &popts)
    } else {
        LogisticRegression::evaluate_with(&tr, &data.train.y, te, &data.test.y, k, c, &popts)
    };
    (probe, knn)
}

/// Standardizes both row-major matrices with the mean and std (ddof = 0) of `train`; a
/// zero-variance column is only centred.
pub fn standardize(train: &[f64], test: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    standardize_owned(train.to_vec(), test, k)
}

/// [`standardize`], reusing `train`'s buffer for its result.
fn standardize_owned(mut train: Vec<f64>, test: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
    let n = (train.len() / k).max(1) as f64;
    let mut mean = vec![0.0; k];
    for row in train.chunks_exact(k) {
        mean.iter_mut().zip(row).for_each(|(m, v)| *m += v / n);
    }
    let mut var = vec![0.0; k];
    for row in train.chunks_exact(k) {
        var.iter_mut().zip(row).zip(&mean).for_each(|((s, v), m)| *s += (v - m) * (v - m) / n);
    }
    let scale: Vec<f64> = var
        .iter()
        .zip(&mean)
        .map(|(v, m)| {
            let s = v.sqrt();
            if s <= 10.0 * f64::EPSILON * m.abs().max(1.0) { 1.0 } else { s }
        })
        .collect();
    let apply =
        |row: &mut [f64]| row.iter_mut().zip(&mean).zip(&scale).for_each(|((v, m), s)| *v = (*v - m) / s);
    let mut test = test.to_vec();
    train.chunks_exact_mut(k).for_each(apply);
    test.chunks_exact_mut(k).for_each(apply);
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Inside a budget of one thread (`--threads 1`) every step of the evaluation runs on the
    /// calling thread, and the scores are those of two threads.
    #[test]
    fn one_thread_means_one_worker() {
        let data = crate::dataset::shipped("digits.csv");
        let aug = crate::augment::parse("noise:0.1", data.dim(), &data.kind).unwrap();
        let pca = Pca::fit(&data.train.x, data.dim(), 8);
        let run = |threads: usize| {
            let ids = Mutex::new(Vec::new());
            let record = |step: Step, _: usize, _: usize| {
                ids.lock().unwrap().push((step, std::thread::current().id()))
            };
            let s = parallel::with_threads(threads, || {
                score_with(&data, &Representation::Pca(&pca), &aug, 3, Some(&record))
            });
            (s, ids.into_inner().unwrap())
        };
        let (one, ids) = run(1);
        let me = std::thread::current().id();
        assert!(ids.iter().any(|c| c.0 == Step::Knn) && ids.iter().all(|c| c.1 == me), "{ids:?}");
        let (two, _) = run(2);
        assert!(one.probe == two.probe && one.knn == two.knn && one.diagnostics == two.diagnostics);
        // The selection's scores are these without the mAP.
        let sel = score_selection(&data, &Representation::Pca(&pca), DEFAULT_GTOL);
        let knn = KnnScores { map: 0.0, map_queries: 0, ..one.knn.clone() };
        assert!(sel.probe == one.probe && sel.knn == knn);
        assert_eq!(sel.effective_rank.to_bits(), one.diagnostics.effective_rank.to_bits());
        assert!(one.knn.map > 0.0 && one.knn.map_queries > 0);
        // A looser stopping rule reaches the probe: fewer L-BFGS iterations, the same kNN.
        let loose = score_selection(&data, &Representation::Pca(&pca), 1e-4);
        assert!(loose.probe.iterations < sel.probe.iterations, "{loose:?} {sel:?}");
        assert!(loose.knn == sel.knn);
    }
}
