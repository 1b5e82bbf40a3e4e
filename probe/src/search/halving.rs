//! Successive halving (Jamieson & Talwalkar 2016; the inner loop of Hyperband, Li et al. 2017)
//! with η = 3, run within each encoder family: every candidate trains for 1/9 of its epochs on
//! each validation round and the best third (rounded up) of its family goes on; those train
//! for 1/3 of their epochs and the best one of each family goes on to a full training. The
//! families' finalists are compared at full training only, and the best wins.
//!
//! Why by family: a short training ranks configurations of one encoder the way a full one
//! does far better than it ranks a linear encoder (150 epochs, converged early) against an
//! MLP (500 epochs, still learning at 1/9): on iris' validation folds the MLP recipe is the
//! best configuration at full training (93.7 / 92.6, `DECISIONS.md`) and among the worst at
//! 1/9 of its epochs, so a single bracket drops it in the first rung.
//!
//! With `n` candidates in a family the family costs `n/9 + ⌈n/3⌉/3 + 1` full trainings per
//! round (2 or 3 candidates: `n/3 + 1`; one: 1).
//!
//! Every (candidate, round) training is one job on the shared thread pool
//! ([`crate::eval::parallel::map`]); each depends only on its candidate, round and the seed, so
//! the results do not depend on the thread count. Ties are broken by the candidates' order
//! (the defaults first), and a candidate whose training fails (divergence) ranks last.
//!
//! ```
//! use probe::search::halving::schedule;
//! assert_eq!(schedule(9), vec![(9, 9), (3, 3), (1, 1)]);
//! assert_eq!(schedule(3), vec![(3, 3), (1, 1)]);
//! ```

use super::result::{Criterion, RungScore};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::eval::diagnostics::effective_rank;
use crate::eval::{Representation, parallel, score};
use crate::settings::options::RunArgs;
use crate::settings::resolve;
use crate::train::train;
use std::path::Path;
use std::time::Instant;

/// The rungs for `n` candidates: `(epoch divisor, candidates trained)`, η = 3.
pub fn schedule(n: usize) -> Vec<(usize, usize)> {
    match n {
        0 | 1 => vec![(1, n)],
        2 | 3 => vec![(3, n), (1, 1)],
        _ => vec![(9, n), (3, n.div_ceil(3)), (1, 1)],
    }
}

/// One training of one candidate on one validation round.
struct Trial {
    epochs: usize,
    linear_probe: f64,
    knn: f64,
    rankme: f64,
    seconds: f64,
}

/// Trains the candidate `args` on round `fold` (`1/divisor` of its epochs, seed `seed`) and
/// scores it on the round's held-out rows.
fn trial(args: &RunArgs, fold: &Dataset, path: &Path, divisor: usize, seed: u64) -> Result<Trial> {
    let t = Instant::now();
    let mut a = args.clone();
    a.repeats = 1;
    a.seed = seed;
    a.threads = Some(1);
    a.batch = a.batch.map(|b| b.min(fold.train.len()));
    let mut s = resolve(&a, fold, path)?;
    s.epochs = s.epochs.div_ceil(divisor);
    let d = fold.dim();
    let run = train(&fold.encoder_train(), d, &s, seed, &mut |_, _| {}, &mut |_| {})?;
    let rep = Representation::Encoder { e: &run.trained, input: fold.encoder_input.as_ref() };
    let (linear_probe, knn, rankme) = if fold.labelled() {
        let sc = score(fold, &rep, &s.aug, seed);
        (sc.probe.accuracy, sc.knn.k20_weighted, sc.diagnostics.effective_rank)
    } else {
        (f64::NAN, f64::NAN, effective_rank(&rep.apply(&fold.test.x, d), s.dim))
    };
    Ok(Trial { epochs: s.epochs, linear_probe, knn, rankme, seconds: t.elapsed().as_secs_f64() })
}

/// The mean over the rounds of each candidate's trials, scored by `criterion`.
fn summarize(trials: &[Result<Trial>], criterion: Criterion, divisor: usize) -> RungScore {
    let n = trials.len().max(1) as f64;
    let ok: Vec<&Trial> = trials.iter().filter_map(|t| t.as_ref().ok()).collect();
    let error = trials.iter().find_map(|t| t.as_ref().err().map(|e| e.to_string()));
    let mean = |f: &dyn Fn(&Trial) -> f64| ok.iter().map(|t| f(t)).sum::<f64>() / n;
    let (lr, knn, rankme) = (mean(&|t| t.linear_probe), mean(&|t| t.knn), mean(&|t| t.rankme));
    let labels = criterion == Criterion::ProbeAndKnn;
    let score = match criterion {
        Criterion::ProbeAndKnn => (lr + knn) / 2.0,
        Criterion::Rankme => rankme,
    };
    RungScore {
        fraction: 1.0 / divisor as f64,
        epochs: ok.first().map_or(0, |t| t.epochs),
        linear_probe: labels.then_some(lr),
        knn: labels.then_some(knn),
        rankme,
        score: if error.is_none() && score.is_finite() { Some(score) } else { None },
        error,
        seconds: ok.iter().map(|t| t.seconds).sum(),
    }
}

/// Runs successive halving over `candidates` (their run options) on the validation rounds
/// `folds`, training with `seed` on `threads` threads, separately within each family
/// (`family[i]` of candidate `i`: the encoder), the families' finalists meeting at full
/// training. Returns each candidate's scores per rung reached and the index of the winner.
pub fn halve(
    candidates: &[RunArgs],
    family: &[usize],
    folds: &[Dataset],
    path: &Path,
    criterion: Criterion,
    seed: u64,
    threads: usize,
) -> (Vec<Vec<RungScore>>, usize) {
    let mut scores: Vec<Vec<RungScore>> = vec![Vec::new(); candidates.len()];
    let mut families: Vec<usize> = family.to_vec();
    families.sort_unstable();
    families.dedup();
    let mut alive: Vec<Vec<usize>> =
        families.iter().map(|&f| (0..candidates.len()).filter(|&i| family[i] == f).collect()).collect();
    let plans: Vec<Vec<(usize, usize)>> = alive.iter().map(|a| schedule(a.len())).collect();
    for divisor in [9, 3, 1] {
        for (a, plan) in alive.iter_mut().zip(&plans) {
            match plan.iter().find(|r| r.0 == divisor) {
                Some(&(_, count)) => a.truncate(count),
                None if plan.iter().any(|r| r.0 < divisor) => {} // starts at a later rung
                None => a.clear(),
            }
        }
        let now: Vec<usize> = alive
            .iter()
            .zip(&plans)
            .filter(|(_, p)| p.iter().any(|r| r.0 == divisor))
            .flat_map(|(a, _)| a.iter().copied())
            .collect();
        if now.is_empty() {
            continue;
        }
        let jobs: Vec<(usize, usize)> =
            now.iter().flat_map(|&c| (0..folds.len()).map(move |f| (c, f))).collect();
        let mut results = parallel::map(jobs.len(), threads, |j| {
            let (c, f) = jobs[j];
            trial(&candidates[c], &folds[f], path, divisor, seed)
        })
        .into_iter();
        for &c in &now {
            let trials: Vec<Result<Trial>> = results.by_ref().take(folds.len()).collect();
            scores[c].push(summarize(&trials, criterion, divisor));
        }
        let last = |c: usize| scores[c].last().and_then(|r| r.score).unwrap_or(f64::NEG_INFINITY);
        for a in &mut alive {
            // Stable sort: equal scores keep the candidates' order.
            a.sort_by(|&x, &y| last(y).total_cmp(&last(x)));
        }
    }
    let last = |c: usize| scores[c].last().and_then(|r| r.score).unwrap_or(f64::NEG_INFINITY);
    let mut finalists: Vec<usize> = alive.iter().filter_map(|a| a.first().copied()).collect();
    finalists.sort_by(|&x, &y| last(y).total_cmp(&last(x)).then(x.cmp(&y)));
    (scores, finalists.first().copied().unwrap_or(0))
}
