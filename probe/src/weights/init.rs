//! `probe --init FILE`: reads a weights file ([`super::state_dict`]) and checks that it fits the
//! run's [`Architecture`]: the same encoder kind, `D` inputs, `H` hidden units, `K` outputs and,
//! if the file has a head, the run's head. A mismatch is one error line naming the file, the
//! tensor, the expected and the found shape and the option to change (exit code 2).
//!
//! Adjustments, all exact: probe's linear encoder has no bias, so an all-zero `encoder.bias` is
//! dropped (a non-zero one is refused); probe's MLP layers and heads have biases, so a missing
//! bias loads as zeros. The file's `input.mean` / `input.scale` are not used (probe standardizes
//! the CSV with its own train statistics). A head in the file is loaded when the run has one;
//! without one in the file the head is initialized as usual ([`InitWeights::describe`] says
//! which).

use super::net::{DenseWeights, LayerWeights, NetWeights};
use super::state_dict::Checkpoint;
use crate::error::{Loc, ProbeError, Result};
use crate::network::{EncoderKind, HeadKind, Net};
use selfsup_core::Real;
use std::path::{Path, PathBuf};

/// The shapes a run expects.
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    /// Input features `D`.
    pub d: usize,
    /// Embedding size `K` (`None`: `--dim` not given, take it from the file).
    pub k: Option<usize>,
    /// Encoder kind.
    pub encoder: EncoderKind,
    /// Hidden units of an MLP encoder (`--hidden`).
    pub hidden: usize,
    /// Head kind.
    pub head: HeadKind,
    /// Hidden units of an MLP head.
    pub head_hidden: usize,
}

/// What became of the head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadInit {
    /// Loaded from the file.
    Loaded,
    /// The file has no head: initialized as usual.
    Fresh,
    /// The file has a head, the run has none (`--head none`): not used.
    Unused,
    /// Neither has a head.
    None,
}

/// Checked initial weights of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct InitWeights {
    /// The file they came from.
    pub path: PathBuf,
    /// The encoder and, if [`HeadInit::Loaded`], the head.
    pub net: NetWeights,
    /// What became of the head.
    pub head: HeadInit,
}

impl InitWeights {
    /// Embedding size `K` of the encoder.
    pub fn k(&self) -> usize {
        self.net.encoder.outputs()
    }

    /// Overwrites `net`'s encoder (and head, when loaded) with these weights; `net` must have
    /// been built for the [`Architecture`] they were checked against.
    pub fn apply<T: Real>(&self, net: &mut Net<T>) {
        self.net.apply(net);
    }

    /// One line for the report and the terminal.
    pub fn describe(&self) -> String {
        let head = match self.head {
            HeadInit::Loaded => "encoder and head loaded",
            HeadInit::Fresh => "encoder loaded; the file has no head, the head is initialized as usual",
            HeadInit::Unused => "encoder loaded; the file's head is not used (this run has --head none)",
            HeadInit::None => "encoder loaded",
        };
        format!("{} ({head})", self.path.display())
    }
}

fn shape(d: &DenseWeights) -> String {
    format!("({}, {})", d.outputs, d.inputs)
}

/// Reads `path` and checks it against `expected` (see the [module docs](self)).
pub fn load_init(path: &Path, expected: &Architecture) -> Result<InitWeights> {
    let c = Checkpoint::read(path)?;
    let bad = |what: String, fix: String| ProbeError::input(path, Loc::default(), what, fix);
    let p = c.encoder_prefix.as_str();
    let mut encoder = c.net.encoder.clone();
    let k = encoder.outputs();
    match (&mut encoder, expected.encoder) {
        (LayerWeights::Linear(l), EncoderKind::Linear) => {
            if l.inputs != expected.d {
                return Err(bad(
                    format!(
                        "\"{p}weight\" has shape {}, expected ({k}, {}): the CSV has {} features",
                        shape(l),
                        expected.d,
                        expected.d
                    ),
                    "use the CSV the encoder was trained on (the same feature columns in the same order)"
                        .into(),
                ));
            }
            if let Some(b) = &l.b {
                if let Some(i) = b.iter().position(|&x| x != 0.0) {
                    return Err(bad(
                        format!("\"{p}bias\"[{i}] is {}: probe's linear encoder has no bias", b[i]),
                        "train the PyTorch encoder with nn.Linear(d, k, bias=False), zero the bias before saving (lin.bias.data.zero_()), or use --encoder mlp".into(),
                    ));
                }
                l.b = None;
            }
        }
        (LayerWeights::Mlp { hidden, out }, EncoderKind::Mlp) => {
            if hidden.inputs != expected.d {
                return Err(bad(
                    format!(
                        "\"{p}0.weight\" has shape {}, expected ({}, {}): the CSV has {} features",
                        shape(hidden),
                        hidden.outputs,
                        expected.d,
                        expected.d
                    ),
                    "use the CSV the encoder was trained on (the same feature columns in the same order)"
                        .into(),
                ));
            }
            if hidden.outputs != expected.hidden {
                return Err(bad(
                    format!(
                        "\"{p}0.weight\" has shape {}, expected ({}, {}) for --hidden {}",
                        shape(hidden),
                        expected.hidden,
                        expected.d,
                        expected.hidden
                    ),
                    format!("pass --hidden {}", hidden.outputs),
                ));
            }
            zero_bias(hidden);
            zero_bias(out);
        }
        (LayerWeights::Linear(l), EncoderKind::Mlp) => {
            return Err(bad(
                format!(
                    "the file holds a linear encoder (\"{p}weight\" {}) but this run has --encoder mlp",
                    shape(l)
                ),
                "pass --encoder linear, or --init an MLP encoder (encoder.0.weight, encoder.2.weight)".into(),
            ));
        }
        (LayerWeights::Mlp { hidden, out }, EncoderKind::Linear) => {
            return Err(bad(
                format!(
                    "the file holds an MLP encoder (\"{p}0.weight\" {}, \"{p}2.weight\" {}) but this run has --encoder linear",
                    shape(hidden),
                    shape(out)
                ),
                format!("pass --encoder mlp --hidden {}", hidden.outputs),
            ));
        }
    }
    if let Some(want) = expected.k
        && want != k
    {
        let (name, found) = match &encoder {
            LayerWeights::Linear(l) => (format!("{p}weight"), l),
            LayerWeights::Mlp { out, .. } => (format!("{p}2.weight"), out),
        };
        return Err(bad(
            format!(
                "\"{name}\" has shape {}, expected ({want}, {}) for --dim {want}",
                shape(found),
                found.inputs
            ),
            format!("drop --dim or pass --dim {k}"),
        ));
    }
    let (head, used) = match (c.net.head.clone(), expected.head) {
        (None, HeadKind::None) => (None, HeadInit::None),
        (None, _) => (None, HeadInit::Fresh),
        (Some(_), HeadKind::None) => (None, HeadInit::Unused),
        (Some(h), kind) => (Some(check_head(h, kind, k, expected, &bad)?), HeadInit::Loaded),
    };
    let net = NetWeights { encoder, head, precision: c.net.precision };
    Ok(InitWeights { path: path.to_path_buf(), net, head: used })
}

fn check_head(
    mut h: LayerWeights,
    kind: HeadKind,
    k: usize,
    expected: &Architecture,
    bad: &dyn Fn(String, String) -> ProbeError,
) -> Result<LayerWeights> {
    match (&mut h, kind) {
        (LayerWeights::Linear(l), HeadKind::Linear) => {
            if l.outputs != k {
                return Err(bad(
                    format!("\"head.weight\" has shape {}, expected ({k}, {k})", shape(l)),
                    "save the head trained with this encoder, or leave the head.* tensors out to initialize the head as usual".into(),
                ));
            }
            zero_bias(l);
        }
        (LayerWeights::Mlp { hidden, out }, HeadKind::Mlp) => {
            if hidden.outputs != expected.head_hidden || out.outputs != k {
                return Err(bad(
                    format!(
                        "\"head.0.weight\" {} and \"head.2.weight\" {}, expected ({}, {k}) and ({k}, {}) (probe's MLP head K → {} → K)",
                        shape(hidden),
                        shape(out),
                        expected.head_hidden,
                        expected.head_hidden,
                        expected.head_hidden
                    ),
                    "save a head of that shape, or leave the head.* tensors out to initialize the head as usual".into(),
                ));
            }
            zero_bias(hidden);
            zero_bias(out);
        }
        (found, want) => {
            let name = if found.head_kind() == HeadKind::Linear { "linear" } else { "mlp" };
            return Err(bad(
                format!(
                    "the file's head is {name} but this run has --head {}",
                    if want == HeadKind::Linear { "linear" } else { "mlp" }
                ),
                format!(
                    "pass --head {name}, or leave the head.* tensors out to initialize the head as usual"
                ),
            ));
        }
    }
    Ok(h)
}

/// A missing bias of a layer that has one in probe is zero.
fn zero_bias(l: &mut DenseWeights) {
    l.b.get_or_insert_with(|| vec![0.0; l.outputs]);
}

#[cfg(test)]
#[path = "init_tests.rs"]
mod tests;
