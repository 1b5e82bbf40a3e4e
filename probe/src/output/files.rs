//! Writing a run's files: `report.json`, `report.md`, the SVG plots and `embeddings.csv`.

use super::plot;
use super::report::{Report, Timings};
use crate::dataset::Dataset;
use crate::error::{ProbeError, Result};
use crate::train::trained::Pretrained;
use std::path::Path;

fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| ProbeError::output(path, &e))
}

/// Writes the report files of a run into `dir` (created if missing).
pub fn write_outputs(
    dir: &Path,
    report: &Report,
    data: &Dataset,
    runs: &[Pretrained],
    k: usize,
    t: &Timings,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ProbeError::output(dir, &e))?;
    write_file(&dir.join("report.json"), report.to_json().as_bytes())?;
    write_file(&dir.join("report.md"), report.to_markdown(t).as_bytes())?;
    let name = data.path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let curves: Vec<(u64, Vec<f64>)> =
        report.training.iter().map(|r| (r.seed, r.loss_per_epoch.clone())).collect();
    let loss_path = dir.join("loss.svg");
    plot::loss_curve(&loss_path, &format!("{name}: {} training loss", report.config.method), &curves)
        .map_err(|e| ProbeError::output(&loss_path, &e))?;
    let d = data.dim();
    let first = runs[0].representation(true, k, data.encoder_input.as_ref());
    if data.labelled() {
        let z = first.apply(&data.test.x, d);
        let p = dir.join("embedding.svg");
        let title = format!("{name}: pretrained test embeddings (K = {k}, seed {})", report.config.seeds[0]);
        plot::embedding_scatter(&p, &title, &z, k, &data.test.y, &data.class_names)
            .map_err(|e| ProbeError::output(&p, &e))?;
    }
    // Embeddings of every row, in file order, from the first run.
    let mut rows: Vec<(usize, &str, &[f64], Option<usize>)> = Vec::new();
    for (split, part) in [("train", &data.train), ("test", &data.test)] {
        for (i, &r) in part.rows.iter().enumerate() {
            rows.push((r, split, &part.x[i * d..(i + 1) * d], part.y.get(i).copied()));
        }
    }
    rows.sort_by_key(|r| r.0);
    let mut csv = String::from("row,split");
    if data.labelled() {
        csv.push_str(",label");
    }
    for j in 0..k {
        csv.push_str(&format!(",z{j}"));
    }
    csv.push('\n');
    for (r, split, x, y) in rows {
        csv.push_str(&format!("{r},{split}"));
        if let Some(y) = y {
            csv.push_str(&format!(",{}", data.class_names[y]));
        }
        for v in first.apply(x, d) {
            csv.push_str(&format!(",{v}"));
        }
        csv.push('\n');
    }
    write_file(&dir.join("embeddings.csv"), csv.as_bytes())
}
