//! What the features are: 2-D points, tabular rows, a channel-major time series or an image,
//! recognised from the headers (or `--channels C`, `--image HxW`). The kind decides the default
//! augmentations, the embedding size, how the encoders' input is standardized and the
//! search's candidates.
//!
//! An image is recognised from scikit-learn's feature names for images, `pixel_{row}_{col}`
//! (`load_digits(as_frame=True)`: `pixel_0_0 … pixel_7_7`, row-major), never from a count of
//! features that happens to be a perfect square.

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
    /// A grey-scale image flattened row-major (`pixel_0_0, pixel_0_1, …, pixel_{H-1}_{W-1}`).
    Image {
        /// Rows of pixels `H`.
        height: usize,
        /// Columns of pixels `W`.
        width: usize,
        /// How it was recognised: `"header"` or `"--image"`.
        source: &'static str,
    },
}

impl DataKind {
    /// Short name used in the report: `points2d`, `tabular`, `series` or `image`.
    pub fn name(&self) -> &'static str {
        match self {
            DataKind::Points2d => "points2d",
            DataKind::Tabular => "tabular",
            DataKind::Series { .. } => "series",
            DataKind::Image { .. } => "image",
        }
    }

    /// The blocks `(count, length)` of consecutive features that the encoders' input
    /// standardizes as a whole (`standardize::channel_standardizer`), so that a time shift or a
    /// translation moves values of one scale: a series' channels, an image's pixels as one
    /// block. `None` for points and tabular rows (the encoders see the standardized features).
    pub fn blocks(&self) -> Option<(usize, usize)> {
        match *self {
            DataKind::Series { channels, length, .. } => Some((channels, length)),
            DataKind::Image { height, width, .. } => Some((1, height * width)),
            _ => None,
        }
    }
}

/// Parses `--image HxW` (also `H×W` or `H,W`): two positive integers.
pub fn parse_image_size(s: &str) -> std::result::Result<(usize, usize), String> {
    let bad = || format!("`{s}` is not an image size; write rows × columns of pixels as HxW, e.g. 8x8");
    let (h, w) = s.split_once(['x', 'X', '×', ',']).ok_or_else(bad)?;
    let (h, w): (usize, usize) = (h.trim().parse().map_err(|_| bad())?, w.trim().parse().map_err(|_| bad())?);
    if h == 0 || w == 0 {
        return Err(bad());
    }
    Ok((h, w))
}

/// Recognises a time series from the headers `t0..tL-1` or `c0_t0..cC-1_tL-1` or from
/// `--channels`, an image from the headers `pixel_0_0..pixel_{H-1}_{W-1}` (H, W ≥ 2) or from
/// `--image HxW`, else 2-D points (exactly two features) or tabular.
pub fn detect_kind(
    path: &Path,
    names: &[String],
    channels: Option<usize>,
    image: Option<(usize, usize)>,
) -> Result<DataKind> {
    let d = names.len();
    if let Some((h, w)) = image {
        if channels.is_some() {
            return Err(ProbeError::usage(
                "--image and --channels both given",
                "declare the features either an image (--image HxW) or a time series (--channels C)",
            ));
        }
        if h.checked_mul(w) != Some(d) {
            return Err(ProbeError::usage(
                format!("--image {h}x{w} is not the {d} feature columns of {}", path.display()),
                format!("pass --image HxW with H·W = {d} (rows × columns of pixels, stored row by row)"),
            ));
        }
        return Ok(DataKind::Image { height: h, width: w, source: "--image" });
    }
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
    let w = names.iter().filter(|s| s.starts_with("pixel_0_")).count();
    if w >= 2
        && d % w == 0
        && d / w >= 2
        && names.iter().enumerate().all(|(i, s)| *s == format!("pixel_{}_{}", i / w, i % w))
    {
        return Ok(DataKind::Image { height: d / w, width: w, source: "header" });
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
            detect_kind(p, &t, None, None).unwrap(),
            DataKind::Series { channels: 1, length: 5, source: "header" }
        );
        let c: Vec<String> = (0..6).map(|i| format!("c{}_t{}", i / 3, i % 3)).collect();
        assert_eq!(
            detect_kind(p, &c, None, None).unwrap(),
            DataKind::Series { channels: 2, length: 3, source: "header" }
        );
        let f: Vec<String> = (0..6).map(|i| format!("f{i}")).collect();
        assert_eq!(detect_kind(p, &f, None, None).unwrap(), DataKind::Tabular);
        assert_eq!(detect_kind(p, &f[..2], None, None).unwrap(), DataKind::Points2d);
        assert!(detect_kind(p, &f, Some(4), None).is_err());
    }

    #[test]
    fn image_detection() {
        let p = Path::new("x.csv");
        let px = |h: usize, w: usize| -> Vec<String> {
            (0..h * w).map(|i| format!("pixel_{}_{}", i / w, i % w)).collect()
        };
        let image = |height, width, source| DataKind::Image { height, width, source };
        assert_eq!(detect_kind(p, &px(8, 8), None, None).unwrap(), image(8, 8, "header"));
        assert_eq!(detect_kind(p, &px(3, 12), None, None).unwrap(), image(3, 12, "header"));
        // a single row of pixels, a wrong order or a perfect square of other names stay tabular
        assert_eq!(detect_kind(p, &px(1, 8), None, None).unwrap(), DataKind::Tabular);
        let mut swapped = px(4, 4);
        swapped.swap(1, 2);
        assert_eq!(detect_kind(p, &swapped, None, None).unwrap(), DataKind::Tabular);
        let f: Vec<String> = (0..64).map(|i| format!("f{i}")).collect();
        assert_eq!(detect_kind(p, &f, None, None).unwrap(), DataKind::Tabular);
        assert_eq!(detect_kind(p, &f, None, Some((8, 8))).unwrap(), image(8, 8, "--image"));
        assert_eq!(detect_kind(p, &f, None, Some((4, 16))).unwrap(), image(4, 16, "--image"));
        let e = detect_kind(p, &f, None, Some((8, 7))).unwrap_err().to_string();
        assert!(e.contains("--image 8x7") && e.contains("H·W = 64"), "{e}");
        assert!(detect_kind(p, &f, Some(8), Some((8, 8))).is_err());
        assert!(detect_kind(p, &f, None, Some((usize::MAX, 2))).is_err());
        assert_eq!(image(8, 8, "header").blocks(), Some((1, 64)));
    }

    #[test]
    fn image_sizes_parse() {
        assert_eq!(parse_image_size("8x8"), Ok((8, 8)));
        assert_eq!(parse_image_size("28×28"), Ok((28, 28)));
        assert_eq!(parse_image_size(" 4 , 16 "), Ok((4, 16)));
        for bad in ["8", "8x", "x8", "0x8", "8x-1", "axb", "8x8x8"] {
            assert!(parse_image_size(bad).unwrap_err().contains("HxW"), "{bad}");
        }
    }
}
