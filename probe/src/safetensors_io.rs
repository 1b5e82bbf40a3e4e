//! Encoder weights in the [safetensors](https://github.com/huggingface/safetensors) format, the
//! way a model moves between PyTorch and selfsup in both directions.
//!
//! **Tensors** (names and layout follow PyTorch's `nn.Linear`, so a `state_dict` entry loads as
//! is):
//!
//! | name | shape | meaning |
//! |---|---|---|
//! | `encoder.weight` | `(K, D)` | the weight `W`, **row-major** `(out_features, in_features)` like `nn.Linear.weight`: `y = W x + b` |
//! | `encoder.bias` | `(K,)` | the bias `b` (absent: no bias) |
//! | `input.mean` | `(D,)` | optional input standardization: the encoder sees `(x − mean) / scale` |
//! | `input.scale` | `(D,)` | optional, with `input.mean` |
//!
//! selfsup's own matrices are column-major (nalgebra), so `W[i, j]` is element `j · K + i` of
//! `Linear::w.as_slice()` and element `i · D + j` of `encoder.weight`'s data; the conversion is
//! done here. Writing uses the encoder's precision (`F32` or `F64`) for every tensor and
//! metadata `format = pt` (what `safetensors.torch.save_file` writes) plus `selfsup.*` keys
//! (layout, sizes, feature names). Reading accepts `F32`, `F64`, `F16` and `BF16` (converted
//! exactly to `f64`), finds the weight as `encoder.weight` or `weight` (a bare `nn.Linear`'s
//! `state_dict`), and says precisely what is wrong otherwise.
//!
//! In Python: `safetensors.torch.load_file("encoder.safetensors")["encoder.weight"]` is a
//! `torch.Tensor` of shape `(K, D)`; `torch.nn.Linear(D, K).load_state_dict({"weight": w,
//! "bias": b})` uses it directly.

use crate::error::{Loc, ProbeError, Result};
use nalgebra::Dyn;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use selfsup_core::Real;
use selfsup_core::encoder::Linear;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Name of the weight tensor (`(K, D)`, row-major, like `nn.Linear.weight`).
pub const WEIGHT: &str = "encoder.weight";
/// Name of the bias tensor (`(K,)`).
pub const BIAS: &str = "encoder.bias";
/// Name of the input mean (`(D,)`).
pub const INPUT_MEAN: &str = "input.mean";
/// Name of the input scale (`(D,)`).
pub const INPUT_SCALE: &str = "input.scale";

/// Floating-point precision of stored tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// 32-bit IEEE floats (`torch.float32`).
    F32,
    /// 64-bit IEEE floats (`torch.float64`).
    F64,
}

impl Precision {
    /// The precision of the scalar type `T`.
    pub fn of<T: Real>() -> Self {
        if std::mem::size_of::<T>() == 4 { Precision::F32 } else { Precision::F64 }
    }

    /// Rust's name of the type (`f32` / `f64`).
    pub fn rust_type(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
}

/// A linear encoder's parameters and its input standardization, independent of any library.
#[derive(Clone, Debug, PartialEq)]
pub struct EncoderWeights {
    /// Embedding size `K` (`out_features`).
    pub k: usize,
    /// Input size `D` (`in_features`).
    pub d: usize,
    /// `W` row-major (`K × D`): `weight[i * d + j] = W[i, j]`.
    pub weight: Vec<f64>,
    /// `b` (length `K`), if the encoder has a bias.
    pub bias: Option<Vec<f64>>,
    /// Per-feature mean subtracted before the encoder (length `D`), if any.
    pub input_mean: Option<Vec<f64>>,
    /// Per-feature scale divided by before the encoder (length `D`), with `input_mean`.
    pub input_scale: Option<Vec<f64>>,
    /// Names of the `D` input features (may be empty).
    pub features: Vec<String>,
    /// Precision the values were trained in (and are written in).
    pub precision: Precision,
}

impl EncoderWeights {
    /// The parameters of a core [`Linear`] encoder (no standardization, no names).
    pub fn from_linear<T: Real>(enc: &Linear<T, Dyn, Dyn>) -> Self {
        let (k, d) = enc.w.shape();
        let mut weight = vec![0.0; k * d];
        for j in 0..d {
            for i in 0..k {
                weight[i * d + j] = enc.w[(i, j)].to_f64();
            }
        }
        let bias = enc.bias.then(|| enc.b.iter().map(|x| x.to_f64()).collect());
        Self {
            k,
            d,
            weight,
            bias,
            input_mean: None,
            input_scale: None,
            features: Vec::new(),
            precision: Precision::of::<T>(),
        }
    }

    /// A core [`Linear`] encoder with these parameters (values rounded to `T`; exact when `T`
    /// is the stored precision or wider).
    pub fn to_linear<T: Real>(&self) -> Linear<T, Dyn, Dyn> {
        let w = nalgebra::DMatrix::from_fn(self.k, self.d, |i, j| T::of_f64(self.weight[i * self.d + j]));
        let mut enc = Linear::from_weights(w);
        if let Some(b) = &self.bias {
            enc.b = nalgebra::DVector::from_iterator(self.k, b.iter().map(|&x| T::of_f64(x)));
            enc.bias = true;
        }
        enc
    }

    /// The metadata written with the tensors.
    fn metadata(&self) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("format".into(), "pt".into());
        m.insert("selfsup.model".into(), "linear".into());
        m.insert(
            "selfsup.layout".into(),
            format!(
                "{WEIGHT} is (K, D) row-major like torch.nn.Linear.weight (out_features, in_features); \
                 y = W x + b; inputs standardized first when {INPUT_MEAN}/{INPUT_SCALE} are present: \
                 x_enc = (x - mean) / scale"
            ),
        );
        m.insert("selfsup.k".into(), self.k.to_string());
        m.insert("selfsup.d".into(), self.d.to_string());
        if !self.features.is_empty() {
            m.insert("selfsup.features".into(), serde_json::to_string(&self.features).unwrap_or_default());
        }
        m
    }

    /// The safetensors file as bytes.
    pub fn to_bytes(&self) -> std::result::Result<Vec<u8>, safetensors::SafeTensorError> {
        let enc = |xs: &[f64]| -> Vec<u8> {
            match self.precision {
                Precision::F32 => xs.iter().flat_map(|&x| (x as f32).to_le_bytes()).collect(),
                Precision::F64 => xs.iter().flat_map(|&x| x.to_le_bytes()).collect(),
            }
        };
        let dtype = match self.precision {
            Precision::F32 => Dtype::F32,
            Precision::F64 => Dtype::F64,
        };
        let mut named: BTreeMap<&str, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
        named.insert(WEIGHT, (vec![self.k, self.d], enc(&self.weight)));
        if let Some(b) = &self.bias {
            named.insert(BIAS, (vec![self.k], enc(b)));
        }
        if let (Some(m), Some(s)) = (&self.input_mean, &self.input_scale) {
            named.insert(INPUT_MEAN, (vec![self.d], enc(m)));
            named.insert(INPUT_SCALE, (vec![self.d], enc(s)));
        }
        let mut views = Vec::new();
        for (name, (shape, data)) in &named {
            views.push((*name, TensorView::new(dtype, shape.clone(), data)?));
        }
        safetensors::tensor::serialize(views, Some(self.metadata()))
    }

    /// Writes the safetensors file.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes().map_err(|e| ProbeError::output(path, &e))?;
        std::fs::write(path, bytes).map_err(|e| ProbeError::output(path, &e))
    }

    /// Reads encoder weights from a safetensors file (see the [module docs](self) for the names,
    /// layouts and dtypes accepted).
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
                "write it with safetensors.torch.save_file(model.state_dict(), path) or save_file from safetensors.numpy",
            )
        })?;
        let names = {
            let mut n: Vec<&str> = st.names();
            n.sort();
            n.join(", ")
        };
        let (wname, w) =
            [WEIGHT, "weight"].iter().find_map(|&n| st.tensor(n).ok().map(|t| (n, t))).ok_or_else(|| {
                bad(
                    path,
                    format!("no tensor named \"{WEIGHT}\" or \"weight\" (the file has: {names})"),
                    "save the encoder's nn.Linear weight as \"encoder.weight\" (shape (K, D)), e.g. \
                     save_file({\"encoder.weight\": lin.weight.detach().contiguous()}, path)",
                )
            })?;
        let [k, d] = w.shape() else {
            return Err(bad(
                path,
                format!("tensor \"{wname}\" has shape {:?}, expected 2 dimensions (K, D)", w.shape()),
                "store the weight as a matrix (out_features, in_features), like torch.nn.Linear.weight",
            ));
        };
        let (k, d) = (*k, *d);
        if k == 0 || d == 0 {
            return Err(bad(
                path,
                format!("tensor \"{wname}\" is empty (shape ({k}, {d}))"),
                "export a trained encoder with at least one input and one output",
            ));
        }
        let (weight, precision) = values(path, wname, &w)?;
        let prefix = wname.strip_suffix("weight").unwrap_or("");
        let bias_name = format!("{prefix}bias");
        let vector = |name: &str, len: usize| -> Result<Option<Vec<f64>>> {
            match st.tensor(name) {
                Err(_) => Ok(None),
                Ok(t) if t.shape() == [len] => Ok(Some(values(path, name, &t)?.0)),
                Ok(t) => Err(bad(
                    path,
                    format!(
                        "tensor \"{name}\" has shape {:?}, expected ({len},) to match \"{wname}\" ({k}, {d})",
                        t.shape()
                    ),
                    "store it as a vector of that length, or leave it out",
                )),
            }
        };
        let bias = vector(&bias_name, k)?;
        let input_mean = vector(INPUT_MEAN, d)?;
        let input_scale = vector(INPUT_SCALE, d)?;
        if input_mean.is_some() != input_scale.is_some() {
            return Err(bad(
                path,
                format!("only one of \"{INPUT_MEAN}\" and \"{INPUT_SCALE}\" is present"),
                "store both (x_enc = (x - mean) / scale) or neither",
            ));
        }
        if let Some(s) = &input_scale
            && let Some(j) = s.iter().position(|&x| x == 0.0 || !x.is_finite())
        {
            return Err(bad(
                path,
                format!("\"{INPUT_SCALE}\"[{j}] is {}, it must be finite and non-zero", s[j]),
                "store the features' standard deviations (1 for a feature left as is)",
            ));
        }
        let (_, meta) =
            SafeTensors::read_metadata(bytes).map_err(|e| bad(path, e.to_string(), "rewrite the file"))?;
        let features = meta
            .metadata()
            .as_ref()
            .and_then(|m| m.get("selfsup.features"))
            .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
            .filter(|f| f.len() == d)
            .unwrap_or_default();
        Ok(Self { k, d, weight, bias, input_mean, input_scale, features, precision })
    }
}

fn bad(path: &Path, what: impl Into<String>, fix: impl Into<String>) -> ProbeError {
    ProbeError::input(path, Loc::default(), what, fix)
}

/// The tensor's values as `f64` (exact for every accepted dtype), and the precision to keep.
fn values(path: &Path, name: &str, t: &TensorView<'_>) -> Result<(Vec<f64>, Precision)> {
    let data = t.data();
    let (v, p): (Vec<f64>, _) = match t.dtype() {
        Dtype::F32 => (
            data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
            Precision::F32,
        ),
        Dtype::F64 => (
            data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect(),
            Precision::F64,
        ),
        Dtype::F16 => (
            data.chunks_exact(2).map(|c| f16_to_f64(u16::from_le_bytes([c[0], c[1]]))).collect(),
            Precision::F32,
        ),
        Dtype::BF16 => (
            data.chunks_exact(2)
                .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16) as f64)
                .collect(),
            Precision::F32,
        ),
        other => {
            return Err(bad(
                path,
                format!("tensor \"{name}\" has dtype {other:?}; encoder weights must be floating point"),
                "save float32, float64, float16 or bfloat16 tensors (e.g. lin.weight.float())",
            ));
        }
    };
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(bad(
            path,
            format!("tensor \"{name}\" holds a non-finite value ({}) at flat index {i}", v[i]),
            "export weights from a run that did not diverge",
        ));
    }
    Ok((v, p))
}

/// IEEE half precision to `f64` (exact: every half is a double).
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use selfsup_core::encoder::{Bias, Init};
    use selfsup_core::rng::seeded;

    fn data(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
    }

    #[test]
    fn round_trip_keeps_every_bit() {
        for bias in [Bias::No, Bias::Yes] {
            let mut enc =
                Linear::<f32, Dyn, Dyn>::new(Dyn(3), Dyn(5), Init::Normal { std: 0.3 }, bias, &mut seeded(1));
            if bias == Bias::Yes {
                enc.b = nalgebra::DVector::from_vec(vec![0.5, -0.25, 1e-7]);
            }
            let mut w = EncoderWeights::from_linear(&enc);
            w.input_mean = Some(vec![1.0, 2.0, 3.0, 4.0, 5.0]);
            w.input_scale = Some(vec![0.5, 1.0, 2.0, 4.0, 8.0]);
            w.features = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
            let bytes = w.to_bytes().unwrap();
            let back = EncoderWeights::from_bytes(&bytes, Path::new("mem")).unwrap();
            assert_eq!(back, w);
            let enc2 = back.to_linear::<f32>();
            assert_eq!(enc2, enc);
            // Row-major on disk: element (i, j) of W at i * D + j.
            let st = SafeTensors::deserialize(&bytes).unwrap();
            let t = st.tensor(WEIGHT).unwrap();
            assert_eq!((t.dtype(), t.shape()), (Dtype::F32, &[3usize, 5][..]));
            let at = |i: usize, j: usize| {
                let o = 4 * (i * 5 + j);
                f32::from_le_bytes(t.data()[o..o + 4].try_into().unwrap())
            };
            assert_eq!(at(2, 4), enc.w[(2, 4)]);
            assert_eq!(at(1, 0), enc.w[(1, 0)]);
        }
        let enc = Linear::<f64, Dyn, Dyn>::new(Dyn(2), Dyn(2), Init::XavierNormal, Bias::No, &mut seeded(2));
        let w = EncoderWeights::from_linear(&enc);
        assert_eq!(w.precision, Precision::F64);
        let back = EncoderWeights::from_bytes(&w.to_bytes().unwrap(), Path::new("mem")).unwrap();
        assert_eq!(back.to_linear::<f64>(), enc);
    }

    /// The committed file was written by Python's `safetensors` package
    /// (`tests/data/make_torch_weights.py`), as PyTorch's `save_file` writes a state_dict.
    #[test]
    fn reads_weights_written_by_python() {
        let w = EncoderWeights::read(&data("torch_linear_3to2.safetensors")).unwrap();
        assert_eq!((w.k, w.d, w.precision), (2, 3, Precision::F32));
        assert_eq!(w.weight, vec![0.5, -1.25, 2.0, 0.125, 3.0, -0.75]);
        assert_eq!(w.bias, Some(vec![0.0625, -4.0]));
        let enc = w.to_linear::<f32>();
        assert_eq!(enc.w[(0, 1)], -1.25); // row 0 = output 0, like nn.Linear.weight[0]
        assert_eq!(enc.w[(1, 2)], -0.75);
        let x = nalgebra::DMatrix::from_column_slice(3, 1, &[1.0f32, 1.0, 1.0]);
        let mut y = nalgebra::DMatrix::zeros(2, 1);
        enc.forward(&x, &mut y);
        assert_eq!(y.as_slice(), &[1.25 + 0.0625, 2.375 - 4.0]); // W·1 + b
        let half = EncoderWeights::read(&data("torch_linear_f16_weight_only.safetensors")).unwrap();
        assert_eq!(half.weight, vec![0.5, -1.25, 2.0, 0.125, 3.0, -0.75]);
        assert_eq!(half.bias, None);
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let p = Path::new("m.safetensors");
        let e = EncoderWeights::from_bytes(b"not safetensors", p).unwrap_err();
        assert!(e.to_string().starts_with("error: m.safetensors: not a valid safetensors file"), "{e}");
        let other = safetensors::tensor::serialize(
            [("conv.weight", TensorView::new(Dtype::F32, vec![1], &[0, 0, 0, 0]).unwrap())],
            None,
        )
        .unwrap();
        let e = EncoderWeights::from_bytes(&other, p).unwrap_err();
        assert!(
            e.to_string()
                .contains("no tensor named \"encoder.weight\" or \"weight\" (the file has: conv.weight)"),
            "{e}"
        );
        assert_eq!(e.exit_code(), 2);
        let ints = safetensors::tensor::serialize(
            [("weight", TensorView::new(Dtype::I32, vec![1, 1], &[1, 0, 0, 0]).unwrap())],
            None,
        )
        .unwrap();
        let e = EncoderWeights::from_bytes(&ints, p).unwrap_err();
        assert!(e.to_string().contains("dtype I32"), "{e}");
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn half_precision_converts_exactly() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24)); // smallest subnormal
        assert_eq!(f16_to_f64(0x7bff), 65504.0); // largest finite
        assert_eq!(f16_to_f64(0x3555), 0.333251953125);
    }
}
