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
    let scatter = || -> Result<Option<Vec<u8>>> {
        if !data.labelled() {
            return Ok(None);
        }
        let z = first.apply(&data.test.x, d);
        let seed = report.config.settings.seeds[0];
        let title = format!("{name}: pretrained test embeddings (K = {k}, seed {seed})");
        let svg = plot::embedding_scatter(&title, &z, k, &data.test.y, &data.class_names)
            .map_err(|e| ProbeError::output(&dir.join("embedding.svg"), &e))?;
        Ok(Some(svg.into_bytes()))
    };
    // The scatter (a PCA of the test rows' embedding, then the drawing) runs on one thread of
    // its own beside the CSV's blocks when the budget has two threads or more.
    let (svg, csv) = std::thread::scope(|sc| {
        let job = (crate::eval::parallel::threads() >= 2).then(|| sc.spawn(scatter));
        let csv = embeddings_csv(data, &first, k);
        let svg = match job {
            Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => scatter(),
        };
        (svg, csv)
    });
    if let Some(svg) = svg? {
        files.push(("embedding.svg", svg));
    }
    let csv = csv.map_err(|e| ProbeError::output(&dir.join("embeddings.csv"), &e))?;
    files.push(("embeddings.csv", csv));
    write_atomically(dir, &files)
}

/// Rows of `embeddings.csv` embedded and formatted per block, the blocks spread over the
/// threads ([`crate::eval::parallel::map`]) and joined in row order.
const CSV_BLOCK: usize = 2048;

/// `embeddings.csv`: `row, split[, label], z0..zK-1` for every row of the file, in file order,
/// embedded by `rep`; written by the `csv` crate, so a label with a comma, a quote or a line
/// break is quoted and reads back as written.
///
/// Blocks of [`CSV_BLOCK`] rows are embedded and formatted on the threads of the budget and
/// joined in order. Every embedding used here computes each row on its own (an encoder's
/// output `o` of a row is the same sum in the same order whatever rows come with it), and a
/// CSV field is quoted or not by its own text, so the bytes do not depend on the blocks or the
/// thread count.
pub fn embeddings_csv(
    data: &Dataset,
    rep: &Representation<'_>,
    k: usize,
) -> std::result::Result<Vec<u8>, csv::Error> {
    embeddings_csv_in(data, rep, k, CSV_BLOCK)
}

/// [`embeddings_csv`] in blocks of `block` rows.
fn embeddings_csv_in(
    data: &Dataset,
    rep: &Representation<'_>,
    k: usize,
    block: usize,
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
    let mut out = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    let size = block.max(1);
    let parts =
        crate::eval::parallel::map(rows.len().div_ceil(size), crate::eval::parallel::threads(), |b| {
            let block = &rows[b * size..rows.len().min((b + 1) * size)];
            let x: Vec<f64> = block.iter().flat_map(|r| r.2.iter().copied()).collect();
            let z = rep.apply(&x, d);
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut field = String::new();
            let mut put = |w: &mut csv::Writer<Vec<u8>>, v: &dyn std::fmt::Display| {
                use std::fmt::Write;
                field.clear();
                let _ = write!(field, "{v}");
                w.write_field(&field)
            };
            for (&(r, split, _, y), zr) in block.iter().zip(z.chunks_exact(k.max(1))) {
                put(&mut w, &r)?;
                w.write_field(split)?;
                if let Some(y) = y {
                    w.write_field(&data.class_names[y])?;
                }
                for v in zr {
                    put(&mut w, v)?;
                }
                w.write_record(None::<&[u8]>)?;
            }
            w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
        });
    out.reserve(parts.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum());
    for p in parts {
        out.extend_from_slice(&p?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::parallel::with_threads;

    /// The bytes of `embeddings.csv` do not depend on the blocks or the thread count: blocks
    /// of 7 rows on 1 and 3 threads against one block of every row on one thread (an MLP
    /// encoder, so each block's rows go through the layers together).
    #[test]
    fn the_csv_is_the_same_for_any_blocks_and_threads() {
        let data = crate::dataset::shipped("iris.csv");
        let d = data.dim();
        let layer = |inputs: usize, outputs: usize, relu: bool| crate::network::Dense {
            inputs,
            outputs,
            w: (0..inputs * outputs).map(|i| ((i * 7 % 11) as f64 - 5.0) / 3.0).collect(),
            b: (0..outputs).map(|o| o as f64 / 10.0).collect(),
            relu,
        };
        let e = crate::network::Embedder { layers: vec![layer(d, 6, true), layer(6, 3, false)] };
        let rep = Representation::Encoder { e: &e, input: None };
        let whole = with_threads(1, || embeddings_csv_in(&data, &rep, 3, usize::MAX)).unwrap();
        for t in [1, 3] {
            assert_eq!(
                with_threads(t, || embeddings_csv_in(&data, &rep, 3, 7)).unwrap(),
                whole,
                "{t} threads"
            );
        }
        assert_eq!(whole.iter().filter(|&&b| b == b'\n').count(), 151);
    }
}
