//! `probe FILE`: load → resolve settings → pretrain one run per seed → evaluate the four
//! representations → write the report (and `--export` the encoder).

use super::pipeline::{EvalBars, baselines, encoders, load, train_runs};
use crate::error::Result;
use crate::network::Embedder;
use crate::output::build::build_report;
use crate::output::files::write_outputs;
use crate::output::report::Timings;
use crate::settings::options::RunArgs;
use crate::settings::{choice, resolve};
use crate::weights;
use std::io::Write;
use std::time::Instant;

/// Runs `probe FILE` with `args`, writing progress and the results table to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let t0 = Instant::now();
    let (path, data) = load(
        args,
        "run `probe data/ring.csv` (make it with `probe gen ring --out data/ring.csv`); `probe --help` lists every option",
    )?;
    // The memory the final run needs, checked for the user's options before the search and
    // again for the search's winner (whose encoder or K may be larger) before the final run.
    let check_memory = |a: &RunArgs| {
        let hidden = if a.encoder == crate::network::EncoderKind::Mlp { a.hidden } else { 0 };
        // The hidden layer, when it is the representation, is the width of the embeddings.
        let dim = if a.represent == crate::network::Represent::Hidden { Some(a.hidden) } else { a.dim };
        let footprint = data.footprint(dim, hidden, a.batch, a.repeats);
        crate::dataset::memory::check_memory(&footprint, crate::dataset::memory::available_bytes())
    };
    check_memory(args)?;
    let s = resolve(args, &data, &path)?;
    let t_search = Instant::now();
    let found = crate::search::select::search(args, &data, &path, s.threads)?;
    let s = match &found {
        Some((winner, record)) => {
            check_memory(winner)?;
            let mut s = resolve(winner, &data, &path)?;
            let c = &record.candidates[record.chosen];
            s.chosen.push(choice("search", &c.options, &record.why));
            s
        }
        None => s,
    };
    let search_time = t_search.elapsed();
    let mut timings = Timings { load: t0.elapsed().saturating_sub(search_time), ..Default::default() };
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
        for note in &data.notes {
            let _ = writeln!(out, "{note}");
        }
        if !data.zero_variance.is_empty() {
            let _ = writeln!(
                out,
                "note: {} zero-variance column(s) in train, centred and not scaled: {}",
                data.zero_variance.len(),
                data.zero_variance.join(", ")
            );
        }
        if let Some((_, record)) = &found {
            let _ = write!(out, "{}", crate::output::search::terminal(record));
        }
        for c in &s.chosen {
            let _ = writeln!(out, "chose {} {}: {}", c.option, c.value, c.reason);
        }
        if let Some(i) = &s.init {
            let _ = writeln!(out, "init: {}", i.describe());
        }
    }

    // Training, one run per seed, through the one training loop.
    let t1 = Instant::now();
    let runs = train_runs(&data, &s, show, &mut |seed, w| {
        if show {
            let _ = writeln!(out, "seed {seed}: {w}");
        }
    })?;
    timings.pretrain = t1.elapsed();

    // Evaluation.
    let t2 = Instant::now();
    let mut evaluation = Vec::new();
    if data.labelled() {
        let bars = EvalBars::new(show);
        evaluation.extend(baselines(&data, &s, &bars));
        let initial: Vec<(u64, &Embedder)> =
            s.seeds.iter().copied().zip(runs.iter().map(|r| &r.initial)).collect();
        let trained: Vec<(u64, &Embedder)> =
            s.seeds.iter().copied().zip(runs.iter().map(|r| &r.trained)).collect();
        let name = if s.init.is_some() { "init" } else { "random" };
        evaluation.push(encoders(name, &data, &s, &initial, &bars));
        evaluation.push(encoders("pretrained", &data, &s, &trained, &bars));
    }
    timings.evaluate = t2.elapsed();

    let found_search = found.is_some();
    let mut report = build_report(&path, &data, &s, &runs, evaluation);
    if let Some((_, record)) = found {
        if let Some(v) = &mut report.verdict {
            crate::output::search::annotate(v, &record);
        }
        report.search = Some(record);
    }
    write_outputs(&s.out_dir, &report, &data, &runs, &timings)?;
    if let Some(dir) = &args.export {
        let c = weights::Checkpoint::of_run(runs[0].net.clone(), &data);
        let source = format!("{} (seed {})", path.display(), s.seeds[0]);
        let files = weights::export(dir, &c, &source)?;
        if show {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            let _ = writeln!(out, "exported the encoder (seed {}) to {}", s.seeds[0], names.join(", "));
            if s.model.represent == crate::network::Represent::Hidden {
                let _ = writeln!(
                    out,
                    "note: the report evaluated the MLP's hidden layer relu(W1 x + b1) (--represent hidden); the export holds the whole encoder, so apply only its first layer to get that representation"
                );
            }
        }
    }
    if show {
        let _ = writeln!(out);
        if report.evaluation.is_empty() {
            let _ = writeln!(out, "no labels: pretrained only, embeddings exported");
        } else {
            let _ = write!(out, "{}", report.table());
            let _ = writeln!(out, "{}", report.legend());
            if let Some(n) = report.sampling_note() {
                let _ = writeln!(out, "{n}");
            }
        }
        let _ = writeln!(
            out,
            "\nload {:.2} s, {}pretrain {:.2} s, evaluate {:.2} s; wrote {}/{{report.json, report.md, loss.svg{}, embeddings.csv}}",
            timings.load.as_secs_f64(),
            if found_search { format!("search {:.2} s, ", search_time.as_secs_f64()) } else { String::new() },
            timings.pretrain.as_secs_f64(),
            timings.evaluate.as_secs_f64(),
            s.out_dir.display(),
            if report.evaluation.is_empty() { "" } else { ", embedding.svg" }
        );
        if let Some(v) = report.verdict_line() {
            let _ = writeln!(out, "\n{v}");
        }
    }
    Ok(())
}
