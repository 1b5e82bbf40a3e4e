use super::*;
use crate::network::Layer;
use selfsup_core::rng::seeded;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn checkpoint(encoder: Layer<f32>, head: Option<Layer<f32>>) -> Checkpoint {
    let encoder = LayerWeights::of(&encoder).unwrap();
    let d = encoder.inputs();
    Checkpoint {
        net: NetWeights { encoder, head: head.and_then(|h| LayerWeights::of(&h)), precision: Precision::F32 },
        standardization: Some(Standardization {
            mean: (0..d).map(|j| j as f64 * 0.1).collect(),
            scale: (0..d).map(|j| 1.0 / 3.0 + j as f64).collect(),
        }),
        features: (0..d).map(|j| format!("f{j}")).collect(),
        source: Some("a unit test".into()),
        encoder_prefix: ENCODER.into(),
    }
}

#[test]
fn every_architecture_round_trips_bit_exactly() {
    let mut rng = seeded(1);
    let cases = [
        checkpoint(Layer::linear(5, 3, true, &mut rng), None),
        checkpoint(Layer::linear(5, 3, false, &mut rng), Some(Layer::linear(3, 3, false, &mut rng))),
        checkpoint(Layer::mlp(5, 7, 3, &mut rng), Some(Layer::mlp(3, 4, 3, &mut rng))),
        checkpoint(Layer::mlp(5, 7, 3, &mut rng), None),
    ];
    for c in cases {
        let back = Checkpoint::from_bytes(&c.to_bytes().unwrap(), Path::new("mem")).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.net.encoder.to_layer::<f32>(), c.net.encoder.to_layer::<f32>());
    }
    // f64 networks keep f64 values.
    let enc = LayerWeights::of(&Layer::<f64>::mlp(2, 3, 2, &mut rng)).unwrap();
    let c = Checkpoint {
        net: NetWeights { encoder: enc, head: None, precision: Precision::F64 },
        standardization: None,
        features: vec![],
        source: None,
        encoder_prefix: ENCODER.into(),
    };
    let bytes = c.to_bytes().unwrap();
    assert_eq!(Checkpoint::from_bytes(&bytes, Path::new("mem")).unwrap(), c);
    let st = SafeTensors::deserialize(&bytes).unwrap();
    assert_eq!(st.tensor("encoder.0.weight").unwrap().dtype(), Dtype::F64);
}

/// PyTorch names and layouts: `encoder.0.weight` is (H, D) row-major, element (i, j) of core's
/// hidden weight at `i * D + j`; the standardization is F64 whatever the layers' precision.
#[test]
fn mlp_tensors_follow_pytorch_sequential() {
    let mut rng = seeded(2);
    let layer = Layer::<f32>::mlp(4, 6, 2, &mut rng);
    let c = checkpoint(layer.clone(), Some(Layer::mlp(2, 5, 2, &mut rng)));
    let bytes = c.to_bytes().unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut names = st.names();
    names.sort();
    assert_eq!(
        names,
        [
            "encoder.0.bias",
            "encoder.0.weight",
            "encoder.2.bias",
            "encoder.2.weight",
            "head.0.bias",
            "head.0.weight",
            "head.2.bias",
            "head.2.weight",
            "input.mean",
            "input.scale"
        ]
    );
    let t = st.tensor("encoder.0.weight").unwrap();
    assert_eq!((t.dtype(), t.shape()), (Dtype::F32, &[6usize, 4][..]));
    let Layer::Mlp(m) = &layer else { unreachable!() };
    let at = |i: usize, j: usize| {
        let o = 4 * (i * 4 + j);
        f32::from_le_bytes(t.data()[o..o + 4].try_into().unwrap())
    };
    assert_eq!(at(5, 3), m.hidden.w[(5, 3)]);
    assert_eq!(at(1, 0), m.hidden.w[(1, 0)]);
    assert_eq!(st.tensor("encoder.2.weight").unwrap().shape(), [2, 6]);
    assert_eq!(st.tensor("input.mean").unwrap().dtype(), Dtype::F64);
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = meta.metadata().clone().unwrap();
    assert_eq!(meta["format"], "pt");
    assert_eq!((meta["selfsup.encoder"].as_str(), meta["selfsup.head"].as_str()), ("mlp", "mlp"));
    assert_eq!(
        (meta["selfsup.d"].as_str(), meta["selfsup.hidden"].as_str(), meta["selfsup.k"].as_str()),
        ("4", "6", "2")
    );
}

/// Files written by Python's `safetensors` (`tests/data/make_torch_weights.py`).
#[test]
fn reads_weights_written_by_python() {
    let c = Checkpoint::read(&data("torch_linear_3to2.safetensors")).unwrap();
    let LayerWeights::Linear(l) = &c.net.encoder else { panic!("{c:?}") };
    assert_eq!((l.outputs, l.inputs, c.net.precision), (2, 3, Precision::F32));
    assert_eq!(l.w, vec![0.5, -1.25, 2.0, 0.125, 3.0, -0.75]);
    assert_eq!(l.b, Some(vec![0.0625, -4.0]));
    let enc = l.to_linear::<f32>();
    let x = nalgebra::DMatrix::from_column_slice(3, 1, &[1.0f32, 1.0, 1.0]);
    let mut y = nalgebra::DMatrix::zeros(2, 1);
    enc.forward(&x, &mut y);
    assert_eq!(y.as_slice(), &[1.25 + 0.0625, 2.375 - 4.0]); // W·1 + b
    let half = Checkpoint::read(&data("torch_linear_f16_weight_only.safetensors")).unwrap();
    assert_eq!(half.encoder_prefix, "");
    let LayerWeights::Linear(l) = &half.net.encoder else { panic!() };
    assert_eq!((l.w.as_slice(), &l.b), (&[0.5, -1.25, 2.0, 0.125, 3.0, -0.75][..], &None));
}

fn file(tensors: &[(&str, Dtype, Vec<usize>)]) -> Vec<u8> {
    let bufs: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, t, s)| vec![0u8; s.iter().product::<usize>() * if *t == Dtype::F64 { 8 } else { 4 }])
        .collect();
    let views =
        tensors.iter().zip(&bufs).map(|((n, t, s), b)| (*n, TensorView::new(*t, s.clone(), b).unwrap()));
    safetensors::tensor::serialize(views, None).unwrap()
}

#[test]
fn errors_name_the_file_the_tensor_and_the_fix() {
    let p = Path::new("m.safetensors");
    let err = |bytes: &[u8]| {
        let e = Checkpoint::from_bytes(bytes, p).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let s = e.to_string();
        assert!(!s.contains('\n'), "{s}");
        s
    };
    let e = err(b"not safetensors");
    assert!(e.starts_with("error: m.safetensors: not a valid safetensors file"), "{e}");
    let e = err(&file(&[("conv.weight", Dtype::F32, vec![1])]));
    assert!(e.contains("no encoder tensors") && e.contains("the file has: conv.weight"), "{e}");
    let e = err(&file(&[("weight", Dtype::I32, vec![1, 1])]));
    assert!(e.contains("dtype I32"), "{e}");
    let e = err(&file(&[("encoder.weight", Dtype::F32, vec![3])]));
    assert!(e.contains("\"encoder.weight\" has shape [3], expected 2 dimensions"), "{e}");
    // A deeper Sequential is not probe's MLP.
    let deep = [
        ("encoder.0.weight", Dtype::F32, vec![4, 3]),
        ("encoder.2.weight", Dtype::F32, vec![4, 4]),
        ("encoder.4.weight", Dtype::F32, vec![2, 4]),
    ];
    let e = err(&file(&deep));
    assert!(e.contains("are not an nn.Linear") && e.contains("encoder.4.weight"), "{e}");
    let e = err(&file(&[
        ("encoder.0.weight", Dtype::F32, vec![4, 3]),
        ("encoder.2.weight", Dtype::F32, vec![2, 5]),
    ]));
    assert!(e.contains("\"encoder.2.weight\" takes 5 inputs but \"encoder.0.weight\" has 4 outputs"), "{e}");
    let e =
        err(&file(&[("encoder.weight", Dtype::F32, vec![2, 3]), ("head.weight", Dtype::F32, vec![2, 3])]));
    assert!(e.contains("the head takes 3 inputs but the encoder has 2 outputs"), "{e}");
    let e = err(&file(&[("encoder.weight", Dtype::F32, vec![2, 3]), ("encoder.bias", Dtype::F32, vec![3])]));
    assert!(e.contains("\"encoder.bias\" has shape [3], expected (2,)"), "{e}");
}
