//! The safetensors file: a [`Checkpoint`] (network parameters, input standardization, feature
//! names) to bytes and back, with the tensor names of the [module table](super).
//!
//! Layer tensors are written in the precision the network was trained in; `input.mean` and
//! `input.scale` always in F64 (the exact statistics probe standardized with, so PyTorch
//! reproduces probe's embeddings to rounding). Reading converts F32, F64, F16 and BF16 exactly to
//! `f64`; the architecture comes from the names and shapes alone.
//!
//! ```
//! use probe::weights::{Checkpoint, DenseWeights, LayerWeights, NetWeights, Precision};
//! use std::path::Path;
//!
//! let lin = DenseWeights { outputs: 1, inputs: 2, w: vec![0.5, -2.0], b: None };
//! let net = NetWeights { encoder: LayerWeights::Linear(lin), head: None, precision: Precision::F32 };
//! let c = Checkpoint { net, standardization: None, features: vec![], source: None, encoder_prefix: "encoder.".into() };
//! let bytes = c.to_bytes().unwrap();
//! assert_eq!(Checkpoint::from_bytes(&bytes, Path::new("mem")).unwrap(), c);
//! ```

use super::dtype::{bad, values};
use super::net::{DenseWeights, LayerWeights, NetWeights, Precision};
use crate::dataset::Dataset;
use crate::error::{ProbeError, Result};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Name of the input mean (`(D,)`).
pub const INPUT_MEAN: &str = "input.mean";
/// Name of the input scale (`(D,)`).
pub const INPUT_SCALE: &str = "input.scale";
/// Prefix of the encoder's tensors.
pub const ENCODER: &str = "encoder.";
/// Prefix of the head's tensors.
pub const HEAD: &str = "head.";

/// The map from a raw input row to the encoder's input: `x_enc[j] = (x[j] − mean[j]) / scale[j]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardization {
    /// Per-feature mean.
    pub mean: Vec<f64>,
    /// Per-feature scale (finite, non-zero).
    pub scale: Vec<f64>,
}

impl Standardization {
    /// probe's map from raw CSV values to the encoder's input in one standardization: each
    /// feature is standardized with its train mean and std; for time series the per-channel
    /// affine map `a z + b` ([`Dataset::encoder_input`]) follows, so `scale' = scale / a` and
    /// `mean' = mean − b · scale / a`.
    pub fn of_dataset(data: &Dataset) -> Self {
        let (mut mean, mut scale) = (data.mean.clone(), data.scale.clone());
        if let Some(aff) = &data.encoder_input {
            for j in 0..mean.len() {
                let (a, b) = (aff.a[j], aff.b[j]);
                if a != 0.0 {
                    mean[j] -= b * scale[j] / a;
                    scale[j] /= a;
                }
            }
        }
        Self { mean, scale }
    }
}

/// Everything in a weights file.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The network parameters.
    pub net: NetWeights,
    /// The input standardization, if stored.
    pub standardization: Option<Standardization>,
    /// Names of the `D` input features (empty: unknown).
    pub features: Vec<String>,
    /// Where the weights came from (metadata `selfsup.source`), if known.
    pub source: Option<String>,
    /// The prefix of the encoder's tensors in the file read: `"encoder."`, or `""` for the
    /// `state_dict` of a bare module (writing always uses `"encoder."`).
    pub encoder_prefix: String,
}

fn layer_tensors(prefix: &str, l: &LayerWeights, out: &mut Vec<(String, Vec<usize>, Vec<f64>)>) {
    let mut dense = |p: String, d: &DenseWeights| {
        out.push((format!("{p}weight"), vec![d.outputs, d.inputs], d.w.clone()));
        if let Some(b) = &d.b {
            out.push((format!("{p}bias"), vec![d.outputs], b.clone()));
        }
    };
    match l {
        LayerWeights::Linear(d) => dense(prefix.to_string(), d),
        LayerWeights::Mlp { hidden, out } => {
            dense(format!("{prefix}0."), hidden);
            dense(format!("{prefix}2."), out);
        }
    }
}

fn kind_name(l: Option<&LayerWeights>) -> &'static str {
    match l {
        None => "none",
        Some(LayerWeights::Linear(_)) => "linear",
        Some(LayerWeights::Mlp { .. }) => "mlp",
    }
}

impl Checkpoint {
    /// The weights `net` of a run on `data`: with probe's input standardization
    /// ([`Standardization::of_dataset`]) and the feature names.
    pub fn of_run(net: NetWeights, data: &Dataset) -> Self {
        Self {
            net,
            standardization: Some(Standardization::of_dataset(data)),
            features: data.feature_names.clone(),
            source: None,
            encoder_prefix: ENCODER.into(),
        }
    }

    /// The named tensors, row-major, with their shapes (layers first, then the input
    /// standardization).
    pub fn tensors(&self) -> Vec<(String, Vec<usize>, Vec<f64>)> {
        let mut t = Vec::new();
        layer_tensors(ENCODER, &self.net.encoder, &mut t);
        if let Some(h) = &self.net.head {
            layer_tensors(HEAD, h, &mut t);
        }
        if let Some(s) = &self.standardization {
            t.push((INPUT_MEAN.into(), vec![s.mean.len()], s.mean.clone()));
            t.push((INPUT_SCALE.into(), vec![s.scale.len()], s.scale.clone()));
        }
        t
    }

    fn metadata(&self) -> HashMap<String, String> {
        let e = &self.net.encoder;
        let mut m = HashMap::new();
        m.insert("format".into(), "pt".into());
        m.insert("selfsup.encoder".into(), kind_name(Some(e)).into());
        m.insert("selfsup.head".into(), kind_name(self.net.head.as_ref()).into());
        m.insert("selfsup.d".into(), e.inputs().to_string());
        m.insert("selfsup.k".into(), e.outputs().to_string());
        if let Some(h) = e.hidden() {
            m.insert("selfsup.hidden".into(), h.to_string());
        }
        m.insert(
            "selfsup.layout".into(),
            "every weight is (out_features, in_features) row-major like torch.nn.Linear.weight; \
             an MLP is nn.Sequential(Linear, ReLU, Linear) (indices 0 and 2); the encoder sees \
             x_enc = (x - input.mean) / input.scale of the raw input x"
                .into(),
        );
        if !self.features.is_empty()
            && let Ok(f) = serde_json::to_string(&self.features)
        {
            m.insert("selfsup.features".into(), f);
        }
        if let Some(s) = &self.source {
            m.insert("selfsup.source".into(), s.clone());
        }
        m
    }

    /// The safetensors file as bytes.
    pub fn to_bytes(&self) -> std::result::Result<Vec<u8>, safetensors::SafeTensorError> {
        let named: BTreeMap<String, (Dtype, Vec<usize>, Vec<u8>)> = self
            .tensors()
            .into_iter()
            .map(|(name, shape, v)| {
                let wide = name.starts_with("input.") || self.net.precision == Precision::F64;
                let (dtype, bytes) = if wide {
                    (Dtype::F64, v.iter().flat_map(|x| x.to_le_bytes()).collect())
                } else {
                    (Dtype::F32, v.iter().flat_map(|&x| (x as f32).to_le_bytes()).collect())
                };
                (name, (dtype, shape, bytes))
            })
            .collect();
        let mut views = Vec::new();
        for (name, (dtype, shape, data)) in &named {
            views.push((name.as_str(), TensorView::new(*dtype, shape.clone(), data)?));
        }
        safetensors::tensor::serialize(views, Some(self.metadata()))
    }

    /// Reads a weights file (see the [module docs](super) for the names accepted).
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| {
            bad(path, format!("cannot read the file: {e}"), "give the path of an existing .safetensors file")
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses safetensors bytes; `path` only names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| {
            bad(
                path,
                format!("not a valid safetensors file ({e})"),
                "write it with safetensors.torch.save_file(model.state_dict(), path)",
            )
        })?;
        let file = File { st: &st, path };
        let (encoder, prefix) = match file.layer(ENCODER)? {
            Some(e) => (e, ENCODER),
            None => match file.layer("")? {
                Some(e) => (e, ""),
                None => {
                    return Err(bad(
                        path,
                        format!(
                            "no encoder tensors: expected \"encoder.weight\" (a linear encoder) or \"encoder.0.weight\" and \"encoder.2.weight\" (an MLP); the file has: {}",
                            file.names().join(", ")
                        ),
                        "save the encoder's state_dict under the prefix \"encoder.\", e.g. \
                         save_file({\"encoder.\" + k: v for k, v in enc.state_dict().items()}, path)",
                    ));
                }
            },
        };
        let head = if prefix.is_empty() { None } else { file.layer(HEAD)? };
        let (d, k) = (encoder.inputs(), encoder.outputs());
        if let Some(h) = &head
            && h.inputs() != k
        {
            return Err(bad(
                path,
                format!("the head takes {} inputs but the encoder has {k} outputs", h.inputs()),
                "save the head that was trained on this encoder",
            ));
        }
        let mean = file.vector(INPUT_MEAN, d)?;
        let scale = file.vector(INPUT_SCALE, d)?;
        let standardization = match (mean, scale) {
            (None, None) => None,
            (Some(mean), Some(scale)) => {
                if let Some(j) = scale.iter().position(|&x| x == 0.0) {
                    return Err(bad(
                        path,
                        format!("\"{INPUT_SCALE}\"[{j}] is 0; a scale must be non-zero"),
                        "store the features' standard deviations (1 for a feature left as is)",
                    ));
                }
                Some(Standardization { mean, scale })
            }
            _ => {
                return Err(bad(
                    path,
                    format!("only one of \"{INPUT_MEAN}\" and \"{INPUT_SCALE}\" is present"),
                    "store both (x_enc = (x - mean) / scale) or neither",
                ));
            }
        };
        let (_, meta) =
            SafeTensors::read_metadata(bytes).map_err(|e| bad(path, e.to_string(), "rewrite the file"))?;
        let meta = meta.metadata().clone().unwrap_or_default();
        let features = meta
            .get("selfsup.features")
            .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
            .filter(|f| f.len() == d)
            .unwrap_or_default();
        let precision = file.precision(prefix, &encoder);
        let net = NetWeights { encoder, head, precision };
        let source = meta.get("selfsup.source").cloned();
        Ok(Self { net, standardization, features, source, encoder_prefix: prefix.into() })
    }
}

/// A parsed file and its path, for reading layers with errors that name both.
struct File<'a> {
    st: &'a SafeTensors<'a>,
    path: &'a Path,
}

impl File<'_> {
    fn names(&self) -> Vec<&str> {
        let mut n: Vec<&str> = self.st.names();
        n.sort();
        n
    }

    /// The layer stored under `prefix`: `weight` (+ `bias`), or `0.weight` and `2.weight` (+
    /// biases) of a `Sequential(Linear, ReLU, Linear)`.
    fn layer(&self, prefix: &str) -> Result<Option<LayerWeights>> {
        let has = |n: &str| self.st.tensor(&format!("{prefix}{n}")).is_ok();
        let layer = if has("weight") {
            LayerWeights::Linear(self.dense(prefix)?)
        } else if has("0.weight") && has("2.weight") {
            let (hidden, out) = (self.dense(&format!("{prefix}0."))?, self.dense(&format!("{prefix}2."))?);
            if out.inputs != hidden.outputs {
                return Err(bad(
                    self.path,
                    format!(
                        "\"{prefix}2.weight\" takes {} inputs but \"{prefix}0.weight\" has {} outputs",
                        out.inputs, hidden.outputs
                    ),
                    "save an nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, K))",
                ));
            }
            LayerWeights::Mlp { hidden, out }
        } else if has("0.weight") {
            return Err(self.unsupported(prefix));
        } else {
            return Ok(None);
        };
        let known = |n: &str| match &layer {
            LayerWeights::Linear(_) => n == "weight" || n == "bias",
            LayerWeights::Mlp { .. } => ["0.weight", "0.bias", "2.weight", "2.bias"].contains(&n),
        };
        // Every tensor under the prefix must be part of the layer: anything else (a third
        // layer, a batch norm) is an architecture probe does not have.
        let other = self.names().into_iter().find(|n| match n.strip_prefix(prefix) {
            Some(rest) => !(known(rest) || prefix.is_empty() && n.starts_with("input.")),
            None => false,
        });
        match other {
            Some(_) => Err(self.unsupported(prefix)),
            None => Ok(Some(layer)),
        }
    }

    fn unsupported(&self, prefix: &str) -> ProbeError {
        bad(
            self.path,
            format!(
                "the tensors under \"{prefix}\" are not an nn.Linear (\"{prefix}weight\") or an nn.Sequential(Linear, ReLU, Linear) (\"{prefix}0.weight\", \"{prefix}2.weight\"); the file has: {}",
                self.names().join(", ")
            ),
            "export an encoder probe can train: --encoder linear (one nn.Linear) or --encoder mlp (Linear, ReLU, Linear)",
        )
    }

    fn dense(&self, prefix: &str) -> Result<DenseWeights> {
        let name = format!("{prefix}weight");
        let t = self.st.tensor(&name).map_err(|e| bad(self.path, e.to_string(), "rewrite the file"))?;
        let &[outputs, inputs] = t.shape() else {
            return Err(bad(
                self.path,
                format!(
                    "tensor \"{name}\" has shape {:?}, expected 2 dimensions (out_features, in_features)",
                    t.shape()
                ),
                "store the weight as a matrix, like torch.nn.Linear.weight",
            ));
        };
        if outputs == 0 || inputs == 0 {
            return Err(bad(
                self.path,
                format!("tensor \"{name}\" is empty (shape ({outputs}, {inputs}))"),
                "export a layer with at least one input and one output",
            ));
        }
        let w = values(self.path, &name, &t)?.0;
        let b = self.vector(&format!("{prefix}bias"), outputs)?;
        Ok(DenseWeights { outputs, inputs, w, b })
    }

    /// The vector `name` of length `len`, if present.
    fn vector(&self, name: &str, len: usize) -> Result<Option<Vec<f64>>> {
        match self.st.tensor(name) {
            Err(_) => Ok(None),
            Ok(t) if t.shape() == [len] => Ok(Some(values(self.path, name, &t)?.0)),
            Ok(t) => Err(bad(
                self.path,
                format!("tensor \"{name}\" has shape {:?}, expected ({len},)", t.shape()),
                "store it as a vector of that length, or leave it out",
            )),
        }
    }

    /// The precision of the encoder's first weight (F16 and BF16 load as F32).
    fn precision(&self, prefix: &str, e: &LayerWeights) -> Precision {
        let first = match e {
            LayerWeights::Linear(_) => format!("{prefix}weight"),
            LayerWeights::Mlp { .. } => format!("{prefix}0.weight"),
        };
        match self.st.tensor(&first).map(|t| t.dtype()) {
            Ok(Dtype::F64) => Precision::F64,
            _ => Precision::F32,
        }
    }
}

#[cfg(test)]
#[path = "state_dict_tests.rs"]
mod tests;
