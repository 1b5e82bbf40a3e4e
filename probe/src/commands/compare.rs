//! `probe compare FILE.csv`: every objective on the same data, split, seeds and budget (epochs,
//! batch, learning rate, optimizer, augmentations, encoder and head), evaluated side by side with
//! the raw / PCA / random-encoder baselines, in one report:
//!
//! - a table (terminal and `compare.md`) of linear-probe and kNN accuracy (mean ± std over the
//!   seeds), alignment, uniformity, normalized std (as a fraction of the healthy `1/√K`),
//!   effective rank, final loss and the collapse guard's verdict per method;
//! - `compare.json` with every number per seed (no timings, so byte-identical for the same
//!   inputs);
//! - `alignment_uniformity.svg`: the alignment–uniformity plane of Wang & Isola (2020), one
//!   point per method (mean over seeds), the baselines in grey. Lower-left is better: views of
//!   a row close together, rows spread over the sphere.
//!
//! The random baseline is the untrained encoder of the chosen architecture; every method
//! starts from that same encoder for a given seed (the networks are drawn in the same order).

use super::pipeline::{EvalBars, baselines, check_memory, encoders, load, print_notes, train_many};
use crate::cli::CompareArgs;
use crate::error::{ProbeError, Result};
use crate::network::{Embedder, EncoderKind};
use crate::output::build::config;
use crate::output::compare::{self, CompareReport, Entry, EntryKind, markdown, table};
use crate::output::files::write_atomically;
use crate::output::plot::scatter;
use crate::output::report::RepresentationReport;
use crate::settings::{Method, Settings, resolve};
use std::io::Write;
use std::time::Instant;

fn method_list(args: &CompareArgs) -> Vec<Method> {
    match &args.methods {
        Some(m) => m.clone(),
        None => {
            let mut v = vec![
                Method::Infonce,
                Method::Ntxent,
                Method::Byol,
                Method::Simsiam,
                Method::Barlow,
                Method::Vicreg,
            ];
            if args.run.encoder == EncoderKind::Linear {
                v.push(Method::Ae);
            }
            v
        }
    }
}

/// A baseline entry.
fn baseline(scores: RepresentationReport) -> Entry {
    Entry {
        scores,
        kind: EntryKind::Baseline,
        final_loss: Vec::new(),
        collapse: Vec::new(),
        collapsed: false,
    }
}

/// Runs the comparison; writes the table to `out`, collapse warnings to `err`.
pub fn run(args: &CompareArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let t0 = Instant::now();
    let run = &args.run;
    let (path, data) =
        load(run, "run `probe compare data/digits.csv`; `probe compare --help` lists the options")?;
    if !data.labelled() {
        return Err(ProbeError::usage("probe compare needs labels", "drop --no-label"));
    }
    let methods = method_list(args);
    if methods.contains(&Method::Ae) && run.encoder != EncoderKind::Linear {
        return Err(ProbeError::usage(
            "--methods ae needs --encoder linear (the autoencoder is linear)",
            "drop ae from --methods or pass --encoder linear",
        ));
    }
    print_notes(&data, err);
    check_memory(&data, run, run.repeats.saturating_mul(methods.len()))?;
    let s = resolve(run, &data, &path)?.with_method(methods.first().copied().unwrap_or(run.method));
    let d = data.dim();
    let show = !run.quiet;
    let out_dir = run.out.clone().unwrap_or_else(|| s.out_dir.join("compare"));
    if show {
        let _ = writeln!(
            out,
            "{}: {} train / {} test rows × {d} features, {} classes; {} method(s) × {} seed(s)",
            path.display(),
            data.train.len(),
            data.test.len(),
            data.num_classes(),
            methods.len(),
            s.seeds.len()
        );
        for c in &s.chosen {
            let _ = writeln!(out, "chose {} {}: {}", c.option, c.value, c.reason);
        }
    }

    let bars = EvalBars::new(show);
    let mut entries: Vec<Entry> = baselines(&data, &s, &bars).into_iter().map(baseline).collect();
    let t1 = Instant::now();
    let per_method: Vec<Settings> = methods.iter().map(|&m| s.with_method(m)).collect();
    let all_runs = train_many(&data, &per_method, false, &mut |i, seed, w| {
        let _ = writeln!(err, "{} seed {seed}: {w}", methods[i].name());
    })?;
    for (i, (sm, runs)) in per_method.iter().zip(all_runs).enumerate() {
        let m = sm.method;
        if i == 0 {
            // Every method starts from the same encoder for a seed (f is drawn first).
            let initial: Vec<(u64, &Embedder)> =
                s.seeds.iter().copied().zip(runs.iter().map(|r| &r.initial)).collect();
            entries.push(baseline(encoders("random", &data, sm, &initial, &bars)));
        }
        let trained: Vec<(u64, &Embedder)> =
            s.seeds.iter().copied().zip(runs.iter().map(|r| &r.trained)).collect();
        let scores = encoders(m.name(), &data, sm, &trained, &bars);
        let collapsed = runs.iter().any(|r| r.collapse.flagged);
        if show {
            let _ = writeln!(
                out,
                "{:>8}: LR {:.2}  kNN w {:.2}{}",
                m.name(),
                scores.mean.linear_probe_accuracy,
                scores.mean.knn_k20_weighted,
                if collapsed { "  COLLAPSED" } else { "" }
            );
        }
        entries.push(Entry {
            scores,
            kind: EntryKind::Method,
            final_loss: runs.iter().map(|r| r.losses.last().copied().unwrap_or(f64::NAN)).collect(),
            collapse: runs.into_iter().map(|r| r.collapse).collect(),
            collapsed,
        });
    }
    let train_time = t1.elapsed();

    let report = CompareReport {
        schema: compare::SCHEMA.into(),
        file: path.display().to_string(),
        shape: [data.train.len(), data.test.len(), d, data.num_classes()],
        methods,
        config: config(&data, &s),
        entries,
    };
    let json = serde_json::to_string_pretty(&report)
        .map_err(|e| ProbeError::output(&out_dir.join("compare.json"), &e))?
        + "\n";
    let table = table(&report);
    let md = markdown(&report, &table, t0.elapsed().as_secs_f64(), train_time.as_secs_f64());
    let svg =
        scatter(&report).map_err(|e| ProbeError::output(&out_dir.join("alignment_uniformity.svg"), &e))?;
    write_atomically(
        &out_dir,
        &[
            ("compare.json", json.into_bytes()),
            ("compare.md", md.into_bytes()),
            ("alignment_uniformity.svg", svg.into_bytes()),
        ],
    )?;
    if show {
        let _ = writeln!(out, "\n{table}");
        let _ = writeln!(
            out,
            "{:.1} s ({:.1} s training); wrote {}/{{compare.json, compare.md, alignment_uniformity.svg}}",
            t0.elapsed().as_secs_f64(),
            train_time.as_secs_f64(),
            out_dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `probe compare` end to end on a small file: every method, the table, the JSON and the
    /// plot; and the main run with a non-contrastive method and an MLP records the guard.
    #[test]
    fn compare_and_main_run_write_their_reports() {
        let dir = std::env::temp_dir().join(format!("probe-compare-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("blobs.csv");
        let mut text = String::from("a,b,c,d,label\n");
        for i in 0..60 {
            let c = i % 3;
            let f = |j: usize| (c as f64 - 1.0) * (j as f64 + 1.0) + ((i * 7 + j * 13) % 11) as f64 / 11.0;
            text.push_str(&format!("{},{},{},{},{}\n", f(0), f(1), f(2), f(3), ["x", "y", "z"][c]));
        }
        std::fs::write(&csv, text).unwrap();
        let out_dir = dir.join("cmp");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args =
            ["probe", "compare", csv.to_str().unwrap(), "--epochs", "5", "--out", out_dir.to_str().unwrap()];
        assert_eq!(crate::run_cli(args, &mut out, &mut err), 0, "{}", String::from_utf8_lossy(&err));
        let table = String::from_utf8(out).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("compare.json")).unwrap()).unwrap();
        let names: Vec<&str> =
            json["entries"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["raw", "pca", "random", "infonce", "ntxent", "byol", "simsiam", "barlow", "vicreg", "ae"]
        );
        for n in &names[3..] {
            assert!(table.contains(&format!("| {n} |")), "{n} missing from\n{table}");
        }
        let svg = std::fs::read_to_string(out_dir.join("alignment_uniformity.svg")).unwrap();
        assert_eq!(svg.matches("<circle").count(), names.len());
        assert!(
            std::fs::read_to_string(out_dir.join("compare.md")).unwrap().contains("alignment_uniformity.svg")
        );

        let run_dir = dir.join("run");
        let args = [
            "probe",
            csv.to_str().unwrap(),
            "--method",
            "vicreg",
            "--encoder",
            "mlp",
            "--hidden",
            "16",
            "--epochs",
            "4",
            "--quiet",
            "--out",
            run_dir.to_str().unwrap(),
        ];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(crate::run_cli(args, &mut out, &mut err), 0, "{}", String::from_utf8_lossy(&err));
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(run_dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["config"]["method"], "vicreg");
        assert_eq!(report["config"]["model"]["encoder"], "mlp");
        assert_eq!(report["config"]["model"]["head"], "mlp");
        assert_eq!(report["training"][0]["collapse"]["per_epoch"].as_array().unwrap().len(), 4);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
