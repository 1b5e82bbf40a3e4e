//! What the features are: 2-D points, tabular rows or a channel-major time series, recognised
//! from the headers (or `--channels C`). The kind decides the default augmentations and the
//! embedding size.

use crate::error::{ProbeError, Result};
use std::path::Path;

/// What the features are; decides the default augmentations and embedding size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// Exactly two features: points in the plane.
    Points2d,
    /// Independent numeric features.
    Tabular,
    /// A multichannel series flattened channel-major (`c0_t0..c0_tL-1, c1_t0, ...`).
    Series {
        /// Number of channels `C`.
        channels: usize,
        /// Number of time steps `L`.
        length: usize,
        /// How it was recognised: `"header"` or `"--channels"`.
        source: &'static str,
    },
}

impl DataKind {
    /// Short name used in the report: `points2d`, `tabular` or `series`.
    pub fn name(&self) -> &'static str {
        match self {
            DataKind::Points2d => "points2d",
            DataKind::Tabular => "tabular",
            DataKind::Series { .. } => "series",
        }
    }
}

/// Recognises a time series from the headers `t0..tL-1` or `c0_t0..cC-1_tL-1` or from
/// `--channels`, else 2-D points (exactly two features) or tabular.
pub fn detect_kind(path: &Path, names: &[String], channels: Option<usize>) -> Result<DataKind> {
    let d = names.len();
    if let Some(c) = channels {
        if c == 0 || d % c != 0 {
            return Err(ProbeError::usage(
                format!("--channels {c} does not divide the {d} feature columns of {}", path.display()),
                "pass the number of channels C so that the features are C channels × L steps, channel-major",
            ));
        }
        return Ok(DataKind::Series { channels: c, length: d / c, source: "--channels" });
    }
    if d >= 2 && names.iter().enumerate().all(|(i, s)| *s == format!("t{i}")) {
        return Ok(DataKind::Series { channels: 1, length: d, source: "header" });
    }
    let l = names.iter().filter(|s| s.starts_with("c0_t")).count();
    if l >= 2 && d % l == 0 && names.iter().enumerate().all(|(i, s)| *s == format!("c{}_t{}", i / l, i % l)) {
        return Ok(DataKind::Series { channels: d / l, length: l, source: "header" });
    }
    Ok(if d == 2 { DataKind::Points2d } else { DataKind::Tabular })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_detection() {
        let p = Path::new("x.csv");
        let t: Vec<String> = (0..5).map(|i| format!("t{i}")).collect();
        assert_eq!(
            detect_kind(p, &t, None).unwrap(),
            DataKind::Series { channels: 1, length: 5, source: "header" }
        );
        let c: Vec<String> = (0..6).map(|i| format!("c{}_t{}", i / 3, i % 3)).collect();
        assert_eq!(
            detect_kind(p, &c, None).unwrap(),
            DataKind::Series { channels: 2, length: 3, source: "header" }
        );
        let f: Vec<String> = (0..6).map(|i| format!("f{i}")).collect();
        assert_eq!(detect_kind(p, &f, None).unwrap(), DataKind::Tabular);
        assert_eq!(detect_kind(p, &f[..2], None).unwrap(), DataKind::Points2d);
        assert!(detect_kind(p, &f, Some(4)).is_err());
    }
}
