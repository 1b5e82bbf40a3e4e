use super::*;
use crate::network::Layer;
use crate::weights::net::NetWeights;
use crate::weights::state_dict::{ENCODER, Standardization};
use nalgebra::{Const, DMatrix, Dyn, SMatrix, SVector};
use selfsup_core::encoder::{Bias, Encoder, Init, Linear, Mlp};
use selfsup_core::rng::seeded;
use std::path::Path;

/// The committed golden exports, compiled into this test: the generated source is valid Rust
/// and loads into core with the exact trained bits. The firmware includes the same files.
mod golden_linear {
    include!("../../tests/data/export/encoder.rs");
}
#[allow(dead_code)] // FEATURES: checked by the linear file
mod golden_mlp {
    include!("../../tests/data/export_mlp/encoder.rs");
}

fn checkpoint(encoder: LayerWeights, d: usize) -> Checkpoint {
    Checkpoint {
        net: NetWeights { encoder, head: None, precision: Precision::F32 },
        standardization: Some(Standardization {
            mean: vec![0.1f32 as f64, -2.5, 1e3][..d].to_vec(),
            scale: vec![1.5, 0.2f32 as f64, 7.0][..d].to_vec(),
        }),
        features: vec!["acc_x".into(), "acc_y".into(), "temp \"C\"".into()],
        source: None,
        encoder_prefix: ENCODER.into(),
    }
}

fn golden_linear() -> (Linear<f32, Dyn, Dyn>, Checkpoint) {
    let mut enc =
        Linear::<f32, Dyn, Dyn>::new(Dyn(2), Dyn(3), Init::Normal { std: 0.3 }, Bias::Yes, &mut seeded(7));
    enc.b = nalgebra::DVector::from_vec(vec![0.25, -1e-8]);
    let c = checkpoint(LayerWeights::of(&Layer::Linear(enc.clone())).unwrap(), 3);
    (enc, c)
}

/// An MLP 3 → 8 → 2 with non-zero biases (some hidden units inactive on the device's inputs).
fn golden_mlp() -> (Mlp<f32, Dyn, Dyn, Dyn>, Checkpoint) {
    let mut m = Mlp::<f32, Dyn, Dyn, Dyn>::new(Dyn(3), Dyn(8), Dyn(2), &mut seeded(11));
    for (i, b) in m.hidden.b.iter_mut().enumerate() {
        *b = (i as f32 - 3.5) * 0.125;
    }
    m.out.b = nalgebra::DVector::from_vec(vec![0.5, -0.75]);
    let mut c = checkpoint(LayerWeights::of(&Layer::Mlp(m.clone())).unwrap(), 3);
    // Inputs of the plane's scale, so that each hidden unit is active on some samples only.
    c.standardization =
        Some(Standardization { mean: vec![0.1f32 as f64, -0.5, 0.25], scale: vec![1.5, 2.0, 0.75] });
    (m, c)
}

fn check_golden(name: &str, src: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name).join("encoder.rs");
    if std::env::var_os("SELFSUP_BLESS").is_some() && std::env::var_os("CI").is_none() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, src).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(src, want, "{} differs; regenerate with SELFSUP_BLESS=1 (not under CI)", path.display());
}

#[test]
fn linear_source_matches_the_golden_file_and_loads_bit_exactly() {
    use golden_linear as g;
    let (enc, c) = golden_linear();
    check_golden("export", &rust_source(&c, "a unit test"));
    let mut dev =
        Linear::<f32, Const<{ g::K }>, Const<{ g::D }>>::from_weights(SMatrix::from_column_slice(&g::W));
    if g::HAS_BIAS {
        dev.b = SVector::from_column_slice(&g::B);
        dev.bias = Bias::Yes;
    }
    assert_eq!(g::ARCH, "linear");
    assert_eq!(dev.w.as_slice(), enc.w.as_slice());
    assert_eq!(dev.b.as_slice(), enc.b.as_slice());
    const { assert!(g::STANDARDIZE) };
    assert_eq!(g::INPUT_MEAN, [0.1f32, -2.5, 1e3]);
    assert_eq!(g::INPUT_SCALE, [1.5f32, 0.2, 7.0]);
    assert_eq!(g::FEATURES, ["acc_x", "acc_y", "temp \"C\""]);
}

/// The MLP's `const` arrays build core's `Mlp` on static sizes with the exact parameters, and
/// its forward pass gives the same bits as the trained (`Dyn`) network.
#[test]
fn mlp_source_matches_the_golden_file_and_runs_bit_exactly() {
    use golden_mlp as g;
    let (m, c) = golden_mlp();
    let src = rust_source(&c, "a unit test");
    assert!(src.contains("pub const W1: [f32; H * D] = [") && src.contains("pub const B2: [f32; K] = ["));
    check_golden("export_mlp", &src);
    assert_eq!((g::ARCH, g::D, g::H, g::K), ("mlp", 3, 8, 2));
    let mut hidden =
        Linear::<f32, Const<{ g::H }>, Const<{ g::D }>>::from_weights(SMatrix::from_column_slice(&g::W1));
    hidden.b = SVector::from_column_slice(&g::B1);
    hidden.bias = Bias::Yes;
    let mut out =
        Linear::<f32, Const<{ g::K }>, Const<{ g::H }>>::from_weights(SMatrix::from_column_slice(&g::W2));
    out.b = SVector::from_column_slice(&g::B2);
    out.bias = Bias::Yes;
    let dev = Mlp::from_layers(hidden, out);
    assert_eq!(dev.hidden.w.as_slice(), m.hidden.w.as_slice());
    assert_eq!(dev.out.b.as_slice(), m.out.b.as_slice());
    let x = [0.3f32, -1.2, 2.0];
    let xs = SMatrix::<f32, 3, 1>::from_column_slice(&x);
    let mut zs = SMatrix::<f32, 2, 1>::zeros();
    let mut cs = Encoder::<f32, Const<3>, Const<2>, Const<1>>::new_cache(&dev, Const::<1>);
    dev.forward(&xs, &mut zs, &mut cs);
    let xd = DMatrix::from_column_slice(3, 1, &x);
    let mut zd = DMatrix::zeros(2, 1);
    let mut cd = Encoder::<f32, Dyn, Dyn, Dyn>::new_cache(&m, Dyn(1));
    m.forward(&xd, &mut zd, &mut cd);
    assert_eq!(zs.as_slice(), zd.as_slice());
    assert_eq!(g::INPUT_SCALE, [1.5f32, 2.0, 0.75]);
}

#[test]
fn literals_round_trip() {
    for x in [0.1f32, -1e-8, f32::MAX, 1.0, -0.0, f32::MIN_POSITIVE, f32::from_bits(5)] {
        let s = literal(x as f64, Precision::F32);
        assert_eq!(s.parse::<f32>().unwrap().to_bits(), x.to_bits(), "{s}");
    }
    for x in [0.1f64, -1e-300, 1.0 / 3.0] {
        assert_eq!(literal(x, Precision::F64).parse::<f64>().unwrap().to_bits(), x.to_bits());
    }
}
