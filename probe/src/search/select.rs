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
//! `--no-search`, a method the searched options do not apply to (`ae`), or every searched
//! option set by the user leaves the run as it was: one configuration, no search.

use super::halving::halve;
use super::result::{CandidateResult, Criterion, Search, ValidationComparison, ValidationScore};
use super::space::candidates;
use super::validation::{SEARCH_ROWS, UNUSED, fold_data, folds, plan, sample};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::eval::pca::Pca;
use crate::eval::{Representation, score};
use crate::network::{EncoderKind, HeadKind};
use crate::settings::options::RunArgs;
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
    let space = candidates(args, &data.kind, data.dim(), labels);
    if space.is_empty() {
        return Ok(None);
    }
    let n = data.train.len();
    let (y, classes) = if labels { (data.train.y.clone(), data.num_classes()) } else { (vec![0; n], 1) };
    let min_class = (0..classes).map(|c| y.iter().filter(|&&v| v == c).count()).min().unwrap_or(0);
    let p = plan(n, min_class);
    let mut fold_of = folds(&y, classes, p.k, args.seed);
    sample(&mut fold_of, &y, classes, SEARCH_ROWS, args.seed);
    let used = fold_of.iter().filter(|&&f| f != UNUSED).count();
    // Every round needs a batch of 2 training rows and a row to validate on; with fewer rows
    // there is nothing to validate on, and the run keeps the defaults.
    let held_out = |f: usize| fold_of.iter().filter(|&&g| g == f).count();
    if (0..p.rounds).any(|f| held_out(f) == 0 || used - held_out(f) < 2) {
        return Ok(None);
    }
    let rounds: Vec<Dataset> = (0..p.rounds).map(|f| fold_data(data, &fold_of, f)).collect();
    let criterion = if labels { Criterion::ProbeAndKnn } else { Criterion::Rankme };
    let runs: Vec<RunArgs> = space.iter().map(|c| c.apply(args)).collect();
    let family: Vec<usize> = runs.iter().map(|a| a.encoder as usize).collect();
    let (scores, win) = halve(&runs, &family, &rounds, path, criterion, args.seed, threads);
    let winner = runs[win].clone();
    let s = resolve(&winner, data, path)?;
    let validation =
        if labels { compare(&rounds, &s, scores[win].last().map(|r| (r.linear_probe, r.knn))) } else { None };
    let full_trainings = scores.iter().flatten().map(|r| r.fraction).sum::<f64>() * p.rounds as f64;
    let mut schedule = "within each encoder family, all candidates × 1/9 of their epochs, the best third × 1/3, the best one × all; the families' best compared at full training".to_string();
    if used < n {
        schedule += &format!("; validated on a stratified sample of {used} of the {n} training rows");
    }
    let why = why(&space.iter().map(|c| c.flags()).collect::<Vec<_>>(), &scores, win, criterion);
    let mut fixed: Vec<String> =
        args.explicit.iter().filter(|id| SEARCHED.contains(&id.as_str())).cloned().collect();
    fixed.sort();
    let record = Search {
        criterion,
        labels_used: labels,
        folds: p.k,
        rounds: p.rounds,
        seed: args.seed,
        schedule: format!("successive halving (η = 3): {schedule}"),
        fixed: fixed.iter().map(|id| format!("--{id}")).collect(),
        candidates: space
            .iter()
            .zip(scores)
            .map(|(c, rungs)| CandidateResult { options: c.flags(), rungs })
            .collect(),
        chosen: win,
        why,
        command: command_line(path, &winner, &s),
        full_trainings,
        validation,
    };
    Ok(Some((winner, record)))
}

/// The options the search varies (clap ids).
const SEARCHED: [&str; 4] = ["encoder", "aug", "tau", "dim"];

/// Why the winner won: its score at full training, and the best other candidate trained in
/// full (the other encoder family's finalist) or, failing one, its lead in its own family at the
/// rung before.
fn why(
    names: &[String],
    scores: &[Vec<crate::search::result::RungScore>],
    win: usize,
    c: Criterion,
) -> String {
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
    if let Some(o) = best_other(1.0) {
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
    rounds: &[Dataset],
    s: &Settings,
    pretrained: Option<(Option<f64>, Option<f64>)>,
) -> Option<ValidationComparison> {
    let (Some(lr), Some(knn)) = pretrained? else { return None };
    let n = rounds.len().max(1) as f64;
    let mut raw = ValidationScore { linear_probe: 0.0, knn: 0.0 };
    let mut pca = raw;
    for f in rounds {
        let d = f.dim();
        let p = Pca::fit(&f.train.x, d, s.dim.min(d));
        for (acc, rep) in [(&mut raw, Representation::Raw), (&mut pca, Representation::Pca(&p))] {
            let sc = score(f, &rep, &s.aug, s.seed);
            acc.linear_probe += sc.probe.accuracy / n;
            acc.knn += sc.knn.k20_weighted / n;
        }
    }
    Some(ValidationComparison { pretrained: ValidationScore { linear_probe: lr, knn }, raw, pca })
}

/// `probe …` with every option of the final run spelled out (and `--no-search`), which repeats
/// it without searching.
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
    opt(
        &mut c,
        "head",
        match s.model.head {
            HeadKind::None => "none".into(),
            HeadKind::Linear => "linear".into(),
            HeadKind::Mlp => "mlp".into(),
        },
    );
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
