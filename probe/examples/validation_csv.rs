//! Writes the validation folds of a CSV's *training* rows as CSV files that `probe` reads with
//! their `split` column (fold rows = `test`, the other training rows = `train`); the file's test
//! rows are never written. Used by `scripts/validation_study.sh`.
//!
//! ```sh
//! cargo run --release -p probe --example validation_csv -- data/iris.csv OUT_DIR [SEED]
//! ```
//!
//! prints one line per written file (`OUT_DIR/<stem>_fold<i>.csv`).

use probe::dataset::{self, LoadOptions};
use probe::search::validation::{folds, plan, write_fold_csv};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: validation_csv FILE.csv OUT_DIR [SEED]");
        return ExitCode::from(2);
    }
    let path = PathBuf::from(&args[0]);
    let out = PathBuf::from(&args[1]);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let opts = LoadOptions::default();
    let result = dataset::load(&path, &opts).and_then(|data| {
        let y = &data.train.y;
        let min_class =
            (0..data.num_classes()).map(|c| y.iter().filter(|&&v| v == c).count()).min().unwrap_or(0);
        let p = plan(y.len(), min_class);
        let f = folds(y, data.num_classes(), p.k, seed);
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut files = Vec::new();
        for i in 0..p.rounds {
            let o = out.join(format!("{stem}_fold{i}.csv"));
            write_fold_csv(&path, &data, &f, i, &o)?;
            files.push(o);
        }
        Ok(files)
    });
    match result {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
