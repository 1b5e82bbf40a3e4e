//! `probe FILE`: load → resolve settings → search → pretrain one run per seed → evaluate the
//! four representations → write the report (and `--export` the encoder).
//!
//! With two threads or more, the evaluations that need neither the search's winner nor the
//! trained encoder run on one more thread beside the search (the raw features' linear probe
//! and kNN) and beside the pretraining (PCA and the random encoder), within `BESIDE_BYTES`
//! of extra memory; the report is byte-identical to the one of the same steps in sequence.

use super::pipeline::{
    EvalBars, check_memory, encoders, footprint, initial_encoders, load, pca_report, print_notes, raw_report,
    raw_retrieval, spinner, train_runs,
};
use crate::dataset::{Dataset, memory};
use crate::error::Result;
use crate::eval::parallel;
use crate::network::Embedder;
use crate::output::build::build_report;
use crate::output::files::write_outputs;
use crate::output::report::{RepresentationReport, Timings};
use crate::search::result::Search;
use crate::settings::options::RunArgs;
use crate::settings::{Settings, choice, resolve};
use crate::weights;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The most memory an evaluation beside the search or the pretraining may add, counted as 4
/// words of 8 bytes per row and embedding dimension (the train and test embeddings and their
/// standardized or `f32` copies): 512 MiB, about 500 000 rows × 32 or 125 000 rows × 128.
/// Running beside saves the idle core of the search's last trials and of the pretraining, a
/// few seconds whatever the rows, while its memory grows with the rows: at 1 000 000 rows × 32
/// features it raised the peak from 1.05 to 2.3 GB (`BENCHMARKS.md`, "Scale"), so larger
/// evaluations run in sequence.
const BESIDE_BYTES: u128 = 512 << 20;

/// Runs `probe FILE` with `args`, writing progress and the results table to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let t0 = Instant::now();
    let (path, data) = load(
        args,
        "run `probe data/ring.csv` (make it with `probe gen ring --out data/ring.csv`); `probe --help` lists every option",
    )?;
    // The memory the final run needs, checked for the user's options before the search and
    // again for the search's winner (whose encoder or K may be larger) before the final run.
    let footprint = |a: &RunArgs| footprint(&data, a, a.repeats);
    let check_memory = |a: &RunArgs| check_memory(&data, a, a.repeats);
    // Evaluating beside the search or the pretraining holds two evaluations' buffers at once:
    // done when that evaluation of `width` dimensions adds at most BESIDE_BYTES and the machine
    // has twice the run's estimate available (or does not say).
    let room = |a: &RunArgs, width: usize| {
        let rows = (data.train.len() + data.test.len()) as u128;
        rows.saturating_mul(width as u128).saturating_mul(32) <= BESIDE_BYTES
            && memory::available_bytes()
                .is_none_or(|have| memory::estimate_bytes(&footprint(a)).saturating_mul(2) <= have)
    };
    check_memory(args)?;
    let s = resolve(args, &data, &path)?;
    // With two or more threads, what depends on neither the search nor the training runs on
    // one more thread beside them, so that it fills the cores the search's last trials and the
    // pretraining (one thread per seed) leave idle: the raw features' linear probe and kNN
    // beside the search, PCA and the random encoder beside the pretraining and the pretrained
    // encoder's evaluation. Every score depends only on its inputs, so the report is the one of
    // the same steps in sequence (`--threads 1`). Their progress is not drawn; a spinner shows
    // while the run waits for them.
    let beside = data.labelled() && s.threads >= 2;
    let quiet_bars = EvalBars::new(false);
    // The final settings, set once the search is over; outside the scope, so that the thread
    // beside the pretraining can borrow them.
    let settled = std::sync::OnceLock::new();
    // Raw features as the baselines see them (an image's pixels standardized as a whole).
    let base = data.baseline_view();
    std::thread::scope(|scope| {
        let raw_job = (beside && room(args, data.dim())).then(|| {
            let seed = s.seeds[0];
            let (data, bars) = (&*base, &quiet_bars);
            scope.spawn(move || parallel::with_threads(1, || raw_retrieval(data, seed, bars)))
        });
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
        let s: &Settings = settled.get_or_init(|| s);
        let search_time = t_search.elapsed();
        let mut timings = Timings { load: t0.elapsed().saturating_sub(search_time), ..Default::default() };
        let show = !args.quiet;
        if show {
            header(out, &path, &data, found.as_ref().map(|f| &f.1), s);
        }
        let name = if s.init.is_some() { "init" } else { "random" };
        let winner = found.as_ref().map_or(args, |f| &f.0);
        let side_job = (beside && room(winner, footprint(winner).dim.max(data.dim()))).then(|| {
            let (data, base, bars) = (&data, &*base, &quiet_bars);
            scope.spawn(move || parallel::with_threads(1, || before_training(name, data, base, s, bars)))
        });

        // Training, one run per seed, through the one training loop.
        let t1 = Instant::now();
        let runs = train_runs(&data, s, show, &mut |seed, w| {
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
            let trained: Vec<(u64, &Embedder)> =
                s.seeds.iter().copied().zip(runs.iter().map(|r| &r.trained)).collect();
            let pretrained = encoders("pretrained", &data, s, &trained, &bars);
            let wait = spinner(
                show && !bars.is_hidden(),
                "evaluating raw features, PCA and the random encoder".into(),
            );
            let raw = match raw_job {
                Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                None => raw_retrieval(&base, s.seeds[0], &bars),
            };
            let (pca, random) = match side_job {
                Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?,
                None => before_training(name, &data, &base, s, &bars)?,
            };
            wait.finish_and_clear();
            evaluation.extend([raw_report(&base, s, raw, &bars), pca, random, pretrained]);
        }
        timings.evaluate = t2.elapsed();
        let found_search = found.is_some();
        let mut report = build_report(&path, &data, s, &runs, evaluation);
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
                if found_search {
                    format!("search {:.2} s, ", search_time.as_secs_f64())
                } else {
                    String::new()
                },
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
    })
}

/// The representations scored before the encoders train, in the report's order after the raw
/// features: PCA to `min(K, d)` on `base`, `data`'s [`Dataset::baseline_view`], and the
/// encoders the runs start from (`name`: `random`, or `init` with `--init`).
fn before_training(
    name: &str,
    data: &Dataset,
    base: &Dataset,
    s: &Settings,
    bars: &EvalBars,
) -> Result<(RepresentationReport, RepresentationReport)> {
    let pca = pca_report(base, s, bars);
    let initial = initial_encoders(data, s)?;
    let pairs: Vec<(u64, &Embedder)> = s.seeds.iter().copied().zip(&initial).collect();
    Ok((pca, encoders(name, data, s, &pairs, bars)))
}

/// The lines printed before training: the data, the search's table and the choices made.
fn header(out: &mut dyn Write, path: &Path, data: &Dataset, record: Option<&Search>, s: &Settings) {
    let _ = writeln!(
        out,
        "{}: {} rows ({} train, {} test) × {} features, {}, {} classes",
        path.display(),
        data.train.len() + data.test.len(),
        data.train.len(),
        data.test.len(),
        data.dim(),
        data.kind.name(),
        data.num_classes()
    );
    print_notes(data, out);
    if !data.zero_variance.is_empty() {
        let _ = writeln!(
            out,
            "note: {} zero-variance column(s) in train, centred and not scaled: {}",
            data.zero_variance.len(),
            data.zero_variance.join(", ")
        );
    }
    if let Some(record) = record {
        let _ = write!(out, "{}", crate::output::search::terminal(record));
    }
    for c in &s.chosen {
        let _ = writeln!(out, "chose {} {}: {}", c.option, c.value, c.reason);
    }
    if let Some(i) = &s.init {
        let _ = writeln!(out, "init: {}", i.describe());
    }
}
