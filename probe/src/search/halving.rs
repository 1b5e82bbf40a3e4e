//! Successive halving (Jamieson & Talwalkar 2016; the inner loop of Hyperband, Li et al. 2017)
//! with η = 3, run within each encoder family: every candidate trains for 1/9 of its epochs on
//! each validation round and the best third (rounded up) of its family goes on; those train
//! for 1/3 of their epochs and the best one of each family goes on to a full training. The
//! families' finalists are compared at full training only, and the best wins.
//!
//! A family is an encoder and an epoch budget (`select.rs`): a candidate with its own shorter
//! budget (the series MLP's [`super::space::SHORT_MLP_EPOCHS`]) is a family of its own, so it
//! is compared with the others at full training, not at a rung of their budget.
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
//! A rung shorter than [`MIN_RUNG_STEPS`] optimizer steps is skipped: its candidates start at
//! the next rung (at full training, every candidate of the family: `n` full trainings). On a
//! small training set a linear encoder's full training is 150 steps (one batch per epoch), so
//! 1/9 of it is 17 steps, barely trained: on basic_motions' validation rounds the 1/9 rung
//! ranked the default augmentation first (mean of linear probe and kNN 70.5) and the 20%
//! shift last of the three (64.6), the reverse of full training (76.0 and 87.0 on the study's
//! folds, `DECISIONS.md` "The search, step 5").
//!
//! Every (candidate, round) training is one job on the shared thread pool
//! ([`crate::eval::parallel::map`]); each depends only on its candidate, round and the seed, so
//! the results do not depend on the thread count. Ties are broken by the candidates' order
//! (the defaults first), and a candidate whose training fails (divergence) ranks last.
//!
//! ```
//! use probe::search::halving::schedule;
//! assert_eq!(schedule(9, 1000), vec![(9, 9), (3, 3), (1, 1)]);
//! assert_eq!(schedule(3, 1000), vec![(3, 3), (1, 1)]);
//! // 400 steps: 1/9 is 44 steps, too short; 150 steps: 1/3 is 50, too short.
//! assert_eq!(schedule(9, 400), vec![(3, 9), (1, 1)]);
//! assert_eq!(schedule(9, 150), vec![(1, 9)]);
//! ```

use super::result::{Criterion, RungScore};
use super::validation::Round;
use crate::error::Result;
use crate::eval::diagnostics::effective_rank;
use crate::eval::{Representation, parallel, score_selection};
use crate::network::Represent;
use crate::settings::options::RunArgs;
use crate::settings::resolve;
use crate::train::train;
use std::path::Path;
use std::time::Instant;

/// The fewest optimizer steps a rung trains for; shorter rungs are skipped.
pub const MIN_RUNG_STEPS: usize = 100;

/// The rungs for `n` candidates whose full training is `steps` optimizer steps: `(epoch
/// divisor, candidates trained)`, η = 3, without the rungs shorter than [`MIN_RUNG_STEPS`].
pub fn schedule(n: usize, steps: usize) -> Vec<(usize, usize)> {
    let long = |divisor: usize| steps / divisor >= MIN_RUNG_STEPS;
    match n {
        0 | 1 => vec![(1, n)],
        2 | 3 if long(3) => vec![(3, n), (1, 1)],
        _ if long(9) => vec![(9, n), (3, n.div_ceil(3)), (1, 1)],
        _ if long(3) => vec![(3, n), (1, 1)],
        _ => vec![(1, n)],
    }
}

/// The optimizer steps of a full training of `args` on `round` (as [`trial`] sets it up: epochs
/// × `⌊n / B⌋` batches); `usize::MAX` when the options do not resolve (the trial then records
/// the error).
fn full_steps(args: &RunArgs, round: &Round, path: &Path) -> usize {
    let fold = &round.data;
    let mut a = args.clone();
    a.batch = a.batch.map(|b| b.min(fold.train.len()));
    resolve(&a, fold, path).map_or(usize::MAX, |s| s.epochs * (fold.train.len() / s.batch.max(1)).max(1))
}

/// Scores of one layer of one trained candidate on one validation round.
struct LayerScore {
    linear_probe: f64,
    knn: f64,
    rankme: f64,
}

/// One training of one candidate on one validation round, scored at each layer tried.
struct Trial {
    epochs: usize,
    layers: Vec<LayerScore>,
    validated: usize,
    seconds: f64,
}

/// Trains the candidate `args` on `round` (`1/divisor` of its epochs, the round's seed) and
/// scores it on the round's held-out rows at each of `layers`.
fn trial(args: &RunArgs, layers: &[Represent], round: &Round, path: &Path, divisor: usize) -> Result<Trial> {
    let t = Instant::now();
    let (fold, seed) = (&round.data, round.seed);
    let mut a = args.clone();
    a.repeats = 1;
    a.seed = seed;
    a.threads = Some(1);
    a.batch = a.batch.map(|b| b.min(fold.train.len()));
    let mut s = resolve(&a, fold, path)?;
    s.epochs = s.epochs.div_ceil(divisor);
    let d = fold.dim();
    let run = train(&fold.encoder_train(), d, &s, seed, &mut |_, _| {}, &mut |_| {})?;
    let scores = layers
        .iter()
        .map(|&r| {
            let e = run.trained.clone().represent(r);
            let rep = Representation::Encoder { e: &e, input: fold.encoder_input.as_ref() };
            if fold.labelled() {
                let sc = score_selection(fold, &rep, round.probe_gtol);
                LayerScore {
                    linear_probe: sc.probe.accuracy,
                    knn: sc.knn.k20_weighted,
                    rankme: sc.effective_rank,
                }
            } else {
                let rankme = effective_rank(&rep.apply(&fold.test.x, d), rep.dim(d));
                LayerScore { linear_probe: f64::NAN, knn: f64::NAN, rankme }
            }
        })
        .collect();
    Ok(Trial {
        epochs: s.epochs,
        layers: scores,
        validated: fold.test.len(),
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// The criterion's value of one layer's scores.
fn value(l: &LayerScore, criterion: Criterion) -> f64 {
    match criterion {
        Criterion::ProbeAndKnn => (l.linear_probe + l.knn) / 2.0,
        Criterion::Rankme => l.rankme,
    }
}

/// The standard error of the mean of `v` (the criterion over the rounds): `sd / √n` with the
/// sample standard deviation over two or more rounds; over a single round of `m` validation
/// rows, the binomial `√(c (100 − c) / m)` of an accuracy `c` in % (0 for RankMe).
pub fn std_error(v: &[f64], m: usize, criterion: Criterion) -> f64 {
    let n = v.len() as f64;
    if v.len() >= 2 {
        let mean = v.iter().sum::<f64>() / n;
        (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0) / n).sqrt()
    } else if criterion == Criterion::ProbeAndKnn && m > 0 {
        let c = v.first().copied().unwrap_or(0.0).clamp(0.0, 100.0);
        (c * (100.0 - c) / m as f64).sqrt()
    } else {
        0.0
    }
}

/// The mean over the rounds of each candidate's trials at the layer (of `layers`) that scores
/// best by `criterion` (the first on a tie).
fn summarize(
    trials: &[Result<Trial>],
    layers: &[Represent],
    criterion: Criterion,
    divisor: usize,
) -> RungScore {
    let n = trials.len().max(1) as f64;
    let ok: Vec<&Trial> = trials.iter().filter_map(|t| t.as_ref().ok()).collect();
    let error = trials.iter().find_map(|t| t.as_ref().err().map(|e| e.to_string()));
    let mean = |j: usize, f: &dyn Fn(&LayerScore) -> f64| ok.iter().map(|t| f(&t.layers[j])).sum::<f64>() / n;
    let at = |j: usize| mean(j, &|l| value(l, criterion));
    let best = (0..layers.len()).fold(0, |b, j| if at(j) > at(b) { j } else { b });
    let (lr, knn, rankme) =
        (mean(best, &|l| l.linear_probe), mean(best, &|l| l.knn), mean(best, &|l| l.rankme));
    let labels = criterion == Criterion::ProbeAndKnn;
    let score = at(best);
    let per_round: Vec<f64> = ok.iter().map(|t| value(&t.layers[best], criterion)).collect();
    let validated = ok.iter().map(|t| t.validated).sum();
    RungScore {
        fraction: 1.0 / divisor as f64,
        epochs: ok.first().map_or(0, |t| t.epochs),
        represent: layers.get(best).copied().unwrap_or_default(),
        linear_probe: labels.then_some(lr),
        knn: labels.then_some(knn),
        rankme,
        score: if error.is_none() && score.is_finite() { Some(score) } else { None },
        std_error: std_error(&per_round, validated, criterion),
        error,
        seconds: ok.iter().map(|t| t.seconds).sum(),
    }
}

/// The one-standard-error rule (Hastie, Tibshirani & Friedman, *The Elements of Statistical
/// Learning*, §7.10): of `among` (candidate indices), the first in the candidates' order (the
/// defaults first, then the simpler variants) whose score is within one standard error of the
/// best score. A win inside the validation noise does not move the choice away from the
/// defaults.
pub fn one_se(among: &[usize], scores: &[Vec<RungScore>]) -> Option<usize> {
    let last = |c: usize| scores[c].last().and_then(|r| r.score.map(|s| (s, r.std_error)));
    let best = among.iter().filter_map(|&c| last(c)).max_by(|a, b| a.0.total_cmp(&b.0))?;
    let mut order = among.to_vec();
    order.sort_unstable();
    order.into_iter().find(|&c| last(c).is_some_and(|(s, _)| s >= best.0 - best.1))
}

/// Runs successive halving over `candidates` (their run options; `layers[i]` the layers
/// candidate `i` is scored at) on the validation `rounds`, on `threads` threads, separately
/// within each family (`family[i]` of candidate `i`: its encoder and epoch budget), the families' finalists
/// meeting at full training. The one candidate a family sends to full training, and the winner
/// among the finalists, are picked by [`one_se`]; promotions to a third keep the best scores.
/// Returns each candidate's scores per rung reached and the index of the winner.
pub fn halve(
    candidates: &[RunArgs],
    layers: &[Vec<Represent>],
    family: &[usize],
    rounds: &[Round],
    path: &Path,
    criterion: Criterion,
    threads: usize,
) -> (Vec<Vec<RungScore>>, usize) {
    let mut scores: Vec<Vec<RungScore>> = vec![Vec::new(); candidates.len()];
    let mut families: Vec<usize> = family.to_vec();
    families.sort_unstable();
    families.dedup();
    let mut alive: Vec<Vec<usize>> =
        families.iter().map(|&f| (0..candidates.len()).filter(|&i| family[i] == f).collect()).collect();
    let steps: Vec<usize> =
        candidates.iter().map(|a| rounds.first().map_or(0, |r| full_steps(a, r, path))).collect();
    let plans: Vec<Vec<(usize, usize)>> =
        alive.iter().map(|a| schedule(a.len(), a.iter().map(|&c| steps[c]).min().unwrap_or(0))).collect();
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
            now.iter().flat_map(|&c| (0..rounds.len()).map(move |f| (c, f))).collect();
        // The threads take the jobs longest first (optimizer steps × layers scored, a stable
        // sort), so that a long training does not start last while the other threads idle
        // (Graham's LPT rule); the results are put back in job order.
        let cost = |c: usize| (steps[c] / divisor).saturating_mul(layers[c].len().max(1));
        let mut order: Vec<usize> = (0..jobs.len()).collect();
        order.sort_by_key(|&j| std::cmp::Reverse(cost(jobs[j].0)));
        let done = parallel::map(jobs.len(), threads, |j| {
            let (c, f) = jobs[order[j]];
            trial(&candidates[c], &layers[c], &rounds[f], path, divisor)
        });
        let mut slots: Vec<Option<Result<Trial>>> = (0..jobs.len()).map(|_| None).collect();
        for (r, &j) in done.into_iter().zip(&order) {
            slots[j] = Some(r);
        }
        let mut results = slots.into_iter().flatten();
        for &c in &now {
            let trials: Vec<Result<Trial>> = results.by_ref().take(rounds.len()).collect();
            scores[c].push(summarize(&trials, &layers[c], criterion, divisor));
        }
        let last = |c: usize| scores[c].last().and_then(|r| r.score).unwrap_or(f64::NEG_INFINITY);
        for (a, plan) in alive.iter_mut().zip(&plans) {
            // Stable sort: equal scores keep the candidates' order.
            a.sort_by(|&x, &y| last(y).total_cmp(&last(x)));
            let next = plan.iter().find(|r| r.0 < divisor).map(|r| r.1);
            // The family's one candidate for full training, or its finalist when all of its
            // candidates trained in full.
            if next == Some(1) || (divisor == 1 && plan.iter().any(|r| r.0 == 1)) {
                if let Some(p) = one_se(a, &scores) {
                    a.retain(|&c| c != p);
                    a.insert(0, p);
                }
            }
        }
    }
    let finalists: Vec<usize> = alive.iter().filter_map(|a| a.first().copied()).collect();
    let winner = one_se(&finalists, &scores).unwrap_or(0);
    (scores, winner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rung(score: f64, std_error: f64) -> Vec<RungScore> {
        vec![RungScore {
            fraction: 1.0,
            epochs: 1,
            represent: Represent::Output,
            linear_probe: Some(score),
            knn: Some(score),
            rankme: 1.0,
            score: Some(score),
            std_error,
            error: None,
            seconds: 0.0,
        }]
    }

    #[test]
    fn one_se_keeps_the_earlier_candidate_inside_the_noise() {
        let scores = vec![rung(90.0, 0.5), rung(90.6, 1.0), rung(95.0, 1.0)];
        assert_eq!(one_se(&[0, 1], &scores), Some(0), "0.6 ahead with a standard error of 1.0");
        assert_eq!(one_se(&[1, 0], &scores), Some(0), "the list's order, not the argument's");
        assert_eq!(one_se(&[0, 1, 2], &scores), Some(2), "5 points ahead");
        assert_eq!(one_se(&[], &scores), None);
    }

    #[test]
    fn std_error_over_rounds_or_binomial_over_one() {
        // sd of 1, 2, 3 is 1; over √3 rounds.
        assert!((std_error(&[1.0, 2.0, 3.0], 90, Criterion::ProbeAndKnn) - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        // One round of 100 rows at 90 %: √(90 · 10 / 100) = 3.
        assert!((std_error(&[90.0], 100, Criterion::ProbeAndKnn) - 3.0).abs() < 1e-12);
        assert_eq!(std_error(&[5.0], 100, Criterion::Rankme), 0.0);
    }
}
