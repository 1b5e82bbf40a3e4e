use super::*;
use crate::network::Layer;
use crate::weights::state_dict::ENCODER;
use selfsup_core::rng::seeded;

fn arch(encoder: EncoderKind, head: HeadKind) -> Architecture {
    Architecture { d: 4, k: None, encoder, hidden: 8, head, head_hidden: 64 }
}

/// Writes a checkpoint of `encoder` (and `head`) to a temporary file.
fn file(name: &str, encoder: Layer<f32>, head: Option<Layer<f32>>) -> PathBuf {
    let c = Checkpoint {
        net: NetWeights {
            encoder: LayerWeights::of(&encoder).unwrap(),
            head: head.and_then(|h| LayerWeights::of(&h)),
            precision: crate::weights::Precision::F32,
        },
        standardization: None,
        features: vec![],
        source: None,
        encoder_prefix: ENCODER.into(),
    };
    let p = std::env::temp_dir().join(format!("selfsup-init-{}-{name}.safetensors", std::process::id()));
    std::fs::write(&p, c.to_bytes().unwrap()).unwrap();
    p
}

fn err(p: &Path, a: &Architecture) -> String {
    let e = load_init(p, a).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let s = e.to_string();
    assert!(!s.contains('\n') && s.starts_with(&format!("error: {}: ", p.display())), "{s}");
    s
}

#[test]
fn fitting_weights_load_with_their_head_or_without() {
    let mut rng = seeded(1);
    let mlp = Layer::mlp(4, 8, 3, &mut rng);
    let head = Layer::mlp(3, 64, 3, &mut rng);
    let p = file("fit", mlp.clone(), Some(head.clone()));
    let w = load_init(&p, &arch(EncoderKind::Mlp, HeadKind::Mlp)).unwrap();
    assert_eq!((w.k(), w.head), (3, HeadInit::Loaded));
    assert_eq!(w.net.encoder.to_layer::<f32>(), mlp);
    assert_eq!(w.net.head.as_ref().unwrap().to_layer::<f32>(), head);
    let w = load_init(&p, &arch(EncoderKind::Mlp, HeadKind::None)).unwrap();
    assert_eq!((w.head, w.net.head.is_none()), (HeadInit::Unused, true));
    assert!(w.describe().contains("the file's head is not used"), "{}", w.describe());
    let p2 = file("nohead", mlp, None);
    let w = load_init(&p2, &arch(EncoderKind::Mlp, HeadKind::Linear)).unwrap();
    assert_eq!(w.head, HeadInit::Fresh);
    assert!(w.describe().contains("the file has no head, the head is initialized as usual"));
    let mut a = arch(EncoderKind::Mlp, HeadKind::Mlp);
    a.k = Some(3);
    assert!(load_init(&p2, &a).is_ok());
    for p in [p, p2] {
        std::fs::remove_file(p).unwrap();
    }
}

#[test]
fn a_zero_bias_of_a_linear_encoder_is_dropped_a_non_zero_one_refused() {
    let mut rng = seeded(2);
    let Layer::Linear(mut l) = Layer::<f32>::linear(4, 2, false, &mut rng) else { unreachable!() };
    l.b.fill(0.0);
    let p = file("zero-bias", Layer::Linear(l.clone()), None);
    let w = load_init(&p, &arch(EncoderKind::Linear, HeadKind::None)).unwrap();
    let LayerWeights::Linear(d) = &w.net.encoder else { panic!() };
    assert_eq!(d.b, None);
    l.b[1] = 0.5;
    let p = file("bias", Layer::Linear(l), None);
    let e = err(&p, &arch(EncoderKind::Linear, HeadKind::None));
    assert!(e.contains("\"encoder.bias\"[1] is 0.5: probe's linear encoder has no bias; fix: "), "{e}");
    std::fs::remove_file(p).unwrap();
}

#[test]
fn every_mismatch_is_one_line_with_the_tensor_shapes_and_the_option() {
    let mut rng = seeded(3);
    let lin = file("lin", Layer::linear(4, 2, true, &mut rng), None);
    let mlp = file("mlp", Layer::mlp(4, 16, 2, &mut rng), Some(Layer::linear(2, 2, false, &mut rng)));
    let cases: Vec<(&PathBuf, Architecture, &str)> = vec![
        (
            &lin,
            arch(EncoderKind::Mlp, HeadKind::None),
            "the file holds a linear encoder (\"encoder.weight\" (2, 4)) but this run has --encoder mlp; fix: pass --encoder linear",
        ),
        (
            &mlp,
            arch(EncoderKind::Linear, HeadKind::None),
            "the file holds an MLP encoder (\"encoder.0.weight\" (16, 4), \"encoder.2.weight\" (2, 16)) but this run has --encoder linear; fix: pass --encoder mlp --hidden 16",
        ),
        (
            &mlp,
            arch(EncoderKind::Mlp, HeadKind::None),
            "\"encoder.0.weight\" has shape (16, 4), expected (8, 4) for --hidden 8; fix: pass --hidden 16",
        ),
        (
            &lin,
            Architecture { d: 3, ..arch(EncoderKind::Linear, HeadKind::None) },
            "\"encoder.weight\" has shape (2, 4), expected (2, 3): the CSV has 3 features; fix: use the CSV",
        ),
        (
            &lin,
            Architecture { k: Some(5), ..arch(EncoderKind::Linear, HeadKind::None) },
            "\"encoder.weight\" has shape (2, 4), expected (5, 4) for --dim 5; fix: drop --dim or pass --dim 2",
        ),
        (
            &mlp,
            Architecture { k: Some(5), hidden: 16, ..arch(EncoderKind::Mlp, HeadKind::None) },
            "\"encoder.2.weight\" has shape (2, 16), expected (5, 16) for --dim 5; fix: drop --dim or pass --dim 2",
        ),
        (
            &mlp,
            Architecture { hidden: 16, ..arch(EncoderKind::Mlp, HeadKind::Mlp) },
            "the file's head is linear but this run has --head mlp; fix: pass --head linear",
        ),
    ];
    for (p, a, want) in cases {
        let e = err(p, &a);
        assert!(e.contains(want), "{e}\nwant: {want}");
    }
    let head = file("head", Layer::mlp(4, 16, 2, &mut rng), Some(Layer::mlp(2, 32, 2, &mut rng)));
    let e = err(&head, &Architecture { hidden: 16, ..arch(EncoderKind::Mlp, HeadKind::Mlp) });
    assert!(
        e.contains("\"head.0.weight\" (32, 2) and \"head.2.weight\" (2, 32), expected (64, 2) and (2, 64)"),
        "{e}"
    );
    for p in [lin, mlp, head] {
        std::fs::remove_file(p).unwrap();
    }
}
