//! Output: the report of a run (`report.json`, `report.md`), of a comparison (`compare.json`,
//! `compare.md`), of `probe labels` (`labels`, `labels_plot`), the SVG plots and `embeddings.csv`.

pub mod anomaly;
pub mod build;
pub mod compare;
pub mod files;
pub mod labels;
pub mod labels_plot;
pub mod markdown;
pub mod plot;
pub mod report;
pub mod roc;
pub mod search;
pub mod sweep;
pub mod sweep_plot;
pub mod verdict;
