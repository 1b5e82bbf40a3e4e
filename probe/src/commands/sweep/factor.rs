//! The factors `probe sweep --vary NAME=V1,V2,…` can vary, and how one value of one factor
//! becomes one run: the base run's options with that one option replaced, resolved by the
//! same [`resolve`](crate::settings::resolve) as `probe FILE` (so every value is checked the
//! same way, with the same error lines).
//!
//! | factor | option | values |
//! |---|---|---|
//! | `tau` | `--tau` | temperatures in [0.001, 1000] |
//! | `batch` | `--batch` | batch sizes ≥ 2 |
//! | `dim` | `--dim` | embedding sizes ≥ 1 |
//! | `aug` | `--aug` | a strength `s ≥ 0` that scales every augmentation of the base pipeline (see [`scale_pipeline`]) |
//! | `normalize` | `--normalize` | `l2`, `none` |
//! | `queue` | `--queue` | memory-queue sizes ≥ 0 (with `--method infonce`) |
//! | `head` | `--head` | `none`, `linear`, `mlp` |
//! | `epochs` | `--epochs` | epochs ≥ 1 |
//! | `method` | `--method` | `infonce`, `ntxent`, `byol`, `simsiam`, `barlow`, `vicreg`, `ae` |

use crate::error::{ProbeError, Result};
use crate::network::HeadKind;
use crate::settings::options::{NormalizeKind, RunArgs};
use crate::settings::{Method, Settings};
use clap::ValueEnum;
use selfsup_core::augment::{Op, Pipeline};

/// A factor of the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Factor {
    /// Temperature `τ`.
    Tau,
    /// Batch size.
    Batch,
    /// Embedding size `K`.
    Dim,
    /// Augmentation strength (a factor on every augmentation of the base pipeline).
    Aug,
    /// L2 normalization of InfoNCE / NT-Xent, or none.
    Normalize,
    /// Size of InfoNCE's memory queue.
    Queue,
    /// Projection head.
    Head,
    /// Epochs.
    Epochs,
    /// Method.
    Method,
}

/// Every factor, in the order of the table above.
pub const FACTORS: [Factor; 9] = [
    Factor::Tau,
    Factor::Batch,
    Factor::Dim,
    Factor::Aug,
    Factor::Normalize,
    Factor::Queue,
    Factor::Head,
    Factor::Epochs,
    Factor::Method,
];

impl Factor {
    /// The name after `--vary`.
    pub fn name(self) -> &'static str {
        match self {
            Factor::Tau => "tau",
            Factor::Batch => "batch",
            Factor::Dim => "dim",
            Factor::Aug => "aug",
            Factor::Normalize => "normalize",
            Factor::Queue => "queue",
            Factor::Head => "head",
            Factor::Epochs => "epochs",
            Factor::Method => "method",
        }
    }
}

/// One `--vary NAME=V1,V2,…`: a factor and its values, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    /// The factor.
    pub factor: Factor,
    /// Its values as written (checked when applied).
    pub values: Vec<String>,
}

fn usage_fix() -> String {
    let names: Vec<&str> = FACTORS.iter().map(|f| f.name()).collect();
    format!("write e.g. --vary tau=0.05,0.1,0.2,0.5,1 (factors: {})", names.join(", "))
}

/// Parses `NAME=V1,V2,…`.
pub fn parse_vary(text: &str) -> Result<Vary> {
    let (name, values) = text
        .split_once('=')
        .ok_or_else(|| ProbeError::usage(format!("--vary \"{text}\" has no `=`"), usage_fix()))?;
    let factor =
        FACTORS.iter().copied().find(|f| f.name() == name.trim()).ok_or_else(|| {
            ProbeError::usage(format!("--vary: unknown factor `{}`", name.trim()), usage_fix())
        })?;
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err(ProbeError::usage(format!("--vary \"{text}\" has an empty value"), usage_fix()));
    }
    let mut seen = values.clone();
    seen.sort();
    seen.dedup();
    if seen.len() != values.len() {
        return Err(ProbeError::usage(format!("--vary \"{text}\" repeats a value"), "give each value once"));
    }
    Ok(Vary { factor, values })
}

fn number<T: std::str::FromStr>(f: Factor, v: &str) -> Result<T> {
    v.parse().map_err(|_| {
        ProbeError::usage(
            format!("--vary {}: `{v}` is not a number", f.name()),
            format!("write numbers, e.g. --vary {}=1,2", f.name()),
        )
    })
}

fn choice<E: ValueEnum>(f: Factor, v: &str) -> Result<E> {
    E::from_str(v, true).map_err(|_| {
        let names: Vec<String> = E::value_variants()
            .iter()
            .filter_map(|e| e.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        ProbeError::usage(
            format!("--vary {}: `{v}` is not one of {}", f.name(), names.join(", ")),
            format!("write e.g. --vary {}={}", f.name(), names.join(",")),
        )
    })
}

/// The base run's options with factor `f` set to `value`; `base` gives the pipeline that an
/// `aug` strength scales. Every other option keeps the base run's resolved value.
pub fn apply(args: &RunArgs, base: &Settings, f: Factor, value: &str) -> Result<RunArgs> {
    let mut a = args.clone();
    match f {
        Factor::Tau => a.tau = number(f, value)?,
        Factor::Batch => a.batch = Some(number(f, value)?),
        Factor::Dim => a.dim = Some(number(f, value)?),
        Factor::Aug => {
            let s: f64 = number(f, value)?;
            if !(s.is_finite() && s >= 0.0) {
                return Err(ProbeError::usage(
                    format!("--vary aug: strength {value} must be zero or positive"),
                    "write strengths such as --vary aug=0,0.5,1,2",
                ));
            }
            a.aug = Some(scale_pipeline(&base.aug, s));
        }
        Factor::Normalize => a.normalize = choice::<NormalizeKind>(f, value)?,
        Factor::Queue => a.queue = number(f, value)?,
        Factor::Head => a.head = Some(choice::<HeadKind>(f, value)?),
        Factor::Epochs => a.epochs = Some(number(f, value)?),
        Factor::Method => a.method = choice::<Method>(f, value)?,
    }
    Ok(a)
}

/// The spec of `p` with every augmentation's strength times `s`: standard deviations, angles,
/// probabilities and shift fractions times `s`; a uniform scale `U(lo, hi)` becomes
/// `U(1 − s(1 − lo), 1 + s(hi − 1))` (its distance from 1 scaled). `s = 1` is `p` itself,
/// `s = 0` no augmentation at all (`none`), and a strength that pushes a value out of its
/// range (a probability above 1) is the same error as writing it in `--aug`.
///
/// ```
/// use probe::commands::sweep::factor::scale_pipeline;
/// let p = "noise:0.5,uscale:0.8:1.2".parse().unwrap();
/// assert_eq!(scale_pipeline(&p, 0.5), "noise:0.25,uscale:0.9:1.1");
/// assert_eq!(scale_pipeline(&p, 0.0), "none");
/// ```
pub fn scale_pipeline(p: &Pipeline, s: f64) -> String {
    if s == 0.0 || p.ops().is_empty() {
        return "none".into();
    }
    let items: Vec<String> = p
        .ops()
        .iter()
        .map(|op| match *op {
            Op::Noise { std } => format!("noise:{}", std * s),
            Op::Jitter { std } => format!("jitter:{}", std * s),
            Op::MagnitudeScale { std } => format!("scale:{}", std * s),
            Op::Rotate { max_angle } => format!("rotate:{}", max_angle * s),
            Op::UniformScale { lo, hi } => {
                format!("uscale:{}:{}", 1.0 - s * (1.0 - lo), 1.0 + s * (hi - 1.0))
            }
            Op::Mask { p } => format!("mask:{}", p * s),
            Op::Scarf { p } => format!("scarf:{}", p * s),
            Op::TimeShift { max_frac } => format!("shift:{}", max_frac * s),
            // a translation takes whole pixels: the scaled offset rounded
            Op::Translate { max_px } => format!("translate:{}", (max_px * s).round()),
        })
        .collect();
    items.join(",")
}

/// The base run's options with every data-dependent default pinned to its resolved value, so
/// that varying one option changes that one field of the settings only (with `--epochs` auto,
/// a smaller batch would otherwise also get more epochs).
pub fn pin_defaults(args: &RunArgs, base: &Settings) -> RunArgs {
    let mut a = args.clone();
    a.dim = Some(base.dim);
    a.epochs = Some(base.epochs);
    a.batch = Some(base.batch);
    a.lr = Some(base.lr);
    a.aug = Some(base.aug.to_string());
    a.head = Some(base.model.head);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let v = parse_vary("tau=0.05, 0.1").unwrap();
        assert_eq!((v.factor, v.values), (Factor::Tau, vec!["0.05".into(), "0.1".into()]));
        for bad in ["tau", "speed=1", "tau=0.1,", "tau=1,1"] {
            assert!(parse_vary(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scales_every_augmentation() {
        let p: Pipeline =
            "rotate:0.25,noise:0.05,mask:0.2,scarf:0.4,scale:0.2,jitter:0.1,shift:0.05".parse().unwrap();
        assert_eq!(scale_pipeline(&p, 1.0), p.to_string());
        assert_eq!(
            scale_pipeline(&p, 2.0),
            "rotate:0.5,noise:0.1,mask:0.4,scarf:0.8,scale:0.4,jitter:0.2,shift:0.1"
        );
        assert_eq!(scale_pipeline(&Pipeline::new(), 2.0), "none");
    }
}
