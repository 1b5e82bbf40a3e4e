//! `probe FILE`: load → resolve settings → pretrain one run per seed → evaluate the four
//! representations → write the report (and `--export` the encoder).

use crate::dataset::{self, LoadOptions};
use crate::error::{ProbeError, Result};
use crate::eval::{Representation, pca, score};
use crate::output::build::{build_report, representation_report};
use crate::output::files::write_outputs;
use crate::output::report::Timings;
use crate::settings::options::RunArgs;
use crate::settings::resolve;
use crate::train::methods;
use crate::train::pretrain::pretrain;
use crate::train::trained::Pretrained;
use crate::weights;
use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Runs `probe FILE` with `args`, writing progress and the results table to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let path = args.csv.clone().ok_or_else(|| {
        ProbeError::usage(
            "no CSV file given",
            "run `probe data/ring.csv` (make it with `probe gen ring --out data/ring.csv`); `probe --help` lists every option",
        )
    })?;
    let t0 = Instant::now();
    let label = if args.no_label { None } else { Some(args.label.clone()) };
    let data = dataset::load(
        &path,
        &LoadOptions { label, test_frac: args.test_frac, seed: args.seed, channels: args.channels },
    )?;
    let s = resolve(args, &data, &path)?;
    let mut timings = Timings { load: t0.elapsed(), ..Default::default() };
    let d = data.dim();
    let show = !args.quiet;
    if show {
        let _ = writeln!(
            out,
            "{}: {} rows ({} train, {} test) × {} features, {}, {} classes",
            path.display(),
            data.train.len() + data.test.len(),
            data.train.len(),
            data.test.len(),
            d,
            data.kind.name(),
            data.num_classes()
        );
        if !data.zero_variance.is_empty() {
            let _ = writeln!(
                out,
                "note: {} zero-variance column(s) in train, centred and not scaled: {}",
                data.zero_variance.len(),
                data.zero_variance.join(", ")
            );
        }
        for c in &s.chosen {
            let _ = writeln!(out, "chose {} {}: {}", c.option, c.value, c.reason);
        }
        if let Some(i) = &s.cfg.init {
            let _ = writeln!(out, "init: {}", i.describe());
        }
    }

    // Pretraining, one run per seed.
    let t1 = Instant::now();
    let bar_on = show && std::io::stderr().is_terminal();
    let mut runs: Vec<Pretrained> = Vec::new();
    let train_input = data.encoder_train();
    for &seed in &s.seeds {
        let cfg = crate::settings::PretrainConfig { seed, ..s.cfg.clone() };
        let bar = if bar_on {
            let b = indicatif::ProgressBar::new(cfg.epochs as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] epoch {pos}/{len}  loss {msg}")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b.set_prefix(format!("seed {seed}"));
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        let mut progress = |e: usize, l: f64| {
            bar.set_position(e as u64);
            bar.set_message(format!("{l:.4}"));
        };
        let mut warn = |w: &str| {
            if show {
                let _ = writeln!(out, "seed {seed}: {w}");
            }
        };
        let r = match &s.model {
            Some(m) => {
                methods::pretrain_for_run(&train_input, d, &cfg, m, s.double, &mut progress, &mut warn)
            }
            None if s.double => pretrain::<f64>(&train_input, d, &cfg, &mut progress),
            None => pretrain::<f32>(&train_input, d, &cfg, &mut progress),
        };
        bar.finish_and_clear();
        runs.push(r?);
    }
    timings.pretrain = t1.elapsed();

    // Evaluation.
    let t2 = Instant::now();
    let k = s.cfg.dim;
    let mut evaluation = Vec::new();
    if data.labelled() {
        let kp = k.min(d);
        let pca = pca::Pca::fit(&data.train.x, d, kp);
        let one = |name: &str, rep: &Representation<'_>| {
            representation_report(
                name,
                rep.dim(d),
                vec![(s.seeds[0], score(&data, rep, &s.cfg.aug, s.seeds[0]))],
            )
        };
        evaluation.push(one("raw", &Representation::Raw));
        evaluation.push(one("pca", &Representation::Pca(&pca)));
        let mut random = Vec::new();
        let mut trained = Vec::new();
        for (&seed, r) in s.seeds.iter().zip(&runs) {
            let input = data.encoder_input.as_ref();
            let aug = &s.cfg.aug;
            random.push((seed, score(&data, &r.representation(false, k, input), aug, seed)));
            trained.push((seed, score(&data, &r.representation(true, k, input), aug, seed)));
        }
        let initial = if s.cfg.init.is_some() { "init" } else { "random" };
        evaluation.push(representation_report(initial, k, random));
        evaluation.push(representation_report("pretrained", k, trained));
    }
    timings.evaluate = t2.elapsed();

    let report = build_report(&path, &data, &s, &runs, evaluation);
    write_outputs(&s.out_dir, &report, &data, &runs, k, &timings)?;
    if let Some(dir) = &args.export {
        let c = weights::Checkpoint::of_run(runs[0].net.clone(), &data);
        let source = format!("{} (seed {})", path.display(), s.seeds[0]);
        let files = weights::export(dir, &c, &source)?;
        if show {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            let _ = writeln!(out, "exported the encoder (seed {}) to {}", s.seeds[0], names.join(", "));
        }
    }
    if show {
        let _ = writeln!(out);
        if report.evaluation.is_empty() {
            let _ = writeln!(out, "no labels: pretrained only, embeddings exported");
        } else {
            if let Some(v) = &report.verdict {
                let _ = writeln!(out, "verdict: {}\n", v.summary);
            }
            let _ = write!(out, "{}", report.table());
        }
        let _ = writeln!(
            out,
            "\nload {:.2} s, pretrain {:.2} s, evaluate {:.2} s; wrote {}/{{report.json, report.md, loss.svg{}, embeddings.csv}}",
            timings.load.as_secs_f64(),
            timings.pretrain.as_secs_f64(),
            timings.evaluate.as_secs_f64(),
            s.out_dir.display(),
            if report.evaluation.is_empty() { "" } else { ", embedding.svg" }
        );
    }
    Ok(())
}
