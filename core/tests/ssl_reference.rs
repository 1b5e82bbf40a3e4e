//! Barlow Twins against lightly's `BarlowTwinsLoss(lambda_param=5e-3)`: the developer case
//! `tests/data/reference/barlow_twins_B8_K8.json` (see its README for the conventions). Loss,
//! both gradients, the two sub-terms and the cross-correlation matrix must match to 1e-10
//! relative in f64 and 1e-5 in f32, with `Dyn` and `Const` sizes.

use nalgebra::{Const, DMatrix, Dyn, SMatrix};
use selfsup_core::Real;
use selfsup_core::loss::{BarlowTwins, PairLoss, barlow_twins::LAMBDA};
use serde_json::Value;

fn case(name: &str) -> Value {
    let path = format!("{}/tests/data/reference/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A JSON matrix with rows as samples, as a matrix with samples as columns.
fn samples_as_columns<T: Real>(v: &Value) -> DMatrix<T> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    DMatrix::from_fn(rows[0].len(), rows.len(), |i, j| T::of_f64(rows[j][i]))
}

fn rel_err<T: Real>(got: &[T], want: &[T]) -> f64 {
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.to_f64().abs())).max(1e-300);
    got.iter().zip(want).fold(0.0f64, |m, (a, b)| m.max((a.to_f64() - b.to_f64()).abs())) / scale
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

fn check<T: Real>(tol: f64) {
    let c = case("barlow_twins_B8_K8");
    assert_eq!(c["params"]["lightly_args"]["lambda_param"].as_f64(), Some(LAMBDA));
    let za = samples_as_columns::<T>(&c["z_a"]);
    let zb = samples_as_columns::<T>(&c["z_b"]);
    let (k, b) = za.shape();
    let mut bt = BarlowTwins::<T, Dyn, Dyn>::new(LAMBDA, Dyn(k), Dyn(b)).unwrap();
    let want = c["loss"].as_f64().unwrap();
    let l = bt.loss(&za, &zb).to_f64();
    assert!(rel(l, want) < tol, "loss {l} vs {want}");
    // C: rows of the JSON are the rows of C (feature of z_a), same layout as ours.
    let cc: Vec<Vec<f64>> =
        serde_json::from_value(c["intermediates"]["cross_correlation_c"].clone()).unwrap();
    let want_c = DMatrix::from_fn(k, k, |i, j| T::of_f64(cc[i][j]));
    let e = rel_err(bt.cross_correlation().as_slice(), want_c.as_slice());
    assert!(e < tol, "C rel err {e:e}");
    let (inv, red) = bt.terms();
    assert!(rel(inv.to_f64(), c["terms"]["invariance"].as_f64().unwrap()) < tol);
    assert!(rel(red.to_f64(), c["terms"]["redundancy_reduction"].as_f64().unwrap()) < tol);
    let (mut ga, mut gb) = (za.clone(), zb.clone());
    let l2 = bt.loss_grad(&za, &zb, &mut ga, &mut gb).to_f64();
    assert_eq!(l.to_bits(), l2.to_bits());
    let e = rel_err(ga.as_slice(), samples_as_columns::<T>(&c["grad_z_a"]).as_slice());
    assert!(e < tol, "grad_z_a rel err {e:e}");
    let e = rel_err(gb.as_slice(), samples_as_columns::<T>(&c["grad_z_b"]).as_slice());
    assert!(e < tol, "grad_z_b rel err {e:e}");

    // The same with Const sizes (no allocation): identical bits.
    let sa = SMatrix::<T, 8, 8>::from_column_slice(za.as_slice());
    let sb = SMatrix::<T, 8, 8>::from_column_slice(zb.as_slice());
    let mut st = BarlowTwins::<T, Const<8>, Const<8>>::new(LAMBDA, Const, Const).unwrap();
    let (mut sga, mut sgb) = (sa, sb);
    let l3 = st.loss_grad(&sa, &sb, &mut sga, &mut sgb).to_f64();
    assert_eq!(l3.to_bits(), l.to_bits());
    assert_eq!(sga.as_slice(), ga.as_slice());
    assert_eq!(sgb.as_slice(), gb.as_slice());
}

#[test]
fn barlow_twins_matches_lightly_f64() {
    check::<f64>(1e-10);
}

#[test]
fn barlow_twins_matches_lightly_f32() {
    check::<f32>(1e-5);
}
