//! Augmentations: a pipeline of random transforms of one sample, parsed from a short spec
//! such as `rotate:0.25,noise:0.05` and applied in the order written.
//!
//! | name | value | transform of a sample `x` (standardized features) |
//! |---|---|---|
//! | `noise` | σ | `x + N(0, σ² I)` |
//! | `rotate` | θ (radians) | 2-D only: rotate by `U(−θ, θ)` (the seed's ring program: θ = 0.25) |
//! | `scale` | s | `x · (1 + U(−s, s))` |
//! | `mask` | p | zero each feature with probability `p` |
//! | `scarf` | p | replace each feature with probability `p` by the same feature of a random training row (SCARF, Bahri et al. 2022) |
//! | `jitter` | σ | series: `x + N(0, σ² I)` at every step (Um et al. 2017) |
//! | `magscale` | σ | series: each channel times `N(1, σ²)` (magnitude scaling, Um et al. 2017) |
//! | `shift` | f | series: roll every channel in time by the same `U{−m..m}` steps, `m = round(f·L)` (circular) |
//!
//! Defaults by data kind (chosen by [`default_spec`]): 2-D points `rotate:0.25,noise:0.05`
//! (the seed's ring program); tabular `noise:0.5` (noise of 0.3–0.5 std beat 0.1 in the
//! PyTorch study of the probe issue); time series `jitter:0.1,magscale:0.2,shift:0.1` (the
//! same study: without the shift, basic_motions fell apart).
//!
//! Written in probe with selfsup-core's RNG (`selfsup_core::rng`) and `Real` trait, generic
//! over the scalar, so f32 and f64 runs draw the same sequence.

use crate::dataset::DataKind;
use crate::error::{ProbeError, Result};
use selfsup_core::rng::{Rng, index, normal, uniform};
use selfsup_core::{Real, lit};

/// One transform.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Additive Gaussian noise, std σ.
    Noise(f64),
    /// 2-D rotation by up to ± this many radians.
    Rotate(f64),
    /// Whole-sample scaling by `1 + U(−s, s)`.
    Scale(f64),
    /// Feature masking with probability p.
    Mask(f64),
    /// SCARF corruption with probability p.
    Scarf(f64),
    /// Series jitter, std σ.
    Jitter(f64),
    /// Series magnitude scaling per channel, std σ.
    MagScale(f64),
    /// Series circular time shift by up to this fraction of the length.
    Shift(f64),
}

/// A parsed pipeline and the sample layout it works on.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// Transforms in application order.
    pub ops: Vec<Op>,
    /// Number of features.
    pub dim: usize,
    /// Channels of a series (1 otherwise).
    pub channels: usize,
}

/// The default spec for a data kind.
pub fn default_spec(kind: &DataKind) -> &'static str {
    match kind {
        DataKind::Points2d => "rotate:0.25,noise:0.05",
        DataKind::Tabular => "noise:0.5",
        DataKind::Series { .. } => "jitter:0.1,magscale:0.2,shift:0.1",
    }
}

const NAMES: &str = "noise, rotate, scale, mask, scarf, jitter, magscale, shift";

impl Pipeline {
    /// Parses `spec` (`name:value,...`; empty or `none` for no augmentation) for data of
    /// `dim` features of kind `kind`.
    pub fn parse(spec: &str, dim: usize, kind: &DataKind) -> Result<Self> {
        let channels = match kind {
            DataKind::Series { channels, .. } => *channels,
            _ => 1,
        };
        let mut ops = Vec::new();
        let spec = spec.trim();
        if spec.is_empty() || spec == "none" {
            return Ok(Self { ops, dim, channels });
        }
        for item in spec.split(',') {
            let item = item.trim();
            let bad = |what: String| {
                ProbeError::usage(
                    format!("--aug \"{spec}\": {what}"),
                    format!(
                        "write name:value pairs separated by commas, e.g. rotate:0.25,noise:0.05 (names: {NAMES})"
                    ),
                )
            };
            let (name, value) =
                item.split_once(':').ok_or_else(|| bad(format!("\"{item}\" has no :value")))?;
            let v: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| bad(format!("\"{value}\" is not a non-negative number")))?;
            let prob = |v: f64| {
                if v < 1.0 { Ok(v) } else { Err(bad(format!("{name} probability {v} must be below 1"))) }
            };
            let series = |op: Op| {
                if matches!(kind, DataKind::Series { .. }) {
                    Ok(op)
                } else {
                    Err(ProbeError::usage(
                        format!("--aug {name} needs a time series, but the features are {}", kind.name()),
                        "name the columns t0..tL-1 or c0_t0..cC-1_tL-1, or pass --channels C",
                    ))
                }
            };
            ops.push(match name.trim() {
                "noise" => Op::Noise(v),
                "rotate" if dim == 2 => Op::Rotate(v),
                "rotate" => {
                    return Err(ProbeError::usage(
                        format!("--aug rotate needs 2-D points, but the data has {dim} features"),
                        "remove rotate from --aug (use noise, scale, mask or scarf)",
                    ));
                }
                "scale" => Op::Scale(v),
                "mask" => Op::Mask(prob(v)?),
                "scarf" => Op::Scarf(prob(v)?),
                "jitter" => series(Op::Jitter(v))?,
                "magscale" => series(Op::MagScale(v))?,
                "shift" => series(Op::Shift(v))?,
                other => return Err(bad(format!("unknown augmentation \"{other}\""))),
            });
        }
        Ok(Self { ops, dim, channels })
    }

    /// The canonical spec string.
    pub fn spec(&self) -> String {
        if self.ops.is_empty() {
            return "none".into();
        }
        let parts: Vec<String> = self
            .ops
            .iter()
            .map(|op| match *op {
                Op::Noise(v) => format!("noise:{v}"),
                Op::Rotate(v) => format!("rotate:{v}"),
                Op::Scale(v) => format!("scale:{v}"),
                Op::Mask(v) => format!("mask:{v}"),
                Op::Scarf(v) => format!("scarf:{v}"),
                Op::Jitter(v) => format!("jitter:{v}"),
                Op::MagScale(v) => format!("magscale:{v}"),
                Op::Shift(v) => format!("shift:{v}"),
            })
            .collect();
        parts.join(",")
    }

    /// Transforms one sample `x` (length `dim`) in place. `pool` holds the training rows
    /// (row-major) for SCARF; `tmp` is scratch of length `dim`.
    pub fn apply<T: Real>(&self, rng: &mut Rng, x: &mut [T], pool: &[T], tmp: &mut [T]) {
        let d = self.dim;
        let len = d / self.channels.max(1);
        for op in &self.ops {
            match *op {
                Op::Noise(s) | Op::Jitter(s) => {
                    let s = lit::<T>(s);
                    for v in x.iter_mut() {
                        *v += s * normal::<T, Rng>(rng);
                    }
                }
                Op::Rotate(a) => {
                    let a = lit::<T>(a);
                    let th: T = uniform(rng, -a, a);
                    let (c, s) = (th.cos_(), th.sin_());
                    let (x0, x1) = (x[0], x[1]);
                    x[0] = c * x0 - s * x1;
                    x[1] = s * x0 + c * x1;
                }
                Op::Scale(s) => {
                    let s = lit::<T>(s);
                    let f = T::one() + uniform(rng, -s, s);
                    x.iter_mut().for_each(|v| *v *= f);
                }
                Op::Mask(p) => {
                    let p = lit::<T>(p);
                    for v in x.iter_mut() {
                        if T::uniform01(rng) < p {
                            *v = T::zero();
                        }
                    }
                }
                Op::Scarf(p) => {
                    let p = lit::<T>(p);
                    let rows = pool.len() / d;
                    for (j, v) in x.iter_mut().enumerate() {
                        if T::uniform01(rng) < p && rows > 0 {
                            *v = pool[index(rng, rows) * d + j];
                        }
                    }
                }
                Op::MagScale(s) => {
                    let s = lit::<T>(s);
                    for ch in x.chunks_exact_mut(len) {
                        let f = T::one() + s * normal::<T, Rng>(rng);
                        ch.iter_mut().for_each(|v| *v *= f);
                    }
                }
                Op::Shift(f) => {
                    let m = (f * len as f64).round() as usize;
                    if m == 0 || len < 2 {
                        continue;
                    }
                    let k = index(rng, 2 * m + 1) as isize - m as isize;
                    let k = k.rem_euclid(len as isize) as usize;
                    for (ch, t) in x.chunks_exact_mut(len).zip(tmp.chunks_exact_mut(len)) {
                        t.copy_from_slice(ch);
                        for i in 0..len {
                            ch[(i + k) % len] = t[i];
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use selfsup_core::rng::seeded;

    #[test]
    fn parse_and_round_trip() {
        let p = Pipeline::parse("rotate:0.25, noise:0.05", 2, &DataKind::Points2d).unwrap();
        assert_eq!(p.ops, vec![Op::Rotate(0.25), Op::Noise(0.05)]);
        assert_eq!(p.spec(), "rotate:0.25,noise:0.05");
        assert!(Pipeline::parse("rotate:0.25", 3, &DataKind::Tabular).is_err());
        assert!(Pipeline::parse("shift:0.1", 3, &DataKind::Tabular).is_err());
        assert!(Pipeline::parse("blur:1", 3, &DataKind::Tabular).is_err());
        assert!(Pipeline::parse("noise", 3, &DataKind::Tabular).is_err());
        assert!(Pipeline::parse("mask:1.5", 3, &DataKind::Tabular).is_err());
    }

    #[test]
    fn rotation_keeps_the_norm_and_shift_rolls() {
        let p = Pipeline::parse("rotate:3", 2, &DataKind::Points2d).unwrap();
        let mut x = [3.0f64, 4.0];
        p.apply(&mut seeded(1), &mut x, &[], &mut [0.0; 2]);
        assert!(((x[0] * x[0] + x[1] * x[1]).sqrt() - 5.0).abs() < 1e-12);
        let kind = DataKind::Series { channels: 2, length: 4, source: "header" };
        let p = Pipeline::parse("shift:0.5", 8, &kind).unwrap();
        let orig = [0.0f64, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0];
        let mut x = orig;
        p.apply(&mut seeded(3), &mut x, &[], &mut [0.0; 8]);
        // Both channels rolled by the same amount k.
        let k = x.iter().position(|&v| v == 0.0).unwrap();
        for i in 0..4 {
            assert_eq!(x[(i + k) % 4], orig[i]);
            assert_eq!(x[4 + (i + k) % 4], orig[4 + i]);
        }
    }
}
