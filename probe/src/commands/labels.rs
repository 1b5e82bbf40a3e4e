//! `probe labels FILE`: label efficiency and fine-tuning — does pretraining help most when
//! labels are scarce?
//!
//! load → resolve the settings (as `probe FILE`) → pretrain once per seed on every training row
//! without labels ([`super::pipeline::train_runs`]) → for each label fraction, seed and draw, a
//! stratified subset of the training labels ([`crate::eval::label_efficiency`]) on which
//! - the linear probe and the weighted kNN of raw features, PCA (fitted on every training row),
//!   the random encoder and the pretrained encoder are fitted, and
//! - the encoder plus a linear classifier are fine-tuned end to end with softmax cross-entropy,
//!   from the pretrained encoder and from the random one ([`crate::train::finetune`],
//!   hyper-parameters chosen on validation folds of the subset);
//!
//! every one scored on all test rows → `report.json`, `report.md`, `labels.svg`
//! ([`crate::output::labels`]). Subsets run in parallel on `--threads`; each depends only on
//! its fraction, seed and draw, so the report does not depend on the thread count.

use super::pipeline::{check_memory, load, print_notes, train_runs};
use crate::cli::LabelsArgs;
use crate::error::{ProbeError, Result};
use crate::eval::label_efficiency::{Embedded, SubsetScores, class_orders, score_subset, stratified_subset};
use crate::eval::pca::Pca;
use crate::eval::{Representation, parallel};
use crate::output::files::write_atomically;
use crate::output::labels::{Curve, FineTuneProtocol, LabelsReport, Point, SubsetRun};
use crate::output::labels_plot::labels_curve;
use crate::settings::resolve;
use crate::train::finetune::{Labelled, Selection, fit, select};
use std::io::Write;

/// The most subsets drawn per fraction and seed: each is a linear probe, a kNN and two
/// fine-tunings, so more would run for days (and the job list alone would not fit in memory
/// long before `usize::MAX`).
const MAX_DRAWS: usize = 10_000;

/// Checks the options; returns the fractions (%) asked for, sorted and without repeats.
fn check_args(args: &LabelsArgs) -> Result<Vec<f64>> {
    let mut f = args.fractions.clone();
    if let Some(bad) = f.iter().find(|&&p| !(p > 0.0 && p <= 100.0)) {
        return Err(ProbeError::usage(
            format!("--fractions {bad}: a label fraction is a percentage of the training labels in (0, 100]"),
            "pass percentages such as --fractions 1,5,10,25,100",
        ));
    }
    f.sort_by(f64::total_cmp);
    f.dedup();
    if args.draws == 0 {
        return Err(ProbeError::usage(
            "--draws 0: each fraction needs at least one subset",
            "pass e.g. --draws 3",
        ));
    }
    if args.draws > MAX_DRAWS {
        return Err(ProbeError::usage(
            format!("--draws {} is more than {MAX_DRAWS} subsets per fraction and seed", args.draws),
            "pass e.g. --draws 10 (the standard error of the mean falls as 1/√draws)",
        ));
    }
    if args.run.no_label {
        return Err(ProbeError::usage("probe labels measures accuracy: it needs labels", "drop --no-label"));
    }
    if args.run.export.is_some() {
        return Err(ProbeError::usage(
            "probe labels does not export an encoder",
            "export one with `probe DATA.csv --export DIR`",
        ));
    }
    Ok(f)
}

/// The seed of draw `draw` of the subsets of pretraining seed `seed`.
fn draw_seed(seed: u64, draw: usize) -> u64 {
    seed ^ (draw as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x1abe_15ee_d000_0000
}

/// What one subset gives.
struct Outcome {
    rows: usize,
    min_class: usize,
    /// raw, pca, random, pretrained.
    frozen: [SubsetScores; 4],
    /// From the pretrained and from the random encoder: (selection, test accuracy).
    finetune: [(Selection, f64); 2],
}

/// Runs `probe labels` with `args`, writing progress and the table to `out`.
pub fn run(args: &LabelsArgs, out: &mut dyn Write) -> Result<()> {
    let fracs = check_args(args)?;
    let a = &args.run;
    let (path, data) =
        load(a, "run `probe labels data/digits.csv`; `probe labels --help` lists every option")?;
    check_memory(&data, a, a.repeats)?;
    let s = resolve(a, &data, &path)?;
    let (d, c) = (data.dim(), data.num_classes());
    let show = !a.quiet;
    if show {
        let _ = writeln!(
            out,
            "{}: {} train rows, {} test rows × {d} features, {c} classes; fractions {:?} %, {} seed(s) × {} draw(s)",
            path.display(),
            data.train.len(),
            data.test.len(),
            fracs,
            s.seeds.len(),
            args.draws
        );
        print_notes(&data, out);
    }
    let runs = train_runs(&data, &s, show, &mut |seed, w| {
        if show {
            let _ = writeln!(out, "seed {seed}: {w}");
        }
    })?;

    // Every representation embedded once; fine-tuning works in the encoders' input space.
    let base = data.baseline_view();
    let pca = Pca::fit(&base.train.x, d, s.dim.min(d));
    let raw = Embedded::new(base.train.x.clone(), base.test.x.clone(), d, false);
    let pca_e = Embedded::new(pca.transform(&base.train.x), pca.transform(&base.test.x), pca.k, false);
    let input = data.encoder_input.as_ref();
    let encoder = |e: &crate::network::Embedder| {
        let rep = Representation::Encoder { e, input };
        Embedded::new(rep.apply(&data.train.x, d), rep.apply(&data.test.x, d), rep.dim(d), true)
    };
    let encoded: Vec<[Embedded; 2]> =
        runs.iter().map(|r| [encoder(&r.initial), encoder(&r.trained)]).collect();
    let x_train = data.encoder_train();
    let x_test = input.map_or_else(|| data.test.x.clone(), |m| m.apply(&data.test.x));
    let train_l = Labelled { x: &x_train, d, y: &data.train.y, classes: c };
    let test_l = Labelled { x: &x_test, d, y: &data.test.y, classes: c };
    let test_rows: Vec<usize> = (0..data.test.len()).collect();

    // One job per (fraction, seed, draw); a fraction of 100 % has one draw.
    let jobs: Vec<(usize, usize, usize)> = (0..fracs.len())
        .flat_map(|fi| {
            let draws = if fracs[fi] >= 100.0 { 1 } else { args.draws };
            (0..s.seeds.len()).flat_map(move |si| (0..draws).map(move |dr| (fi, si, dr)))
        })
        .collect();
    if show {
        let _ = writeln!(out, "scoring and fine-tuning on {} labelled subsets", jobs.len());
    }
    let outcomes: Vec<Result<Outcome>> = parallel::map(jobs.len(), s.threads, |j| {
        let (fi, si, dr) = jobs[j];
        let seed = draw_seed(s.seeds[si], dr);
        let subset = stratified_subset(&class_orders(&data.train.y, c, seed), fracs[fi] / 100.0);
        let score = |e: &Embedded| score_subset(e, &data.train.y, &data.test.y, &subset, c);
        let frozen = [score(&raw), score(&pca_e), score(&encoded[si][0]), score(&encoded[si][1])];
        let tune = |start| -> Result<(Selection, f64)> {
            let sel = select(start, &train_l, &subset, seed, s.precision);
            let f = fit(start, &train_l, &subset, sel.recipe, seed, s.precision, &[], &mut |_, _| {});
            let f = f.ok_or_else(|| {
                ProbeError::training(
                    format!(
                        "fine-tuning diverged on {} labelled rows (lr {}, {} steps)",
                        subset.len(),
                        sel.recipe.lr,
                        sel.recipe.steps
                    ),
                    "train in double precision with --f64",
                )
            })?;
            Ok((sel, f.accuracy(&test_l, &test_rows)))
        };
        let finetune = [tune(&runs[si].trained)?, tune(&runs[si].initial)?];
        let min_class = (0..c).map(|k| subset.iter().filter(|&&i| data.train.y[i] == k).count()).min();
        Ok(Outcome { rows: subset.len(), min_class: min_class.unwrap_or(0), frozen, finetune })
    });
    let outcomes: Vec<Outcome> = outcomes.into_iter().collect::<Result<_>>()?;

    let random = if s.init.is_some() { "init" } else { "random" };
    let names = ["raw", "pca", random, "pretrained"];
    let curve = |representation: &str, evaluation: &str, value: &dyn Fn(&Outcome) -> f64| Curve {
        representation: representation.into(),
        evaluation: evaluation.into(),
        points: (0..fracs.len())
            .map(|fi| {
                let acc = jobs.iter().zip(&outcomes).filter(|((f, _, _), _)| *f == fi).map(|(_, o)| value(o));
                Point::of(fracs[fi], acc.collect())
            })
            .collect(),
    };
    let mut curves = Vec::new();
    for (evaluation, linear) in [("linear", true), ("knn", false)] {
        for (r, name) in names.iter().enumerate() {
            curves.push(curve(name, evaluation, &|o| {
                if linear { o.frozen[r].linear } else { o.frozen[r].knn }
            }));
        }
    }
    curves.push(curve("pretrained", "finetune", &|o| o.finetune[0].1));
    curves.push(curve(random, "finetune", &|o| o.finetune[1].1));
    let subsets = jobs
        .iter()
        .zip(&outcomes)
        .map(|(&(fi, si, draw), o)| SubsetRun {
            fraction: fracs[fi],
            seed: s.seeds[si],
            draw,
            rows: o.rows,
            min_class_rows: o.min_class,
            finetune_pretrained: o.finetune[0].0,
            finetune_random: o.finetune[1].0,
        })
        .collect();
    let report = LabelsReport {
        schema: "probe-labels/1",
        file: path.display().to_string(),
        kind: data.kind.name().to_string(),
        features: d,
        classes: c,
        train_rows: data.train.len(),
        test_rows: data.test.len(),
        fractions: fracs,
        draws: args.draws,
        config: s.clone(),
        finetune: FineTuneProtocol::current(),
        curves,
        subsets,
    };
    let dir = if a.out.is_some() { s.out_dir.clone() } else { s.out_dir.join("labels") };
    let svg = labels_curve(&report).map_err(|e| ProbeError::output(&dir.join("labels.svg"), &e))?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| ProbeError::output(&dir, &e))? + "\n";
    let files = [
        ("report.json", json.into_bytes()),
        ("report.md", report.markdown().into_bytes()),
        ("labels.svg", svg.into_bytes()),
    ];
    write_atomically(&dir, &files)?;
    if show {
        let _ = write!(out, "\n{}", report.table());
        let _ = writeln!(out, "\nwrote {}/{{report.json, report.md, labels.svg}}", dir.display());
    }
    Ok(())
}
