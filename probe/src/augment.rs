//! Augmentations: selfsup-core's [`Pipeline`] (spec strings such as `rotate:0.25,noise:0.05`,
//! see `selfsup_core::augment`), with the defaults probe chooses for each kind of data and the
//! translation of spec errors into probe's error line.
//!
//! Defaults by data kind ([`default_spec`]):
//! - 2-D points: `rotate:0.25,noise:0.05`, the seed's ring program;
//! - tabular rows: `noise:0.5` (on validation folds of the training rows, 0.3 and 0.5 tie and
//!   no augmentation collapses digits to 47 % linear probe; DECISIONS.md "Defaults");
//! - images: `noise:0.5`, as tabular rows (translations are tried by the search, not the
//!   default: they did not help on digits' validation quarters; DECISIONS.md, step 7);
//! - time series: `jitter:0.1,scale:0.2,shift:0.05` (jitter, per-channel magnitude scaling and a
//!   time shift of up to 5% of the length; best on basic_motions' validation folds, ahead of a
//!   3% shift, no shift and no augmentation; DECISIONS.md "Defaults").

use crate::dataset::DataKind;
use crate::error::{ProbeError, Result};
pub use selfsup_core::augment::Pipeline;
use selfsup_core::rng::seeded;

/// The default augmentation of images: Gaussian noise of 0.5 std, as for tabular rows. A
/// translation is not in the default: on digits' validation quarters (3 fold seeds, linear
/// probe / weighted kNN-20 of the MLP's hidden layer) `translate:0.25,noise:0.5` scores
/// 98.32 / 97.16 against 98.21 / 97.48 without it, and translations by half or one pixel lose
/// 0.5 to 1 point; the search tries them (DECISIONS.md, "The search, step 7: images").
pub const IMAGE_SPEC: &str = "noise:0.5";

/// The default spec for a data kind.
pub fn default_spec(kind: &DataKind) -> &'static str {
    match kind {
        DataKind::Points2d => "rotate:0.25,noise:0.05",
        DataKind::Tabular => "noise:0.5",
        DataKind::Series { .. } => "jitter:0.1,scale:0.2,shift:0.05",
        DataKind::Image { .. } => IMAGE_SPEC,
    }
}

/// Parses `spec` for samples of `dim` features of kind `kind` (a series sets the channels).
pub fn parse(spec: &str, dim: usize, kind: &DataKind) -> Result<Pipeline> {
    let fix = "write name:value items separated by commas, e.g. --aug rotate:0.25,noise:0.05 \
               (names: noise, jitter, rotate, uscale, scale, mask, scarf, shift, translate; see probe --help)";
    let p = Pipeline::parse(spec).map_err(|e| ProbeError::usage(format!("--aug \"{spec}\": {e}"), fix))?;
    let channels = match kind {
        DataKind::Series { channels, .. } => *channels,
        _ => 1,
    };
    let mut p = p.with_channels(channels);
    if let DataKind::Image { height, width, .. } = *kind {
        p = p.with_image(height, width);
    }
    p.validate(dim).map_err(|e| {
        ProbeError::usage(
            format!("--aug \"{spec}\" does not fit {dim} features: {e}"),
            "remove that augmentation, or declare the layout: a series with --channels C, an image with --image HxW",
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
        let image = DataKind::Image { height: 8, width: 8, source: "header" };
        assert_eq!(parse(default_spec(&image), 64, &image).unwrap().image(), Some((8, 8)));
        let e = parse("translate:1", 64, &DataKind::Tabular).unwrap_err().to_string();
        assert!(e.contains("translate") && e.contains("--image HxW"), "{e}");
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
