//! Writing a run's files: `report.json`, `report.md`, `loss.svg`, `embedding.svg` (labelled
//! data) and `embeddings.csv`. Every file is made in memory first, then all of them are written
//! into a temporary directory beside the report directory and moved into place
//! ([`write_atomically`]): a run that fails leaves neither a half-written file nor a mixture of
//! old and new files that looks whole.

use super::plot;
use super::report::{Report, Timings};
use crate::dataset::Dataset;
use crate::error::{ProbeError, Result};
use crate::eval::Representation;
use crate::train::Trained;
use std::path::Path;
use std::sync::Mutex;

/// Writes `files` into `dir` all or nothing (`weights::export::write_atomically`). Writers in
/// one process (tests, a library user running two commands at once) take turns, so two of them
/// aimed at the same `dir` never interleave their final moves.
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    static TURN: Mutex<()> = Mutex::new(());
    let _turn = TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    crate::weights::export::write_atomically(dir, files)
}

/// Writes the report files of a run into `dir` (created if missing); `runs[0]` gives the plotted
/// and exported embeddings.
pub fn write_outputs(
    dir: &Path,
    report: &Report,
    data: &Dataset,
    runs: &[Trained],
    t: &Timings,
) -> Result<()> {
    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("report.json", report.to_json().into_bytes()),
        ("report.md", report.to_markdown(t).into_bytes()),
    ];
    let name = data.path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let curves: Vec<(u64, Vec<f64>)> =
        report.training.iter().map(|r| (r.seed, r.loss_per_epoch.clone())).collect();
    let title = format!("{name}: {} training loss", report.config.settings.method.name());
    let svg = plot::loss_curve(&title, &curves).map_err(|e| ProbeError::output(&dir.join("loss.svg"), &e))?;
    files.push(("loss.svg", svg.into_bytes()));
    let d = data.dim();
    let first = Representation::Encoder { e: &runs[0].trained, input: data.encoder_input.as_ref() };
    let k = first.dim(d);
    if data.labelled() {
        let z = first.apply(&data.test.x, d);
        let seed = report.config.settings.seeds[0];
        let title = format!("{name}: pretrained test embeddings (K = {k}, seed {seed})");
        let svg = plot::embedding_scatter(&title, &z, k, &data.test.y, &data.class_names)
            .map_err(|e| ProbeError::output(&dir.join("embedding.svg"), &e))?;
        files.push(("embedding.svg", svg.into_bytes()));
    }
    let csv =
        embeddings_csv(data, &first, k).map_err(|e| ProbeError::output(&dir.join("embeddings.csv"), &e))?;
    files.push(("embeddings.csv", csv));
    write_atomically(dir, &files)
}

/// Rows of `embeddings.csv` embedded by one [`Representation::apply`]: an encoder prepares its
/// weights once per call (`Embedder::apply`'s input-major copy), which row by row cost more
/// than the row's own products; a block holds at most this many rows' embeddings.
const CSV_BLOCK_ROWS: usize = 1024;

/// `embeddings.csv`: `row, split[, label], z0..zK-1` for every row of the file, in file order,
/// embedded by `rep` ([`CSV_BLOCK_ROWS`] rows at a time; every representation maps each row on
/// its own, so the values are those of the row alone); written by the `csv` crate, so a label
/// with a comma, a quote or a line break is quoted and reads back as written.
pub fn embeddings_csv(
    data: &Dataset,
    rep: &Representation<'_>,
    k: usize,
) -> std::result::Result<Vec<u8>, csv::Error> {
    let d = data.dim();
    let mut rows: Vec<(usize, &str, &[f64], Option<usize>)> = Vec::new();
    for (split, part) in [("train", &data.train), ("test", &data.test)] {
        for (i, &r) in part.rows.iter().enumerate() {
            rows.push((r, split, &part.x[i * d..(i + 1) * d], part.y.get(i).copied()));
        }
    }
    rows.sort_by_key(|r| r.0);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["row".to_string(), "split".to_string()];
    if data.labelled() {
        header.push("label".into());
    }
    header.extend((0..k).map(|j| format!("z{j}")));
    w.write_record(&header)?;
    for block in rows.chunks(CSV_BLOCK_ROWS) {
        let x: Vec<f64> = block.iter().flat_map(|r| r.2.iter().copied()).collect();
        let z = rep.apply(&x, d);
        for (j, &(r, split, _, y)) in block.iter().enumerate() {
            let mut record = vec![r.to_string(), split.to_string()];
            if let Some(y) = y {
                record.push(data.class_names[y].clone());
            }
            record.extend(z[j * k..(j + 1) * k].iter().map(|v| v.to_string()));
            w.write_record(&record)?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
