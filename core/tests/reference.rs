//! Agreement with lightly / PyTorch: every case in `tests/data/reference/` (copied from the
//! project's shared reference set; see its README for the conventions) must match to 1e-10
//! relative in f64 and 1e-5 in f32, loss and gradients.

use nalgebra::{DMatrix, Dyn};
use selfsup_core::Real;
use selfsup_core::loss::{InfoNce, NtXent, PairLoss};
use serde_json::Value;

fn case(name: &str) -> Value {
    let path = format!("{}/tests/data/reference/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A `rows x cols` JSON matrix (rows are samples) as a `cols x rows` matrix (samples are columns).
fn samples_as_columns<T: Real>(v: &Value) -> DMatrix<T> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    DMatrix::from_fn(rows[0].len(), rows.len(), |i, j| T::of_f64(rows[j][i]))
}

fn rel_err<T: Real>(got: &DMatrix<T>, want: &DMatrix<T>) -> f64 {
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.to_f64().abs())).max(1e-300);
    got.iter().zip(want.iter()).fold(0.0f64, |m, (a, b)| m.max((a.to_f64() - b.to_f64()).abs())) / scale
}

fn check_pair_loss<T: Real, L: PairLoss<T, Dyn, Dyn>>(name: &str, mut loss: L, tol: f64) {
    let c = case(name);
    let za = samples_as_columns::<T>(&c["z_a"]);
    let zb = samples_as_columns::<T>(&c["z_b"]);
    let (mut ga, mut gb) = (za.clone() * T::zero(), za.clone() * T::zero());
    let l = loss.loss_grad(&za, &zb, &mut ga, &mut gb).to_f64();
    let want = c["loss"].as_f64().unwrap();
    assert!(((l - want) / want).abs() < tol, "{name}: loss {l} vs {want}");
    let l2 = loss.loss(&za, &zb).to_f64();
    assert_eq!(l.to_bits(), l2.to_bits(), "{name}: loss() and loss_grad() differ");
    let e = rel_err(&ga, &samples_as_columns::<T>(&c["grad_z_a"]));
    assert!(e < tol, "{name}: grad_z_a rel err {e:e}");
    let e = rel_err(&gb, &samples_as_columns::<T>(&c["grad_z_b"]));
    assert!(e < tol, "{name}: grad_z_b rel err {e:e}");
}

fn dims(name: &str) -> (Dyn, Dyn, f64) {
    let c = case(name);
    let k = c["shape"]["K"].as_u64().unwrap() as usize;
    let b = c["shape"]["B"].as_u64().unwrap() as usize;
    (Dyn(k), Dyn(b), c["params"]["temperature"].as_f64().unwrap_or(0.0))
}

#[test]
fn infonce_onedir_matches_torch() {
    let name = "infonce_onedir_B4_K2_tau0.2";
    let (k, b, tau) = dims(name);
    check_pair_loss::<f64, _>(name, InfoNce::new(tau, k, b).unwrap(), 1e-10);
    check_pair_loss::<f32, _>(name, InfoNce::new(tau, k, b).unwrap(), 1e-5);
}

#[test]
fn ntxent_matches_lightly() {
    let name = "ntxent_B8_K8_tau0.5";
    let (k, b, tau) = dims(name);
    check_pair_loss::<f64, _>(name, NtXent::new(tau, k, b).unwrap(), 1e-10);
    check_pair_loss::<f32, _>(name, NtXent::new(tau, k, b).unwrap(), 1e-5);
}

fn check_autoencoder<T: Real>(tol: f64) {
    use selfsup_core::loss::autoencoder::{AeBuffers, LinearAutoencoder};
    let name = "autoencoder_N8_D3_H2";
    let c = case(name);
    let x = samples_as_columns::<T>(&c["x"]);
    // W_enc (H x D) and W_dec (D x H) are stored as ordinary row-major matrices: transpose back.
    let w_enc = samples_as_columns::<T>(&c["W_enc"]).transpose();
    let w_dec = samples_as_columns::<T>(&c["W_dec"]).transpose();
    let (h, d, n) = (w_enc.nrows(), x.nrows(), x.ncols());
    assert_eq!((h, d, n), (2, 3, 8));
    let ae = LinearAutoencoder::from_weights(w_enc, w_dec);
    let mut grad = ae.zeros_like();
    let mut buf = AeBuffers::new(Dyn(h), Dyn(d), Dyn(n));
    let l = ae.loss_grad(&x, &mut grad, &mut buf).to_f64();
    let want = c["loss"].as_f64().unwrap();
    assert!(((l - want) / want).abs() < tol, "{name}: loss {l} vs {want}");
    let l2 = ae.loss(&x, &mut buf).to_f64();
    assert_eq!(l.to_bits(), l2.to_bits(), "{name}: loss() and loss_grad() differ");
    let e = rel_err(&grad.enc.w, &samples_as_columns::<T>(&c["grad_W_enc"]).transpose());
    assert!(e < tol, "{name}: grad_W_enc rel err {e:e}");
    let e = rel_err(&grad.dec.w, &samples_as_columns::<T>(&c["grad_W_dec"]).transpose());
    assert!(e < tol, "{name}: grad_W_dec rel err {e:e}");
    let mut x_hat = x.clone();
    ae.reconstruct(&x, &mut x_hat, &mut buf);
    let e = rel_err(&x_hat, &samples_as_columns::<T>(&c["intermediates"]["x_hat"]));
    assert!(e < tol, "{name}: x_hat rel err {e:e}");
}

#[test]
fn autoencoder_matches_torch() {
    check_autoencoder::<f64>(1e-10);
    check_autoencoder::<f32>(1e-5);
}
