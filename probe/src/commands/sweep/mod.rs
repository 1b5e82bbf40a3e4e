//! `probe sweep FILE.csv --vary tau=0.05,0.1,0.2,0.5,1 [--vary batch=16,32,64] [--grid]`: the
//! seed's claims about batch size, temperature, normalization, augmentation strength,
//! memory queues, projection heads, epochs and methods, measured on the user's data.
//!
//! Every point of the sweep is one `probe FILE` run: the base options (every data-dependent
//! default pinned to its resolved value, [`factor::pin_defaults`]) with one option replaced
//! ([`factor::apply`]), resolved by the same [`resolve`], trained by the same loop (all points
//! and seeds spread over the cores, [`train_each`]), scored by the same [`score`] into the same
//! [`RepresentationReport`](crate::output::report::RepresentationReport). So a point's settings differ from the base's in the varied field
//! only, every point uses the same split (the base's `--seed`), and its command line
//! reproduces it with plain `probe`. Without `--grid` each factor is varied alone around the
//! base (one factor at a time); with `--grid` every combination of the values is run. Points
//! with identical settings (the base's own value listed under two factors) are run once and
//! reported under each.
//!
//! A seed whose training diverges is recorded as diverged at its point (the others still
//! count); one whose encoder collapses is flagged. Per point: linear probe and weighted kNN
//! (mean ± std over the seeds), alignment, uniformity, effective rank, the final epoch's
//! pretext loss and, for InfoNCE / NT-Xent, the mutual-information bound `log N − L` (`N`
//! candidates per anchor: `B`, `B + Q` with a queue, `2B − 1` for NT-Xent).
//!
//! Output (under `reports/<csv stem>/sweep/` or `--out`): the table on the terminal and in
//! `sweep.md`, `sweep.json` (no timings: the same command gives the same bytes, whatever the
//! thread count), one SVG per factor (each metric against the factor's values, error bars ±1
//! std) and `loss_vs_accuracy.svg` (pretext loss against linear-probe accuracy over every
//! point: the seed's last pitfall).

pub mod factor;

use super::pipeline::{check_memory, load, print_notes, train_each};
use crate::cli::SweepArgs;
use crate::dataset::Dataset;
use crate::error::{ProbeError, Result};
use crate::eval::{Representation, parallel, score};
use crate::output::build::{config, representation_report};
use crate::output::files::write_atomically;
use crate::output::sweep::{self, Point, SweepReport};
use crate::output::sweep_plot;
use crate::search::select::command_line;
use crate::settings::options::RunArgs;
use crate::settings::{Method, Settings, resolve};
use crate::train::Trained;
use factor::{Factor, Vary};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Seeds per point when `--repeats` is not given.
pub const DEFAULT_REPEATS: usize = 3;

/// One point to run: which factor values it sets, its options and its resolved settings.
struct Plan {
    set: Vec<(Factor, String)>,
    args: RunArgs,
    settings: Settings,
}

/// The points of the sweep: one factor at a time around the base, or every combination.
fn plan(
    base_args: &RunArgs,
    base: &Settings,
    varies: &[Vary],
    grid: bool,
    data: &Dataset,
    path: &Path,
) -> Result<Vec<Plan>> {
    let mut combos: Vec<Vec<(Factor, String)>> = Vec::new();
    if grid {
        combos.push(Vec::new());
        for v in varies {
            combos = combos
                .into_iter()
                .flat_map(|c| {
                    v.values.iter().map(move |x| {
                        let mut c = c.clone();
                        c.push((v.factor, x.clone()));
                        c
                    })
                })
                .collect();
        }
    } else {
        for v in varies {
            combos.extend(v.values.iter().map(|x| vec![(v.factor, x.clone())]));
        }
    }
    combos
        .into_iter()
        .map(|set| {
            let mut args = base_args.clone();
            for (f, x) in &set {
                args = factor::apply(&args, base, *f, x)?;
            }
            let settings = resolve(&args, data, path).map_err(|mut e| {
                let what: Vec<String> = set.iter().map(|(f, x)| format!("{}={x}", f.name())).collect();
                e.what = format!("sweep point {}: {}", what.join(" "), e.what);
                e
            })?;
            Ok(Plan { set, args, settings })
        })
        .collect()
}

/// `log N − L` for the contrastive methods (`N` candidates per anchor), else `None`.
fn mi_bound(s: &Settings, loss: f64) -> Option<f64> {
    let b = s.batch as f64;
    let n = match s.method {
        Method::Infonce => b + s.model.queue as f64,
        Method::Ntxent => 2.0 * b - 1.0,
        _ => return None,
    };
    Some(n.ln() - loss)
}

fn set_names(set: &[(Factor, String)]) -> Vec<(String, String)> {
    set.iter().map(|(f, x)| (f.name().to_string(), x.clone())).collect()
}

/// Scores the trained encoders of every point (all points and seeds spread over the cores)
/// and assembles the points.
fn points(data: &Dataset, plans: &[&Plan], runs: Vec<Vec<Result<Trained>>>, path: &Path) -> Vec<Point> {
    let input = data.encoder_input.as_ref();
    let jobs: Vec<(usize, usize)> = runs
        .iter()
        .enumerate()
        .flat_map(|(p, r)| r.iter().enumerate().filter(|(_, t)| t.is_ok()).map(move |(j, _)| (p, j)))
        .collect();
    let threads = plans.first().map_or(1, |p| p.settings.threads);
    let scores = parallel::map(jobs.len(), threads, |i| {
        let (p, j) = jobs[i];
        let (s, t) = (&plans[p].settings, &runs[p][j]);
        let e = &t.as_ref().expect("only trained runs are scored").trained;
        (s.seeds[j], score(data, &Representation::Encoder { e, input }, &s.aug, s.seeds[j]))
    });
    let mut scores = scores.into_iter();
    plans
        .iter()
        .zip(runs)
        .map(|(plan, runs)| {
            let s = &plan.settings;
            let ok = runs.iter().filter(|r| r.is_ok()).count();
            let scored: Vec<_> = scores.by_ref().take(ok).collect();
            let mut final_loss = Vec::new();
            let (mut diverged, mut collapsed) = (Vec::new(), Vec::new());
            for (&seed, r) in s.seeds.iter().zip(&runs) {
                match r {
                    Ok(t) => {
                        final_loss.push(t.losses.last().copied().unwrap_or(f64::NAN));
                        if t.collapse.flagged {
                            collapsed.push(seed);
                        }
                    }
                    Err(e) => diverged.push(sweep::Failure { seed, error: e.to_string() }),
                }
            }
            let mi: Vec<f64> = final_loss.iter().filter_map(|&l| mi_bound(s, l)).collect();
            Point {
                set: set_names(&plan.set),
                command: command_line(path, &plan.args, s),
                pretrained: (!scored.is_empty()).then(|| representation_report("pretrained", s.dim, scored)),
                final_loss: sweep::Stat::of(&final_loss),
                mi_bound: (!mi.is_empty()).then(|| sweep::Stat::of(&mi)),
                diverged,
                collapsed,
                settings: s.clone(),
            }
        })
        .collect()
}

/// Runs the sweep; writes the table to `out`, notes and collapse warnings to `err`.
/// `repeats_given`: whether `--repeats` was on the command line (else [`DEFAULT_REPEATS`]).
pub fn run(args: &SweepArgs, repeats_given: bool, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let t0 = Instant::now();
    let mut run = args.run.clone();
    if !repeats_given {
        run.repeats = DEFAULT_REPEATS;
    }
    if args.vary.is_empty() {
        return Err(ProbeError::usage(
            "probe sweep needs at least one --vary",
            "write e.g. `probe sweep data/digits.csv --vary tau=0.05,0.1,0.2,0.5,1`",
        ));
    }
    let varies = args.vary.iter().map(|v| factor::parse_vary(v)).collect::<Result<Vec<_>>>()?;
    for (i, v) in varies.iter().enumerate() {
        if varies[..i].iter().any(|w| w.factor == v.factor) {
            return Err(ProbeError::usage(
                format!("--vary {} is given twice", v.factor.name()),
                "list all its values in one --vary",
            ));
        }
    }
    let (path, data) = load(&run, "run `probe sweep data/digits.csv --vary tau=0.1,0.5`")?;
    if !data.labelled() {
        return Err(ProbeError::usage("probe sweep needs labels to score each point", "drop --no-label"));
    }
    if run.export.is_some() {
        return Err(ProbeError::usage(
            "probe sweep does not export an encoder",
            "export one point's encoder with its `probe` command line and --export DIR",
        ));
    }
    print_notes(&data, err);
    // The base before resolving it (which allocates per repeat), then every point below.
    check_memory(&data, &run, run.repeats)?;
    let base = resolve(&run, &data, &path)?;
    let pinned = factor::pin_defaults(&run, &base);
    let base = resolve(&pinned, &data, &path)?;
    let plans = plan(&pinned, &base, &varies, args.grid, &data, &path)?;
    // Identical settings (the base's value listed under two factors) run once: `unique` holds
    // the plans that run, `of[i]` the index in `unique` of plan i's settings.
    let (mut keys, mut unique, mut of) = (Vec::new(), Vec::new(), Vec::new());
    for p in &plans {
        let key = serde_json::to_string(&p.settings).unwrap_or_default();
        match keys.iter().position(|k| *k == key) {
            Some(j) => of.push(j),
            None => {
                keys.push(key);
                unique.push(p);
                of.push(unique.len() - 1);
            }
        }
    }
    for p in &unique {
        check_memory(&data, &p.args, p.args.repeats)?;
    }
    let show = !run.quiet;
    let out_dir = run.out.clone().unwrap_or_else(|| base.out_dir.join("sweep"));
    if show {
        let _ = writeln!(
            out,
            "{}: {} train / {} test rows × {} features; {} point(s) × {} seed(s), {}",
            path.display(),
            data.train.len(),
            data.test.len(),
            data.dim(),
            unique.len(),
            base.seeds.len(),
            if args.grid { "grid" } else { "one factor at a time" }
        );
    }
    let settings: Vec<Settings> = unique.iter().map(|p| p.settings.clone()).collect();
    let t1 = Instant::now();
    let runs = train_each(&data, &settings, false, &mut |i, seed, w| {
        let _ = writeln!(err, "{} seed {seed}: {w}", sweep::label(&set_names(&unique[i].set)));
    });
    let train_time = t1.elapsed();
    let scored = points(&data, &unique, runs, &path);
    let points = plans
        .iter()
        .zip(of)
        .map(|(p, j)| sweep::Point { set: set_names(&p.set), ..scored[j].clone() })
        .collect();
    let report = SweepReport {
        schema: sweep::SCHEMA.into(),
        file: path.display().to_string(),
        shape: [data.train.len(), data.test.len(), data.dim(), data.num_classes()],
        grid: args.grid,
        vary: varies
            .into_iter()
            .map(|v| sweep::Varied { factor: v.factor.name().into(), values: v.values })
            .collect(),
        base: config(&data, &base),
        points,
    };
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| ProbeError::output(&out_dir.join("sweep.json"), &e))?
        + "\n";
    let table = sweep::table(&report);
    let plots = sweep_plot::plots(&report).map_err(|e| ProbeError::output(&out_dir, &e))?;
    let md = sweep::markdown(&report, &table, &plots, t0.elapsed().as_secs_f64(), train_time.as_secs_f64());
    let mut files: Vec<(&str, Vec<u8>)> =
        vec![("sweep.json", json.into_bytes()), ("sweep.md", md.into_bytes())];
    files.extend(plots.iter().map(|(name, svg)| (name.as_str(), svg.clone().into_bytes())));
    write_atomically(&out_dir, &files)?;
    if show {
        let _ = writeln!(out, "\n{table}");
        let names: Vec<&str> = files.iter().map(|f| f.0).collect();
        let _ = writeln!(
            out,
            "{:.1} s ({:.1} s training); wrote {}/{{{}}}",
            t0.elapsed().as_secs_f64(),
            train_time.as_secs_f64(),
            out_dir.display(),
            names.join(", ")
        );
    }
    Ok(())
}
