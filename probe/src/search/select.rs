//! The automatic search of `probe FILE`, on by default: carve validation folds from the
//! training rows ([`super::validation`]), rank the candidates of [`super::space`] by successive
//! halving ([`super::halving`]) on them, and return the winner's options, with which the run
//! then trains on all training rows for every seed and is evaluated once on the test rows.
//!
//! With labels, candidates are ranked by the mean of the validation linear-probe accuracy and
//! weighted kNN-20 accuracy (the report's two headline measures, equal weights). With
//! `--no-label` they are ranked by RankMe (Garrido et al. 2023), `exp(−Σ p_k ln p_k)` with
//! `p_k = σ_k / Σσ` the normalized singular values of the held-out rows' embeddings (the
//! `effective_rank` of the diagnostics): the higher, the less collapsed. No label is read.
//!
//! Small training sets (fewer than 200 rows) are validated by 4-fold cross-validation repeated
//! 3 times with new folds and training seeds; the choice follows the one-standard-error rule
//! ([`super::halving::one_se`]): a lead inside the validation noise keeps the earlier, simpler
//! candidate.
//!
//! `--no-search`, a method the searched options do not apply to (`ae`), or every searched
//! option set by the user leaves the run as it was: one configuration, no search.
//!
//! ```
//! use clap::Parser;
//! use probe::search::select::command_line;
//! use std::path::Path;
//! let path = Path::new("../data/iris.csv");
//! let args = probe::cli::Cli::try_parse_from(["probe", "../data/iris.csv", "--tau", "0.2"]).unwrap().run;
//! let data = probe::dataset::load(path, &probe::dataset::LoadOptions::default()).unwrap();
//! let s = probe::settings::resolve(&args, &data, path).unwrap();
//! // Every option of the run spelled out, so that it repeats without searching.
//! let c = command_line(path, &args, &s);
//! assert!(c.starts_with("probe ../data/iris.csv --method ntxent --encoder linear --head none --dim 4"));
//! assert!(c.contains(" --tau 0.2 ") && c.ends_with(" --no-search"));
//! ```

use super::halving::{MIN_RUNG_STEPS, halve};
use super::result::{CandidateResult, Criterion, RungScore, Search, ValidationComparison, ValidationScore};
use super::space::{Candidate, candidates, layers};
use super::validation::{Round, SEARCH_ROWS, UNUSED, fold_data, folds, plan, probe_gtol, sample};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::eval::pca::Pca;
use crate::eval::{Representation, score_selection};
use crate::network::{EncoderKind, HeadKind, Represent};
use crate::settings::options::{NormalizeKind, RunArgs};
use crate::settings::{Settings, resolve};
use std::path::Path;

/// Searches the configuration of `probe FILE` for `data` (read from `path`) under the user's
/// `args`, on `threads` threads. `None` when there is nothing to search; otherwise the winner's
/// options and the search's record.
pub fn search(
    args: &RunArgs,
    data: &Dataset,
    path: &Path,
    threads: usize,
) -> Result<Option<(RunArgs, Search)>> {
    if args.no_search {
        return Ok(None);
    }
    let labels = data.labelled();
    let space = candidates(args, &data.kind, data.dim(), data.train.len(), labels);
    if space.is_empty() {
        return Ok(None);
    }
    let n = data.train.len();
    let (y, classes) = if labels { (data.train.y.clone(), data.num_classes()) } else { (vec![0; n], 1) };
    let min_class = (0..classes).map(|c| y.iter().filter(|&&v| v == c).count()).min().unwrap_or(0);
    let p = plan(n, min_class);
    let mut rounds: Vec<Round> = Vec::new();
    let mut used = n;
    for r in 0..p.repetitions {
        let seed = args.seed ^ (r as u64).wrapping_mul(REPETITION_STRIDE);
        let mut fold_of = folds(&y, classes, p.k, seed);
        sample(&mut fold_of, &y, classes, SEARCH_ROWS, seed);
        used = fold_of.iter().filter(|&&f| f != UNUSED).count();
        // Every round needs a batch of 2 training rows and a row to validate on; with fewer
        // rows there is nothing to validate on, and the run keeps the defaults.
        let held_out = |f: usize| fold_of.iter().filter(|&&g| g == f).count();
        if (0..p.rounds).any(|f| held_out(f) == 0 || used - held_out(f) < 2) {
            return Ok(None);
        }
        rounds.extend((0..p.rounds).map(|f| Round {
            data: fold_data(data, &fold_of, f),
            seed,
            probe_gtol: probe_gtol(n),
        }));
    }
    let criterion = if labels { Criterion::ProbeAndKnn } else { Criterion::Rankme };
    let runs: Vec<RunArgs> = space.iter().map(|c| c.apply(args)).collect();
    let tried: Vec<Vec<Represent>> = runs.iter().map(|a| layers(a, labels)).collect();
    // A family per encoder and epoch budget: short runs rank variants of one model and budget.
    let budget: Vec<(usize, Option<usize>)> = runs.iter().map(|a| (a.encoder as usize, a.epochs)).collect();
    let family: Vec<usize> = budget.iter().map(|b| budget.iter().position(|x| x == b).unwrap_or(0)).collect();
    let (scores, win) = halve(&runs, &tried, &family, &rounds, path, criterion, threads);
    let mut winner = runs[win].clone();
    winner.represent = scores[win].last().map_or(winner.represent, |r| r.represent);
    let s = resolve(&winner, data, path)?;
    let validation =
        if labels { compare(&rounds, &s, scores[win].last().map(|r| (r.linear_probe, r.knn))) } else { None };
    let full_trainings = scores.iter().flatten().map(|r| r.fraction).sum::<f64>() * rounds.len() as f64;
    let mut schedule = format!(
        "within each encoder family, all candidates × 1/9 of their epochs, the best third × 1/3, the best one × all (a rung shorter than {MIN_RUNG_STEPS} optimizer steps is skipped, its candidates going on to the next); the families' best compared at full training; the one sent to full training and the winner picked by the one-standard-error rule (the first candidate, in the list's order, within one standard error of the best)"
    );
    if tried.iter().any(|l| l.len() > 1) {
        schedule +=
            "; MLP candidates scored at the encoder's output and at its hidden layer, the better kept";
    }
    if used < n {
        schedule += &format!("; validated on a stratified sample of {used} of the {n} training rows");
    }
    let names: Vec<String> = space.iter().zip(&scores).map(|(c, r)| flags(c, r)).collect();
    let why = why(&names, &scores, win, criterion);
    let mut fixed: Vec<String> =
        args.explicit.iter().filter(|id| SEARCHED.contains(&id.as_str())).cloned().collect();
    fixed.sort();
    let record = Search {
        criterion,
        labels_used: labels,
        folds: p.k,
        rounds: rounds.len(),
        repetitions: p.repetitions,
        seed: args.seed,
        schedule: format!("successive halving (η = 3): {schedule}"),
        fixed: fixed.iter().map(|id| format!("--{id}")).collect(),
        candidates: space
            .iter()
            .zip(scores)
            .map(|(c, rungs)| CandidateResult { options: flags(c, &rungs), rungs })
            .collect(),
        chosen: win,
        why,
        command: command_line(path, &winner, &s),
        full_trainings,
        validation,
    };
    Ok(Some((winner, record)))
}

/// The options the search varies on every kind of data (clap ids), listed as fixed when the user
/// sets them; `--epochs`, searched on small series sets only, is not listed.
const SEARCHED: [&str; 5] = ["encoder", "aug", "tau", "dim", "represent"];

/// Mixes the repetition index into the seed of a repetition's folds and trainings (the first
/// repetition keeps the run's seed).
const REPETITION_STRIDE: u64 = 0x9e37_79b9_7f4a_7c15;

/// The candidate's options, with `--represent hidden` when its last rung scored the hidden layer.
fn flags(c: &Candidate, rungs: &[RungScore]) -> String {
    match rungs.last().map(|r| r.represent) {
        Some(Represent::Hidden) if c.flags() == "(defaults)" => "--represent hidden".into(),
        Some(Represent::Hidden) => format!("{} --represent hidden", c.flags()),
        _ => c.flags(),
    }
}

/// Why the winner won: its score at full training, and the best other candidate trained in
/// full (the other encoder family's finalist) or, failing one, its lead in its own family at the
/// rung before; and when a candidate with a higher score lost by the one-standard-error rule,
/// which one.
fn why(names: &[String], scores: &[Vec<RungScore>], win: usize, c: Criterion) -> String {
    let measure = match c {
        Criterion::ProbeAndKnn => "mean of validation linear probe and weighted kNN-20",
        Criterion::Rankme => "validation RankMe (no labels used)",
    };
    let at = |i: usize, f: f64| {
        scores[i]
            .iter()
            .find(|r| (r.fraction - f).abs() < 1e-9)
            .and_then(|r| r.score)
            .unwrap_or(f64::NEG_INFINITY)
    };
    let best_other = |f: f64| {
        (0..scores.len())
            .filter(|&i| i != win && at(i, f).is_finite())
            .max_by(|&a, &b| at(a, f).total_cmp(&at(b, f)).then(b.cmp(&a)))
    };
    let mut text = format!("highest {measure}: {:.2} at full training", at(win, 1.0));
    if let Some(o) = best_other(1.0).filter(|&o| at(o, 1.0) > at(win, 1.0)) {
        let se = scores[o].last().map_or(0.0, |r| r.std_error);
        text = format!(
            "{measure} {:.2} at full training, within one standard error ({se:.2}) of the best, {:.2} for {}, and earlier in the list (the defaults, then the simpler variants)",
            at(win, 1.0),
            at(o, 1.0),
            names[o]
        );
    } else if let Some(o) = best_other(1.0) {
        text.push_str(&format!(
            ", against {:.2} for the next best trained in full, {}",
            at(o, 1.0),
            names[o]
        ));
    } else if let Some(prev) = scores[win].iter().rev().nth(1) {
        if let Some(o) = best_other(prev.fraction) {
            let (m, e) = (prev.score.unwrap_or(f64::NAN), prev.epochs);
            text.push_str(&format!(
                "; at {e} epochs it scored {m:.2} against {:.2} for {}",
                at(o, prev.fraction),
                names[o]
            ));
        }
    }
    text
}

/// The chosen configuration's full-training validation scores against raw features and PCA to
/// its K, on the same rounds.
fn compare(
    rounds: &[Round],
    s: &Settings,
    pretrained: Option<(Option<f64>, Option<f64>)>,
) -> Option<ValidationComparison> {
    let (Some(lr), Some(knn)) = pretrained? else { return None };
    let n = rounds.len().max(1) as f64;
    let mut raw = ValidationScore { linear_probe: 0.0, knn: 0.0 };
    let mut pca = raw;
    for r in rounds {
        let f = r.data.baseline_view();
        let f = &*f;
        let d = f.dim();
        let p = Pca::fit(&f.train.x, d, s.dim.min(d));
        for (acc, rep) in [(&mut raw, Representation::Raw), (&mut pca, Representation::Pca(&p))] {
            let sc = score_selection(f, &rep, r.probe_gtol);
            acc.linear_probe += sc.probe.accuracy / n;
            acc.knn += sc.knn.k20_weighted / n;
        }
    }
    Some(ValidationComparison { pretrained: ValidationScore { linear_probe: lr, knn }, raw, pca })
}

/// `probe …` with every option of the final run spelled out (and `--no-search`), which repeats
/// it without searching: the search's winner and every point of `probe sweep` are reported
/// with it.
pub fn command_line(path: &Path, a: &RunArgs, s: &Settings) -> String {
    let mut c: Vec<String> = vec!["probe".into(), quote(&path.display().to_string())];
    let opt = |c: &mut Vec<String>, name: &str, value: String| c.push(format!("--{name} {}", quote(&value)));
    if a.no_label {
        c.push("--no-label".into());
    } else if a.label != "label" {
        opt(&mut c, "label", a.label.clone());
    }
    if a.explicit.iter().any(|id| id == "test_frac") {
        opt(&mut c, "test-frac", a.test_frac.to_string());
    }
    if !a.drop.is_empty() {
        opt(&mut c, "drop", a.drop.join(","));
    }
    if !a.features.is_empty() {
        opt(&mut c, "features", a.features.join(","));
    }
    if let Some(d) = &a.delimiter {
        opt(&mut c, "delimiter", d.clone());
    }
    if let Some(ch) = a.channels {
        opt(&mut c, "channels", ch.to_string());
    }
    opt(&mut c, "method", s.method.name().into());
    opt(
        &mut c,
        "encoder",
        match s.model.encoder {
            EncoderKind::Linear => "linear".into(),
            EncoderKind::Mlp => "mlp".into(),
        },
    );
    if s.model.encoder == EncoderKind::Mlp {
        opt(&mut c, "hidden", s.model.hidden.to_string());
    }
    if s.model.represent == Represent::Hidden {
        opt(&mut c, "represent", "hidden".into());
    }
    opt(
        &mut c,
        "head",
        match s.model.head {
            HeadKind::None => "none".into(),
            HeadKind::Linear => "linear".into(),
            HeadKind::Mlp => "mlp".into(),
        },
    );
    if s.model.normalize == NormalizeKind::None {
        opt(&mut c, "normalize", "none".into());
    }
    if s.model.queue > 0 {
        opt(&mut c, "queue", s.model.queue.to_string());
    }
    opt(&mut c, "dim", s.dim.to_string());
    opt(&mut c, "epochs", s.epochs.to_string());
    opt(&mut c, "batch", s.batch.to_string());
    opt(&mut c, "lr", s.lr.to_string());
    opt(&mut c, "tau", s.tau.to_string());
    opt(
        &mut c,
        "optimizer",
        match s.optimizer {
            crate::settings::OptimizerKind::Adam => "adam".into(),
            crate::settings::OptimizerKind::Sgd => "sgd".into(),
        },
    );
    opt(&mut c, "weight-decay", s.weight_decay.to_string());
    opt(&mut c, "aug", s.aug.to_string());
    opt(&mut c, "seed", s.seed.to_string());
    opt(&mut c, "repeats", s.repeats.to_string());
    if let Some(p) = &a.init {
        opt(&mut c, "init", p.display().to_string());
    }
    if a.double {
        c.push("--f64".into());
    }
    c.push("--no-search".into());
    c.join(" ")
}

/// `v` as one shell word: as is when it holds only safe characters, else single-quoted.
fn quote(v: &str) -> String {
    let safe = |ch: char| ch.is_ascii_alphanumeric() || "_./:,=+-@%".contains(ch);
    if !v.is_empty() && v.chars().all(safe) {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}
