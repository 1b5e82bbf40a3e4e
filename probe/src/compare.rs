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

use crate::cli::{Method, RunArgs};
use crate::collapse::CollapseLog;
use crate::dataset::{self, LoadOptions};
use crate::error::{ProbeError, Result};
use crate::evaluate::{Representation, Scores, score};
use crate::methods::{self, SslConfig, SslRun};
use crate::network::Embedder;
use crate::pca::Pca;
use plotters::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `probe compare`: those of the main run, plus the list of methods.
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Methods to compare, comma-separated [default: infonce,ntxent,byol,simsiam,barlow,vicreg,
    /// and ae with a linear encoder].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub methods: Option<Vec<Method>>,
    /// Everything else as for the main run (`--method` is ignored).
    #[command(flatten)]
    pub run: RunArgs,
}

/// The metrics compared, for one representation and one seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Row {
    /// Linear-probe test accuracy (%).
    pub linear_probe_accuracy: f64,
    /// Linear-probe macro-F1 (%).
    pub linear_probe_macro_f1: f64,
    /// kNN k = 1 accuracy (%).
    pub knn_k1: f64,
    /// kNN k = 20 weighted accuracy (%).
    pub knn_k20_weighted: f64,
    /// Alignment (α = 2).
    pub alignment: f64,
    /// Uniformity (t = 2).
    pub uniformity: f64,
    /// Mean normalized std times `√K`.
    pub std_ratio: f64,
    /// Effective rank.
    pub effective_rank: f64,
}

impl Row {
    fn of(s: &Scores, k: usize) -> Self {
        Self {
            linear_probe_accuracy: s.probe.accuracy,
            linear_probe_macro_f1: s.probe.macro_f1,
            knn_k1: s.knn.k1,
            knn_k20_weighted: s.knn.k20_weighted,
            alignment: s.diagnostics.alignment,
            uniformity: s.diagnostics.uniformity,
            std_ratio: s.diagnostics.std_mean * (k as f64).sqrt(),
            effective_rank: s.diagnostics.effective_rank,
        }
    }

    fn fields(&self) -> [f64; 8] {
        [
            self.linear_probe_accuracy,
            self.linear_probe_macro_f1,
            self.knn_k1,
            self.knn_k20_weighted,
            self.alignment,
            self.uniformity,
            self.std_ratio,
            self.effective_rank,
        ]
    }

    fn from_fields(f: [f64; 8]) -> Self {
        Self {
            linear_probe_accuracy: f[0],
            linear_probe_macro_f1: f[1],
            knn_k1: f[2],
            knn_k20_weighted: f[3],
            alignment: f[4],
            uniformity: f[5],
            std_ratio: f[6],
            effective_rank: f[7],
        }
    }

    /// Mean and sample std (n − 1; 0 for one run).
    pub fn mean_std(rows: &[Row]) -> (Row, Row) {
        let n = rows.len().max(1) as f64;
        let mut mean = [0.0; 8];
        for r in rows {
            mean.iter_mut().zip(r.fields()).for_each(|(m, v)| *m += v / n);
        }
        let mut var = [0.0; 8];
        if rows.len() > 1 {
            for r in rows {
                var.iter_mut()
                    .zip(r.fields())
                    .zip(mean)
                    .for_each(|((s, v), m)| *s += (v - m) * (v - m) / (n - 1.0));
            }
        }
        (Self::from_fields(mean), Self::from_fields(var.map(f64::sqrt)))
    }
}

/// One line of the comparison: a baseline or a method.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// `raw`, `pca`, `random` or the method name.
    pub name: String,
    /// `baseline` or `method`.
    pub kind: String,
    /// Embedding size.
    pub dim: usize,
    /// Seeds, in order.
    pub seeds: Vec<u64>,
    /// Per-seed metrics.
    pub runs: Vec<Row>,
    /// Mean over seeds.
    pub mean: Row,
    /// Sample std over seeds.
    pub std: Row,
    /// Final training loss per seed (methods only).
    pub final_loss: Vec<f64>,
    /// The collapse guard per seed (methods only).
    pub collapse: Vec<CollapseLog>,
    /// Whether any seed's run was flagged as collapsed.
    pub collapsed: bool,
}

/// `compare.json`.
#[derive(Clone, Debug, Serialize)]
pub struct CompareReport {
    /// `probe-compare/1`.
    pub schema: String,
    /// The CSV as given.
    pub file: String,
    /// Training rows, test rows, features, classes.
    pub shape: [usize; 4],
    /// The shared configuration (`method` is the first compared method's).
    pub config: SharedConfig,
    /// Baselines, then methods.
    pub entries: Vec<Entry>,
}

/// What every method shares.
#[derive(Clone, Debug, Serialize)]
pub struct SharedConfig {
    /// Representation size.
    pub dim: usize,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// Optimizer.
    pub optimizer: String,
    /// Weight decay.
    pub weight_decay: f64,
    /// NT-Xent / InfoNCE temperature.
    pub tau: f64,
    /// Augmentation spec.
    pub aug: String,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Precision.
    pub precision: String,
    /// Architecture and method settings.
    pub model: methods::ModelOptions,
    /// Options chosen from the data, with the reason.
    pub chosen: Vec<(String, String, String)>,
}

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
        &LoadOptions { label, test_frac: run.test_frac, seed: run.seed, channels: run.channels },
    )?;
    if !data.labelled() {
        return Err(ProbeError::usage("probe compare needs labels", "drop --no-label"));
    }
    let methods_list = method_list(args);
    if methods_list.contains(&Method::Ae) && run.encoder != crate::network::EncoderKind::Linear {
        return Err(ProbeError::usage(
            "--methods ae needs --encoder linear (the autoencoder is linear)",
            "drop ae from --methods or pass --encoder linear",
        ));
    }
    let s = crate::resolve(run, &data, &path)?;
    let d = data.dim();
    let k = s.cfg.dim;
    let show = !run.quiet;
    let out_dir = match &run.out {
        Some(o) => o.clone(),
        None => s.out_dir.join("compare"),
    };
    let (model, mut chosen) = methods::resolve_model(run, k);
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
                let pc = crate::pretrain::PretrainConfig { method: m, seed, ..s.cfg.clone() };
                let r = if s.double {
                    crate::pretrain::pretrain::<f64>(&train_input, d, &pc, &mut |_, _| {})
                } else {
                    crate::pretrain::pretrain::<f32>(&train_input, d, &pc, &mut |_, _| {})
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
                    let _ = writeln!(err, "{} seed {seed}: {w}", crate::method_name(m));
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
                crate::method_name(m),
                mean.linear_probe_accuracy,
                mean.knn_k20_weighted,
                if collapsed { "  COLLAPSED" } else { "" }
            );
        }
        entries.push(Entry {
            name: crate::method_name(m).into(),
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

/// The comparison table (Markdown, also readable on the terminal).
pub fn table(r: &CompareReport) -> String {
    let mut s = String::from(
        "| representation | K | LR acc | LR F1 | kNN k=1 | kNN k=20 w | align | unif | std·√K | eff.rank | final loss | collapse |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for e in &r.entries {
        let many = e.runs.len() > 1;
        let f = |m: f64, sd: f64, p: usize| {
            if many { format!("{m:.p$} ± {sd:.p$}") } else { format!("{m:.p$}") }
        };
        let (m, sd) = (&e.mean, &e.std);
        let loss = if e.final_loss.is_empty() {
            "–".to_string()
        } else {
            format!("{:.4}", e.final_loss.iter().sum::<f64>() / e.final_loss.len() as f64)
        };
        let collapse = if e.kind == "baseline" {
            "–".to_string()
        } else if e.collapsed {
            let flagged = e.collapse.iter().filter(|c| c.flagged).count();
            let v = e.collapse.iter().find_map(|c| c.verdict.clone()).unwrap_or_default();
            format!("**FLAGGED** ({flagged}/{}: {v})", e.collapse.len())
        } else {
            "ok".into()
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            e.name,
            e.dim,
            f(m.linear_probe_accuracy, sd.linear_probe_accuracy, 2),
            f(m.linear_probe_macro_f1, sd.linear_probe_macro_f1, 2),
            f(m.knn_k1, sd.knn_k1, 2),
            f(m.knn_k20_weighted, sd.knn_k20_weighted, 2),
            f(m.alignment, sd.alignment, 3),
            f(m.uniformity, sd.uniformity, 3),
            f(m.std_ratio, sd.std_ratio, 2),
            f(m.effective_rank, sd.effective_rank, 2),
            loss,
            collapse
        );
    }
    s
}

fn markdown(r: &CompareReport, table: &str, total: f64, train: f64) -> String {
    let c = &r.config;
    let mut s = String::new();
    let _ = writeln!(s, "# probe compare: `{}`\n", r.file);
    let _ = writeln!(
        s,
        "{} train / {} test rows, {} features, {} classes. Every method: K = {}, {} epochs, batch {}, {} lr {}, weight decay {}, aug `{}`, seeds {:?}, {}; encoder `{:?}` (hidden {}), head `{:?}`.\n",
        r.shape[0],
        r.shape[1],
        r.shape[2],
        r.shape[3],
        c.dim,
        c.epochs,
        c.batch,
        c.optimizer,
        c.lr,
        c.weight_decay,
        c.aug,
        c.seeds,
        c.precision,
        c.model.encoder,
        c.model.hidden,
        c.model.head
    );
    let _ = writeln!(
        s,
        "Method settings: NT-Xent/InfoNCE τ = {}; Barlow Twins λ = {:.4}; VICReg 25/25/1; BYOL τ_base = {}; BYOL/SimSiam predictor K → {} → K.\n",
        c.tau, c.model.barlow_lambda, c.model.tau_base, c.model.predictor_hidden
    );
    for (o, v, why) in &c.chosen {
        let _ = writeln!(s, "- `{o}` = `{v}`: {why}");
    }
    let _ = writeln!(s, "\n## Results (test set, %, mean ± std over seeds)\n\n{table}");
    let _ = writeln!(
        s,
        "LR: multinomial logistic regression on the standardized embedding (raw and PCA as BASELINES.md). kNN: cosine, weighted k = 20 (exp(s/0.07)). align/unif: Wang & Isola 2020. std·√K: mean per-dimension std of the normalized embedding times √K (≈ 1 healthy, 0 collapsed). collapse: the guard's verdict on the last epoch (see probe::collapse). random: the untrained encoder every method starts from.\n"
    );
    let _ = writeln!(s, "![alignment and uniformity](alignment_uniformity.svg)\n");
    let _ = writeln!(s, "Total {total:.1} s, of which training {train:.1} s.");
    s
}

/// Alignment (x) against uniformity (y), one labelled point per entry.
pub fn scatter(path: &PathBuf, r: &CompareReport) -> std::result::Result<(), String> {
    let e = |x: plotters::drawing::DrawingAreaErrorKind<_>| x.to_string();
    let pts: Vec<(&Entry, (f64, f64))> = r
        .entries
        .iter()
        .map(|en| (en, (en.mean.alignment, en.mean.uniformity)))
        .filter(|(_, p)| p.0.is_finite() && p.1.is_finite())
        .collect();
    let span = |v: Vec<f64>| {
        let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.15).max(0.05);
        (lo - pad, hi + pad)
    };
    let (x0, x1) = span(pts.iter().map(|p| p.1.0).collect());
    let (y0, y1) = span(pts.iter().map(|p| p.1.1).collect());
    let root = SVGBackend::new(path, (720, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let name = Path::new(&r.file).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{name}: alignment vs uniformity (lower-left is better)"), ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|x| x.to_string())?;
    chart
        .configure_mesh()
        .x_desc("alignment  E‖ẑ_a − ẑ_b‖²")
        .y_desc("uniformity  log E exp(−2‖ẑ_i − ẑ_j‖²)")
        .draw()
        .map_err(|x| x.to_string())?;
    for (i, (en, p)) in pts.iter().enumerate() {
        let color = if en.kind == "baseline" { RGBColor(140, 140, 140) } else { PALETTE[i % PALETTE.len()] };
        let style = if en.collapsed { color.stroke_width(2) } else { color.filled() };
        let label = if en.collapsed { format!("{} (collapsed)", en.name) } else { en.name.clone() };
        chart.draw_series(std::iter::once(Circle::new(*p, 6, style))).map_err(|x| x.to_string())?;
        chart
            .draw_series(std::iter::once(Text::new(label, *p, ("sans-serif", 14).into_font().color(&color))))
            .map_err(|x| x.to_string())?;
    }
    root.present().map_err(e)
}

/// Method colours: plot.rs's Tableau 10 without its greys and olive, because grey marks the
/// baselines (raw, random, PCA) in this plot.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

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
