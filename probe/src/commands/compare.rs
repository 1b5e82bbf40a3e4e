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

use crate::cli::CompareArgs;
use crate::dataset::{self, LoadOptions};
use crate::error::{ProbeError, Result};
use crate::eval::pca::Pca;
use crate::eval::{Representation, score};
use crate::network::Embedder;
use crate::output::compare::{CompareReport, Entry, Row, SharedConfig, markdown, table};
use crate::output::plot::scatter;
use crate::settings::{Method, resolve};
use crate::train::collapse::CollapseLog;
use crate::train::methods::{self, SslConfig};
use crate::train::pretrain;
use crate::train::trained::SslRun;
use std::io::Write;
use std::path::Path;
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
            if args.run.encoder == crate::network::EncoderKind::Linear {
                v.push(Method::Ae);
            }
            v
        }
    }
}

/// Runs the comparison; writes the table to `out`, collapse warnings to `err`.
pub fn run(args: &CompareArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let path = args.run.csv.clone().ok_or_else(|| {
        ProbeError::usage(
            "no CSV file given",
            "run `probe compare data/digits.csv`; `probe compare --help` lists the options",
        )
    })?;
    let t0 = Instant::now();
    let run = &args.run;
    let label = Some(run.label.clone());
    let data = dataset::load(
        &path,
        &LoadOptions {
            label,
            test_frac: run.test_frac,
            seed: run.seed,
            channels: run.channels,
            columns: dataset::Columns::from_options(run.delimiter.as_deref(), &run.drop, &run.features)?,
        },
    )?;
    if !data.labelled() {
        return Err(ProbeError::usage("probe compare needs labels", "drop --no-label"));
    }
    for note in &data.notes {
        let _ = writeln!(err, "{note}");
    }
    let methods_list = method_list(args);
    if methods_list.contains(&Method::Ae) && run.encoder != crate::network::EncoderKind::Linear {
        return Err(ProbeError::usage(
            "--methods ae needs --encoder linear (the autoencoder is linear)",
            "drop ae from --methods or pass --encoder linear",
        ));
    }
    let hidden = if run.encoder == crate::network::EncoderKind::Mlp { run.hidden } else { 0 };
    let footprint =
        data.footprint(run.dim, hidden, run.batch, run.repeats.saturating_mul(methods_list.len()));
    dataset::memory::check_memory(&footprint, dataset::memory::available_bytes())?;
    let s = resolve(run, &data, &path)?;
    let d = data.dim();
    let k = s.cfg.dim;
    let show = !run.quiet;
    let out_dir = match &run.out {
        Some(o) => o.clone(),
        None => s.out_dir.join("compare"),
    };
    let (model, mut chosen) = crate::settings::resolve_model(run, k);
    chosen.extend(s.chosen.iter().map(|c| (c.option.clone(), c.value.clone(), c.reason.clone())));
    if show {
        let _ = writeln!(
            out,
            "{}: {} train / {} test rows × {d} features, {} classes; {} method(s) × {} seed(s)",
            path.display(),
            data.train.len(),
            data.test.len(),
            data.num_classes(),
            methods_list.len(),
            s.seeds.len()
        );
        for (o, v, why) in &chosen {
            let _ = writeln!(out, "chose {o} {v}: {why}");
        }
    }

    let mut entries = Vec::new();
    let pca = Pca::fit(&data.train.x, d, k.min(d));
    let aug = &s.cfg.aug;
    let input = data.encoder_input.as_ref();
    let train_input = data.encoder_train();
    let baseline = |name: &str, rep: &Representation<'_>, dim: usize| {
        let r = Row::of(&score(&data, rep, aug, s.seeds[0]), dim);
        Entry {
            name: name.into(),
            kind: "baseline".into(),
            dim,
            seeds: vec![s.seeds[0]],
            mean: r.clone(),
            std: Row::default(),
            runs: vec![r],
            final_loss: Vec::new(),
            collapse: Vec::new(),
            collapsed: false,
        }
    };
    entries.push(baseline("raw", &Representation::Raw, d));
    entries.push(baseline("pca", &Representation::Pca(&pca), k.min(d)));

    let mut random: Vec<(u64, Row)> = Vec::new();
    let t1 = Instant::now();
    for &m in &methods_list {
        let mut rows = Vec::new();
        let mut losses = Vec::new();
        let mut logs = Vec::new();
        for &seed in &s.seeds {
            let cfg = SslConfig {
                method: m,
                dim: k,
                epochs: s.cfg.epochs,
                batch: s.cfg.batch,
                lr: s.cfg.lr,
                tau: s.cfg.tau,
                optimizer: s.cfg.optimizer,
                weight_decay: s.cfg.weight_decay,
                aug: s.cfg.aug.clone(),
                seed,
                model: model.clone(),
            };
            let trained: SslRun = if m == Method::Ae {
                let pc = crate::settings::PretrainConfig { method: m, seed, ..s.cfg.clone() };
                let r = if s.double {
                    pretrain::pretrain::<f64>(&train_input, d, &pc, &mut |_, _| {})
                } else {
                    pretrain::pretrain::<f32>(&train_input, d, &pc, &mut |_, _| {})
                }?;
                let lin = |w: &[f64]| Embedder {
                    layers: vec![crate::network::Dense {
                        w: w.to_vec(),
                        b: vec![0.0; k],
                        inputs: d,
                        outputs: k,
                        relu: false,
                    }],
                };
                let mut collapse = CollapseLog::new(k);
                let monitor = &train_input[..data.train.len().min(methods::MONITOR_ROWS) * d];
                collapse.observe(r.losses.len(), &lin(&r.weights).apply(monitor, d), None);
                SslRun { initial: lin(&r.initial), trained: lin(&r.weights), losses: r.losses, collapse }
            } else {
                let mut warn = |w: &str| {
                    let _ = writeln!(err, "{} seed {seed}: {w}", m.name());
                };
                if s.double {
                    methods::pretrain::<f64>(&train_input, d, &cfg, &mut |_, _| {}, &mut warn)
                } else {
                    methods::pretrain::<f32>(&train_input, d, &cfg, &mut |_, _| {}, &mut warn)
                }?
            };
            if m != Method::Ae && !random.iter().any(|(sd, _)| *sd == seed) {
                let rep = Representation::Encoder { e: &trained.initial, input };
                random.push((seed, Row::of(&score(&data, &rep, aug, seed), k)));
            }
            let rep = Representation::Encoder { e: &trained.trained, input };
            rows.push(Row::of(&score(&data, &rep, aug, seed), k));
            losses.push(trained.losses.last().copied().unwrap_or(f64::NAN));
            logs.push(trained.collapse);
        }
        let (mean, std) = Row::mean_std(&rows);
        let collapsed = logs.iter().any(|l| l.flagged);
        if show {
            let _ = writeln!(
                out,
                "{:>8}: LR {:.2}  kNN w {:.2}{}",
                m.name(),
                mean.linear_probe_accuracy,
                mean.knn_k20_weighted,
                if collapsed { "  COLLAPSED" } else { "" }
            );
        }
        entries.push(Entry {
            name: m.name().into(),
            kind: "method".into(),
            dim: k,
            seeds: s.seeds.clone(),
            runs: rows,
            mean,
            std,
            final_loss: losses,
            collapse: logs,
            collapsed,
        });
    }
    if !random.is_empty() {
        let rows: Vec<Row> = random.iter().map(|r| r.1.clone()).collect();
        let (mean, std) = Row::mean_std(&rows);
        let e = Entry {
            name: "random".into(),
            kind: "baseline".into(),
            dim: k,
            seeds: random.iter().map(|r| r.0).collect(),
            runs: rows,
            mean,
            std,
            final_loss: Vec::new(),
            collapse: Vec::new(),
            collapsed: false,
        };
        entries.insert(2, e);
    }
    let train_time = t1.elapsed();

    let report = CompareReport {
        schema: "probe-compare/1".into(),
        file: path.display().to_string(),
        shape: [data.train.len(), data.test.len(), d, data.num_classes()],
        config: SharedConfig {
            dim: k,
            epochs: s.cfg.epochs,
            batch: s.cfg.batch,
            lr: s.cfg.lr,
            optimizer: format!("{:?}", s.cfg.optimizer).to_lowercase(),
            weight_decay: s.cfg.weight_decay,
            tau: s.cfg.tau,
            aug: s.cfg.aug.to_string(),
            seeds: s.seeds.clone(),
            precision: if s.double { "f64" } else { "f32" }.into(),
            model,
            chosen,
        },
        entries,
    };
    std::fs::create_dir_all(&out_dir).map_err(|e| ProbeError::output(&out_dir, &e))?;
    let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
    write(&out_dir.join("compare.json"), json.as_bytes())?;
    let table = table(&report);
    let md = markdown(&report, &table, t0.elapsed().as_secs_f64(), train_time.as_secs_f64());
    write(&out_dir.join("compare.md"), md.as_bytes())?;
    let svg = out_dir.join("alignment_uniformity.svg");
    scatter(&svg, &report).map_err(|e| ProbeError::output(&svg, &e))?;
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

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| ProbeError::output(path, &e))
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
