//! The augmentation spec language: `name[:value[:value]]` items separated by commas, e.g.
//! `"rotate:0.25,noise:0.05"` or `"jitter:0.1,scale:0.2,shift:0.1"`; `""` or `"none"` is the
//! empty pipeline. Parsing never panics: every problem is a [`SpecError`] naming the item.
//!
//! ```
//! use selfsup_core::augment::{Op, Pipeline, SpecError};
//! let p: Pipeline = "scarf, uscale:0.5:2".parse().unwrap();
//! assert_eq!(p.ops(), &[Op::Scarf { p: 0.6 }, Op::UniformScale { lo: 0.5, hi: 2.0 }]);
//! assert_eq!(p.to_string(), "scarf:0.6,uscale:0.5:2");
//! let e = "noise:0.1,blur:2".parse::<Pipeline>().unwrap_err();
//! assert!(matches!(e, SpecError::UnknownOp { index: 2, .. }));
//! ```

use super::{MAX_OPS, Op, Pipeline};
use core::fmt;
use core::str::FromStr;

/// A piece of the user's spec kept in an error (at most 24 bytes, cut at a char boundary;
/// control characters escaped as `\n`, `\u{0}`, … so that the message stays one printable line).
pub type Token = heapless::String<24>;

fn token(s: &str) -> Token {
    let mut t = Token::new();
    for c in s.chars() {
        if !c.is_control() {
            if t.push(c).is_err() {
                break;
            }
            continue;
        }
        let e = c.escape_default();
        if t.len() + e.len() > t.capacity() {
            break;
        }
        e.for_each(|e| {
            let _ = t.push(e); // fits: checked above
        });
    }
    t
}

/// Names accepted by the parser, for error messages.
const NAMES: &str = "noise, jitter, rotate, uscale, scale, mask, scarf, shift, translate";

/// What is wrong with an augmentation spec (or with a pipeline for a data shape). `index` is
/// the 1-based position of the item in the spec.
#[derive(Clone, Debug, PartialEq)]
pub enum SpecError {
    /// An empty item, as in `"noise:0.1,,rotate:0.2"`.
    EmptyItem {
        /// Position of the item.
        index: usize,
    },
    /// A name that is not an augmentation.
    UnknownOp {
        /// Position of the item.
        index: usize,
        /// The name given.
        name: Token,
    },
    /// More values than the operation takes (`uscale` takes two, the others one).
    TooManyValues {
        /// Position of the item.
        index: usize,
        /// The operation.
        op: &'static str,
        /// How many values it takes.
        takes: usize,
    },
    /// A value that is not a number.
    BadNumber {
        /// Position of the item.
        index: usize,
        /// The operation.
        op: &'static str,
        /// The text given.
        text: Token,
    },
    /// A number outside the operation's range.
    OutOfRange {
        /// Position of the item.
        index: usize,
        /// The operation.
        op: &'static str,
        /// The value given.
        value: f64,
        /// The accepted range, in words.
        range: &'static str,
    },
    /// More than [`MAX_OPS`] items.
    TooMany {
        /// The capacity.
        max: usize,
    },
    /// A time-series operation whose channel count does not divide the number of features.
    Channels {
        /// The operation.
        op: &'static str,
        /// Features per sample.
        d: usize,
        /// Channels set on the pipeline.
        channels: usize,
    },
    /// Rotation on samples with fewer than 2 features.
    RotateNeedsPairs {
        /// Features per sample.
        d: usize,
    },
    /// Translation without an image size, or with one whose pixel count does not divide the
    /// number of features.
    Image {
        /// Features per sample.
        d: usize,
        /// The image size `(H, W)` set on the pipeline, if any.
        image: Option<(usize, usize)>,
    },
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::EmptyItem { index } => {
                write!(f, "augmentation item {index} is empty; write items like `noise:0.1,rotate:0.25`")
            }
            SpecError::UnknownOp { index, name } => {
                write!(f, "augmentation item {index}: unknown augmentation `{name}`; use one of {NAMES}")
            }
            SpecError::TooManyValues { index, op, takes } => write!(
                f,
                "augmentation item {index}: `{op}` takes {takes} value{}, separated by `:`",
                if *takes == 1 { "" } else { "s" }
            ),
            SpecError::BadNumber { index, op, text } => {
                write!(
                    f,
                    "augmentation item {index}: `{op}` value `{text}` is not a number; write e.g. `{op}:0.1`"
                )
            }
            SpecError::OutOfRange { index, op, value, range } => {
                write!(f, "augmentation item {index}: `{op}` value ")?;
                // Plain digits for ordinary magnitudes, scientific notation for the others
                // (`1e300` would print as 301 digits).
                if *value == 0.0 || (1e-4..1e6).contains(&value.abs()) {
                    write!(f, "{value}")?;
                } else {
                    write!(f, "{value:e}")?;
                }
                write!(f, " is out of range; it must be {range}")
            }
            SpecError::TooMany { max } => write!(f, "too many augmentations; at most {max} are allowed"),
            SpecError::Channels { op, d, channels } => write!(
                f,
                "augmentation `{op}` needs the {d} features to be {channels} equal-length channels; \
                 set the number of channels to a divisor of {d}"
            ),
            SpecError::RotateNeedsPairs { d } => {
                write!(f, "augmentation `rotate` needs at least 2 features per sample, the data has {d}")
            }
            SpecError::Image { d, image: None } => write!(
                f,
                "augmentation `translate` needs the {d} features to be an image; declare its size H×W"
            ),
            SpecError::Image { d, image: Some((h, w)) } => write!(
                f,
                "augmentation `translate`: images of {h}×{w} pixels do not fit the {d} features; \
                 declare a size H×W with H·W = {d}"
            ),
        }
    }
}

impl core::error::Error for SpecError {}

fn number(index: usize, op: &'static str, text: &str) -> Result<f64, SpecError> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(SpecError::BadNumber { index, op, text: token(text) }),
    }
}

fn check(index: usize, op: &'static str, v: f64, ok: bool, range: &'static str) -> Result<f64, SpecError> {
    if ok { Ok(v) } else { Err(SpecError::OutOfRange { index, op, value: v, range }) }
}

fn parse_item(index: usize, item: &str) -> Result<Op, SpecError> {
    let mut parts = item.split(':');
    let name = parts.next().unwrap_or("").trim();
    let op: &'static str = match name {
        "noise" => "noise",
        "jitter" => "jitter",
        "rotate" => "rotate",
        "uscale" => "uscale",
        "scale" => "scale",
        "mask" => "mask",
        "scarf" => "scarf",
        "shift" => "shift",
        "translate" => "translate",
        _ => return Err(SpecError::UnknownOp { index, name: token(name) }),
    };
    let takes = if op == "uscale" { 2 } else { 1 };
    let mut vals = [None; 2];
    for (n, text) in parts.enumerate() {
        if n >= takes {
            return Err(SpecError::TooManyValues { index, op, takes });
        }
        vals[n] = Some(number(index, op, text)?);
    }
    let nonneg = |v: f64| check(index, op, v, v >= 0.0, "≥ 0");
    let prob = |v: f64| check(index, op, v, (0.0..=1.0).contains(&v), "between 0 and 1");
    Ok(match op {
        "noise" => Op::Noise { std: nonneg(vals[0].unwrap_or(0.1))? },
        "jitter" => Op::Jitter { std: nonneg(vals[0].unwrap_or(0.1))? },
        "rotate" => Op::Rotate { max_angle: nonneg(vals[0].unwrap_or(0.25))? },
        "scale" => Op::MagnitudeScale { std: nonneg(vals[0].unwrap_or(0.2))? },
        "mask" => Op::Mask { p: prob(vals[0].unwrap_or(0.2))? },
        "scarf" => Op::Scarf { p: prob(vals[0].unwrap_or(0.6))? },
        "translate" => Op::Translate { max_px: nonneg(vals[0].unwrap_or(0.5))? },
        "shift" => {
            let f = vals[0].unwrap_or(0.1);
            Op::TimeShift {
                max_frac: check(
                    index,
                    op,
                    f,
                    (0.0..1.0).contains(&f),
                    "in [0, 1) (a fraction of the length)",
                )?,
            }
        }
        _ => match (vals[0], vals[1]) {
            (Some(lo), Some(hi)) => {
                check(index, op, lo, lo > 0.0, "> 0 (the smallest factor)")?;
                Op::UniformScale { lo, hi: check(index, op, hi, hi >= lo, "≥ the smallest factor")? }
            }
            (Some(v), None) => {
                let v = check(
                    index,
                    op,
                    v,
                    (0.0..1.0).contains(&v),
                    "in [0, 1) (`uscale:v` means U(1 − v, 1 + v))",
                )?;
                Op::UniformScale { lo: 1.0 - v, hi: 1.0 + v }
            }
            _ => Op::UniformScale { lo: 0.8, hi: 1.2 },
        },
    })
}

impl FromStr for Pipeline {
    type Err = SpecError;

    fn from_str(spec: &str) -> Result<Self, SpecError> {
        let mut p = Pipeline::new();
        let spec = spec.trim();
        if spec.is_empty() || spec == "none" {
            return Ok(p);
        }
        for (n, item) in spec.split(',').enumerate() {
            let item = item.trim();
            if item.is_empty() {
                return Err(SpecError::EmptyItem { index: n + 1 });
            }
            if p.ops.len() == MAX_OPS {
                return Err(SpecError::TooMany { max: MAX_OPS });
            }
            let _ = p.ops.push(parse_item(n + 1, item)?);
        }
        Ok(p)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Op::Noise { std } | Op::Jitter { std } | Op::MagnitudeScale { std } => {
                write!(f, "{}:{std}", self.name())
            }
            Op::Rotate { max_angle } => write!(f, "rotate:{max_angle}"),
            Op::UniformScale { lo, hi } => write!(f, "uscale:{lo}:{hi}"),
            Op::Mask { p } | Op::Scarf { p } => write!(f, "{}:{p}", self.name()),
            Op::TimeShift { max_frac } => write!(f, "shift:{max_frac}"),
            Op::Translate { max_px } => write!(f, "translate:{max_px}"),
        }
    }
}

impl fmt::Display for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ops.is_empty() {
            return f.write_str("none");
        }
        for (n, op) in self.ops.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{op}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString; // tests build with `alloc` (core's dev-dependency on itself)

    fn err(s: &str) -> SpecError {
        s.parse::<Pipeline>().unwrap_err()
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        let m = err("noise:1\n2\0").to_string();
        assert!(m.contains("`1\\n2\\u{0}`"), "{m}");
        assert!(!m.chars().any(char::is_control));
        let m = err("uscale:-1e-300").to_string();
        assert!(m.contains("value -1e-300 is out"), "{m}");
        assert!(err("mask:2.5").to_string().contains("value 2.5 is out"));
        // An escape that does not fit whole is left out.
        let t = token("xxxxxxxxxxxxxxxxxxxxxx\0");
        assert_eq!(t.as_str(), "xxxxxxxxxxxxxxxxxxxxxx");
    }

    #[test]
    fn round_trips() {
        for s in [
            "rotate:0.25,noise:0.05",
            "jitter:0.1,scale:0.2,shift:0.1",
            "mask:0.3,scarf:0.6,uscale:0.8:1.25",
            "none",
            "noise:0.00001,rotate:3.14159",
            "translate:2,noise:0.5",
        ] {
            let p: Pipeline = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
            assert_eq!(p.to_string().parse::<Pipeline>().unwrap(), p);
        }
        assert_eq!(" rotate : 0.25 , noise:0.05 ".parse::<Pipeline>().unwrap(), Pipeline::reference_ring());
        assert!("".parse::<Pipeline>().unwrap().is_empty());
        assert_eq!("shift".parse::<Pipeline>().unwrap().ops(), &[Op::TimeShift { max_frac: 0.1 }]);
        assert_eq!("translate".parse::<Pipeline>().unwrap().ops(), &[Op::Translate { max_px: 0.5 }]);
    }

    #[test]
    fn rejects_bad_specs_with_clear_errors() {
        assert_eq!(err("noise:0.1,,rotate"), SpecError::EmptyItem { index: 2 });
        assert!(matches!(err("blur:1"), SpecError::UnknownOp { index: 1, ref name } if name == "blur"));
        assert!(matches!(err("noise:abc"), SpecError::BadNumber { op: "noise", .. }));
        assert!(matches!(err("noise:nan"), SpecError::BadNumber { .. }));
        assert!(matches!(err("noise:inf"), SpecError::BadNumber { .. }));
        assert!(matches!(err("noise:"), SpecError::BadNumber { .. }));
        assert!(matches!(err("noise:-1"), SpecError::OutOfRange { op: "noise", .. }));
        assert!(matches!(err("mask:1.5"), SpecError::OutOfRange { .. }));
        assert!(matches!(err("shift:1"), SpecError::OutOfRange { .. }));
        assert!(matches!(err("translate:-1"), SpecError::OutOfRange { op: "translate", .. }));
        assert!(matches!(err("uscale:1.2:0.8"), SpecError::OutOfRange { .. }));
        assert!(matches!(err("uscale:0:1"), SpecError::OutOfRange { .. }));
        assert!(matches!(err("uscale:1"), SpecError::OutOfRange { .. }));
        assert_eq!(Pipeline::parse("uscale:0.25").unwrap().ops(), &[Op::UniformScale { lo: 0.75, hi: 1.25 }]);
        assert!(matches!(err("rotate:1:2"), SpecError::TooManyValues { takes: 1, .. }));
        assert!(matches!(err("uscale:1:2:3"), SpecError::TooManyValues { takes: 2, .. }));
        assert_eq!(
            err("noise,noise,noise,noise,noise,noise,noise,noise,noise"),
            SpecError::TooMany { max: 8 }
        );
        let long = "averyveryverylongaugmentationnamethatgoesonandon";
        assert!(matches!(err(long), SpecError::UnknownOp { ref name, .. } if name.len() == 24));
        assert!(matches!(err("é€"), SpecError::UnknownOp { .. }));
    }

    #[test]
    fn errors_display_what_and_how() {
        let m = err("noise:0.1,blur:2").to_string();
        assert!(m.contains("item 2") && m.contains("blur") && m.contains("noise, jitter"), "{m}");
        let m = Pipeline::parse("shift").unwrap().with_channels(7).validate(600).unwrap_err().to_string();
        assert!(m.contains("7") && m.contains("600"), "{m}");
        let m = Pipeline::parse("translate").unwrap().with_image(8, 7).validate(64).unwrap_err().to_string();
        assert!(m.contains("8×7") && m.contains("64"), "{m}");
    }
}
