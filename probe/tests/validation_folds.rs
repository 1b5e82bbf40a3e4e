//! Validation folds are carved from the training rows only: the fold CSVs hold exactly the
//! file's training rows (none of its test rows), with the fold's rows marked `test`, stratified.

use probe::dataset::{self, LoadOptions};
use probe::search::validation::{folds, plan, write_fold_csv};
use std::collections::BTreeMap;

#[test]
fn fold_csvs_hold_the_training_rows_only() {
    let path = std::path::PathBuf::from(format!("{}/../data/iris.csv", env!("CARGO_MANIFEST_DIR")));
    let opts = LoadOptions::default();
    let data = dataset::load(&path, &opts).unwrap();
    let y = &data.train.y;
    let p = plan(y.len(), 35);
    assert_eq!((p.k, p.rounds), (4, 4), "{} training rows: 4-fold", y.len());
    let f = folds(y, data.num_classes(), p.k, 0);
    let text = std::fs::read_to_string(&path).unwrap();
    // The file's rows (features and label, without the split column) by split.
    let mut train_rows: BTreeMap<String, i32> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[4] == "train" {
            *train_rows.entry(format!("{},{}", cells[..4].join(","), cells[5])).or_default() += 1;
        }
    }
    let dir = std::env::temp_dir().join(format!("selfsup-folds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for fold in 0..p.k {
        let out = dir.join(format!("fold{fold}.csv"));
        write_fold_csv(&path, &data, &f, fold, &out).unwrap();
        let written = std::fs::read_to_string(&out).unwrap();
        let mut lines = written.lines();
        assert_eq!(lines.next(), Some("f0,f1,f2,f3,label,split"));
        let mut seen: BTreeMap<String, i32> = BTreeMap::new();
        let mut val_per_class = BTreeMap::new();
        for l in lines {
            let (row, split) = l.rsplit_once(',').unwrap();
            *seen.entry(row.to_string()).or_default() += 1;
            if split == "test" {
                *val_per_class.entry(row.rsplit_once(',').unwrap().1.to_string()).or_insert(0) += 1;
            }
        }
        assert_eq!(seen, train_rows, "fold {fold}: exactly the training rows");
        // 35 training rows per class, 4 folds: 8 or 9 validation rows of each class.
        assert_eq!(val_per_class.len(), 3);
        assert!(val_per_class.values().all(|&n| n == 8 || n == 9), "{val_per_class:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
