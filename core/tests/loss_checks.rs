//! lightly's input checks: every loss refuses, when it is built, the sizes and parameters for
//! which it would return NaN or a constant, with a [`LossError`] that names the loss, the value
//! and the fix. Before these checks VICReg at `B = 1` returned NaN silently (its unbiased
//! variance divides by `B − 1`), and τ = 0 gave infinite logits.

use nalgebra::{Const, Dyn};
use selfsup_core::loss::{
    BarlowTwins, InfoNce, InfoNceQueue, LossError, NtXent, StreamingInfoNce, StreamingNtXent, VicReg,
};

#[test]
fn vicreg_refuses_a_batch_of_one() {
    let err = VicReg::<f64, Dyn, Dyn>::lightly(Dyn(4), Dyn(1)).unwrap_err();
    assert_eq!(err, LossError::BatchTooSmall { loss: "VICReg", min: 2, got: 1 });
    assert!(VicReg::<f32, Const<4>, Const<1>>::lightly(Const, Const).is_err(), "Const sizes too");
    assert!(VicReg::<f64, Dyn, Dyn>::lightly(Dyn(4), Dyn(2)).is_ok());
    let msg = err.to_string();
    assert!(msg.contains("VICReg") && msg.contains("at least 2") && msg.contains("got 1"), "{msg}");
}

#[test]
fn batch_losses_refuse_a_batch_of_one_and_empty_embeddings() {
    let one = |e: LossError| matches!(e, LossError::BatchTooSmall { min: 2, got: 1, .. });
    assert!(one(BarlowTwins::<f64, Dyn, Dyn>::new(5e-3, Dyn(4), Dyn(1)).unwrap_err()));
    assert!(one(InfoNce::<f64, Dyn, Dyn>::new(0.2, Dyn(4), Dyn(1)).unwrap_err()));
    assert!(one(NtXent::<f64, Dyn, Dyn>::new(0.5, Dyn(4), Dyn(1)).unwrap_err()));
    assert!(one(StreamingInfoNce::<f64, Dyn, Dyn>::new(0.2, Dyn(4), Dyn(1)).unwrap_err()));
    assert!(one(StreamingNtXent::<f64, Dyn, Dyn>::new(0.5, Dyn(4), Dyn(1)).unwrap_err()));
    // The queue supplies negatives: one sample per batch is enough.
    assert!(InfoNceQueue::<f64, Dyn, Dyn, Dyn>::new(0.2, Dyn(4), Dyn(1), Dyn(8)).is_ok());
    let empty = |e: LossError| matches!(e, LossError::EmptyEmbedding { .. });
    assert!(empty(VicReg::<f64, Dyn, Dyn>::lightly(Dyn(0), Dyn(8)).unwrap_err()));
    assert!(empty(NtXent::<f64, Dyn, Dyn>::new(0.5, Dyn(0), Dyn(8)).unwrap_err()));
    assert!(empty(InfoNceQueue::<f64, Dyn, Dyn, Dyn>::new(0.2, Dyn(0), Dyn(1), Dyn(8)).unwrap_err()));
}

#[test]
fn temperatures_must_be_finite_and_positive() {
    for tau in [0.0, -0.5, f64::NAN, f64::INFINITY] {
        let bad = |e: LossError| matches!(e, LossError::Temperature { value, .. } if value.to_bits() == tau.to_bits());
        assert!(bad(InfoNce::<f32, Dyn, Dyn>::new(tau, Dyn(2), Dyn(4)).unwrap_err()), "{tau}");
        assert!(bad(NtXent::<f32, Dyn, Dyn>::new(tau, Dyn(2), Dyn(4)).unwrap_err()), "{tau}");
        assert!(bad(InfoNceQueue::<f32, Dyn, Dyn, Dyn>::new(tau, Dyn(2), Dyn(4), Dyn(4)).unwrap_err()));
        assert!(bad(StreamingNtXent::<f32, Dyn, Dyn>::new(tau, Dyn(2), Dyn(4)).unwrap_err()));
    }
    let msg = NtXent::<f64, Dyn, Dyn>::new(0.0, Dyn(2), Dyn(4)).unwrap_err().to_string();
    assert!(msg.contains("temperature") && msg.contains("> 0"), "{msg}");
}

#[test]
fn weights_must_be_finite_and_non_negative() {
    assert!(BarlowTwins::<f64, Dyn, Dyn>::new(-1.0, Dyn(2), Dyn(4)).is_err());
    assert!(BarlowTwins::<f64, Dyn, Dyn>::new(f64::NAN, Dyn(2), Dyn(4)).is_err());
    let e = VicReg::<f64, Dyn, Dyn>::new(25.0, f64::INFINITY, 1.0, Dyn(2), Dyn(4)).unwrap_err();
    assert!(matches!(e, LossError::Weight { name: "mu", .. }), "{e:?}");
    assert!(VicReg::<f64, Dyn, Dyn>::new(0.0, 0.0, 0.0, Dyn(2), Dyn(4)).is_ok());
}
