//! Evaluation alone at scale: PCA, the linear probe, kNN and the diagnostics on raw features
//! of synthetic data (10 Gaussian classes in 32 features, means `N(0, 0.3²)`, unit noise; the
//! distribution of `scripts/scale_data.py`), 70 % train / 30 % test, for each row count given.
//! Prints wall and CPU seconds of each step (CPU from `/proc/self/stat`: the machine may be
//! shared, and CPU time is what the code costs).
//!
//! `cargo bench -p probe --bench eval_scale -- 10000 100000 1000000`; `EVAL_SCALE_DIM=128` (or
//! another width) scores that many features instead of 32, the width of an MLP's hidden layer.

use probe::diagnostics::diagnose;
use probe::knn::{self, KnnOptions};
use probe::linear_probe::LogisticRegression;
use probe::pca::Pca;
use selfsup_core::rng::{normal, seeded};
use std::time::Instant;

const CLASSES: usize = 10;
/// Features unless `EVAL_SCALE_DIM` says otherwise.
const DIM: usize = 32;

/// User + system CPU seconds of this process (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse().ok()).collect();
    f.iter().sum::<f64>() / 100.0
}

fn timed<T>(name: &str, rows: usize, f: impl FnOnce() -> T) -> T {
    let (t, c) = (Instant::now(), cpu_seconds());
    let r = f();
    println!("| {rows} | {name} | {:.2} | {:.2} |", t.elapsed().as_secs_f64(), cpu_seconds() - c);
    r
}

fn data(n: usize, dim: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = seeded(seed);
    let means: Vec<f64> = (0..CLASSES * dim).map(|_| 0.3 * normal::<f64, _>(&mut rng)).collect();
    let mut x = Vec::with_capacity(n * dim);
    let y: Vec<usize> = (0..n).map(|i| i % CLASSES).collect();
    for &c in &y {
        for j in 0..dim {
            x.push(means[c * dim + j] + normal::<f64, _>(&mut rng));
        }
    }
    (x, y)
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![10_000, 100_000] } else { sizes };
    let dim = std::env::var("EVAL_SCALE_DIM").ok().and_then(|v| v.parse().ok()).unwrap_or(DIM);
    println!("threads: {}, features: {dim}", probe::parallel::threads());
    println!("| rows | step | wall s | CPU s |\n|---:|---|---:|---:|");
    for n in sizes {
        let (x, y) = data(n, dim, 0);
        let n_train = n * 7 / 10;
        let (trx, tex) = x.split_at(n_train * dim);
        let (try_, tey) = y.split_at(n_train);
        let pca = timed("PCA fit (k = 16)", n, || Pca::fit(trx, dim, 16));
        timed("PCA transform", n, || (pca.transform(trx), pca.transform(tex)));
        let p = timed("linear probe", n, || LogisticRegression::evaluate(trx, try_, tex, tey, dim, CLASSES));
        let k =
            timed("kNN", n, || knn::evaluate_with(trx, try_, tex, tey, dim, CLASSES, &KnnOptions::default()));
        let no_map = KnnOptions { max_map_queries: 0, ..KnnOptions::default() };
        timed("kNN without mAP", n, || knn::evaluate_with(trx, try_, tex, tey, dim, CLASSES, &no_map));
        let d = timed("diagnostics", n, || diagnose(tex, tex, tex, dim));
        println!(
            "<!-- {n} rows: LR {:.2} % in {} iterations, kNN k=20 w {:.2} % over {} queries (mAP over {}), uniformity over {} rows -->",
            p.accuracy, p.iterations, k.k20_weighted, k.queries, k.map_queries, d.uniformity_rows
        );
    }
}
