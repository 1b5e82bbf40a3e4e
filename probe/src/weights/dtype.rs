//! Tensor values from the safetensors dtypes probe reads: F32, F64, F16 and BF16, each
//! converted exactly to `f64` (every such value is a double); anything else, and any non-finite
//! value, is a one-line error naming the tensor.

use super::net::Precision;
use crate::error::{Loc, ProbeError, Result};
use safetensors::tensor::{Dtype, TensorView};
use std::path::Path;

/// The tensor's values as `f64` (exact for every accepted dtype), and its precision.
pub fn values(path: &Path, name: &str, t: &TensorView<'_>) -> Result<(Vec<f64>, Precision)> {
    let data = t.data();
    let (v, p): (Vec<f64>, _) = match t.dtype() {
        Dtype::F32 => (
            data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
            Precision::F32,
        ),
        Dtype::F64 => (
            data.chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
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
                format!("tensor \"{name}\" has dtype {other:?}; weights must be floating point"),
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

/// A user error about the weights file at `path`: what is wrong and how to fix it.
pub(super) fn bad(path: &Path, what: impl Into<String>, fix: impl Into<String>) -> ProbeError {
    ProbeError::input(path, Loc::default(), what, fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_converts_exactly() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24)); // smallest subnormal
        assert_eq!(f16_to_f64(0x7bff), 65504.0); // largest finite
        assert_eq!(f16_to_f64(0x3555), 0.333251953125);
    }
}
