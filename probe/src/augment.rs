//! Augmentations: selfsup-core's [`Pipeline`] (spec strings such as `rotate:0.25,noise:0.05`,
//! see `selfsup_core::augment`), with the defaults probe chooses for each kind of data and the
//! translation of spec errors into probe's error line.
//!
//! Defaults by data kind ([`default_spec`]):
//! - 2-D points: `rotate:0.25,noise:0.05`, the seed's ring program;
//! - tabular rows: `noise:0.5` (on validation folds of the training rows, 0.3 and 0.5 tie and
//!   no augmentation collapses digits to 47 % linear probe; DECISIONS.md "Defaults");
//! - time series: `jitter:0.1,scale:0.2,shift:0.05` (jitter, per-channel magnitude scaling and a
//!   time shift of up to 5% of the length; best on basic_motions' validation folds, ahead of a
//!   3% shift, no shift and no augmentation; DECISIONS.md "Defaults").

use crate::dataset::DataKind;
use crate::error::{ProbeError, Result};
pub use selfsup_core::augment::Pipeline;
use selfsup_core::rng::seeded;

/// The default spec for a data kind.
pub fn default_spec(kind: &DataKind) -> &'static str {
    match kind {
        DataKind::Points2d => "rotate:0.25,noise:0.05",
        DataKind::Tabular => "noise:0.5",
        DataKind::Series { .. } => "jitter:0.1,scale:0.2,shift:0.05",
    }
}

/// Parses `spec` for samples of `dim` features of kind `kind` (a series sets the channels).
pub fn parse(spec: &str, dim: usize, kind: &DataKind) -> Result<Pipeline> {
    let fix = "write name:value items separated by commas, e.g. --aug rotate:0.25,noise:0.05 \
               (names: noise, jitter, rotate, uscale, scale, mask, scarf, shift; see probe --help)";
    let p = Pipeline::parse(spec).map_err(|e| ProbeError::usage(format!("--aug \"{spec}\": {e}"), fix))?;
    let channels = match kind {
        DataKind::Series { channels, .. } => *channels,
        _ => 1,
    };
    let p = p.with_channels(channels);
    p.validate(dim).map_err(|e| {
        ProbeError::usage(
            format!("--aug \"{spec}\" does not fit {dim} features: {e}"),
            "remove that augmentation, or declare the series layout with --channels C",
        )
    })?;
    Ok(p)
}

/// Two augmented views of row-major `x` (`n × dim`; one sample per row, which is core's
/// column-major `dim × n`), drawn from a generator seeded with `seed`.
pub fn two_views(aug: &Pipeline, x: &[f64], dim: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = seeded(seed);
    let mut a = vec![0.0; x.len()];
    let mut b = vec![0.0; x.len()];
    aug.apply_slice(x, &mut a, dim, &mut rng);
    aug.apply_slice(x, &mut b, dim, &mut rng);
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_errors_are_usage_errors() {
        let series = DataKind::Series { channels: 6, length: 100, source: "header" };
        for (kind, d) in [(DataKind::Points2d, 2), (DataKind::Tabular, 64), (series.clone(), 600)] {
            let p = parse(default_spec(&kind), d, &kind).unwrap();
            assert_eq!(p.to_string(), default_spec(&kind));
        }
        assert_eq!(parse("shift:0.1", 600, &series).unwrap().channels(), 6);
        let e = parse("blur:1", 3, &DataKind::Tabular).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("unknown augmentation `blur`"), "{e}");
        assert!(parse("rotate:0.25", 1, &DataKind::Tabular).is_err());
    }

    #[test]
    fn views_are_seeded() {
        let aug = parse("noise:0.5", 3, &DataKind::Tabular).unwrap();
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(two_views(&aug, &x, 3, 4), two_views(&aug, &x, 3, 4));
        let (a, b) = two_views(&aug, &x, 3, 4);
        assert_ne!(a, b);
    }
}
