//! Softmax cross-entropy: PyTorch's value and gradient (`data/reference/cross_entropy_B6_C4.json`,
//! made by `make_cross_entropy.py` beside it), central finite differences in f64, `Const` =
//! `Dyn` bits, extreme logits and the label checks.

use nalgebra::{DMatrix, SMatrix};
use selfsup_core::loss::LabelError;
use selfsup_core::loss::cross_entropy::{check_labels, loss, loss_grad, predict};
use selfsup_core::rng::{fill_normal, seeded};

fn reference() -> (DMatrix<f64>, Vec<usize>, f64, DMatrix<f64>) {
    let text = include_str!("data/reference/cross_entropy_B6_C4.json");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let rows = |key: &str| -> Vec<Vec<f64>> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
            .collect()
    };
    // torch's rows are samples: our columns.
    let to_mat = |r: Vec<Vec<f64>>| DMatrix::from_fn(r[0].len(), r.len(), |c, j| r[j][c]);
    let labels = v["labels"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect();
    (to_mat(rows("logits")), labels, v["loss"].as_f64().unwrap(), to_mat(rows("grad_logits")))
}

fn max_rel(got: &DMatrix<f64>, want: &DMatrix<f64>) -> f64 {
    // Absolute below 1e-9: with one class the gradient is exactly zero.
    let scale = want.iter().fold(1e-9f64, |m, x| m.max(x.abs()));
    got.iter().zip(want.iter()).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / scale
}

#[test]
fn matches_pytorch_in_f64_and_f32() {
    let (s, y, want, want_g) = reference();
    let mut g = DMatrix::zeros(s.nrows(), s.ncols());
    let l = loss_grad(&s, &y, &mut g).unwrap();
    assert!(((l - want) / want).abs() < 1e-12, "{l} vs torch {want}");
    assert!(max_rel(&g, &want_g) < 1e-12);
    assert_eq!(loss(&s, &y).unwrap().to_bits(), l.to_bits(), "loss and loss_grad agree bit for bit");

    let s32 = s.map(|x| x as f32);
    let mut g32 = DMatrix::<f32>::zeros(s.nrows(), s.ncols());
    let l32 = loss_grad(&s32, &y, &mut g32).unwrap();
    assert!(((l32 as f64 - want) / want).abs() < 1e-5);
    assert!(max_rel(&g32.map(|x| x as f64), &want_g) < 1e-5);
}

#[test]
fn gradient_matches_central_differences() {
    const H: f64 = 1e-6;
    for (seed, (c, b)) in [(2, 3), (5, 1), (1, 4), (7, 9), (10, 2)].into_iter().enumerate() {
        let mut s = DMatrix::<f64>::zeros(c, b);
        fill_normal(&mut seeded(seed as u64), s.as_mut_slice(), 0.0, 2.0);
        let y: Vec<usize> = (0..b).map(|j| (j * 7 + seed) % c).collect();
        let mut g = DMatrix::zeros(c, b);
        loss_grad(&s, &y, &mut g).unwrap();
        let mut num = DMatrix::zeros(c, b);
        for i in 0..s.len() {
            let mut p = s.clone();
            p[i] += H;
            let up = loss(&p, &y).unwrap();
            p[i] -= 2.0 * H;
            let down = loss(&p, &y).unwrap();
            num[i] = (up - down) / (2.0 * H);
        }
        let err = max_rel(&g, &num);
        assert!(err < 1e-6, "C={c} B={b}: relative error {err}");
    }
}

/// The checker above is not blind: a gradient off by one part in 10⁵ fails it.
#[test]
fn a_wrong_gradient_is_caught() {
    let (s, y, _, _) = reference();
    let mut g = DMatrix::zeros(s.nrows(), s.ncols());
    loss_grad(&s, &y, &mut g).unwrap();
    let mut wrong = g.clone();
    let i = (0..g.len()).max_by(|&a, &b| g[a].abs().total_cmp(&g[b].abs())).unwrap();
    wrong[i] *= 1.0 + 1e-5;
    assert!(max_rel(&wrong, &g) > 1e-6);
}

#[test]
fn static_and_dynamic_sizes_give_the_same_bits() {
    let mut d = DMatrix::<f32>::zeros(5, 8);
    fill_normal(&mut seeded(3), d.as_mut_slice(), 0.0, 4.0);
    let s = SMatrix::<f32, 5, 8>::from_column_slice(d.as_slice());
    let y = [0, 1, 2, 3, 4, 4, 3, 2];
    let (mut gd, mut gs) = (DMatrix::<f32>::zeros(5, 8), SMatrix::<f32, 5, 8>::zeros());
    let ld = loss_grad(&d, &y, &mut gd).unwrap();
    let ls = loss_grad(&s, &y, &mut gs).unwrap();
    assert_eq!(ld.to_bits(), ls.to_bits());
    assert!(gd.iter().zip(gs.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn extreme_logits_stay_finite_and_exact() {
    // A confident right answer costs ~0, a confident wrong one costs the margin.
    let s = DMatrix::from_column_slice(2, 2, &[1e30f64, -1e30, 1e30, -1e30]);
    let mut g = DMatrix::zeros(2, 2);
    let l = loss_grad(&s, &[0, 1], &mut g).unwrap();
    assert_eq!(l, 1e30, "half the batch is off by 2e30, mean 1e30");
    assert!(g.iter().all(|x| x.is_finite()));
    assert_eq!(g[(0, 1)], 0.5);
    assert_eq!(g[(1, 1)], -0.5);
}

#[test]
fn bad_labels_are_errors_not_panics() {
    let s = DMatrix::<f64>::zeros(3, 2);
    let mut g = DMatrix::zeros(3, 2);
    assert_eq!(loss(&s, &[0]), Err(LabelError::Count { labels: 1, batch: 2 }));
    assert_eq!(
        loss_grad(&s, &[0, 3], &mut g),
        Err(LabelError::OutOfRange { index: 1, label: 3, classes: 3 })
    );
    let empty = DMatrix::<f64>::zeros(3, 0);
    assert_eq!(loss(&empty, &[]), Err(LabelError::Empty));
    assert_eq!(check_labels(0, 1, &[0]), Err(LabelError::Empty));
    let msg = LabelError::OutOfRange { index: 1, label: 3, classes: 3 }.to_string();
    assert!(msg.contains("label 3") && msg.contains("0 to 2"), "{msg}");
}

#[test]
fn predict_takes_the_first_maximum() {
    let s = DMatrix::from_column_slice(3, 3, &[0.0f64, 2.0, 2.0, -1.0, -3.0, -2.0, 5.0, 5.0, 5.0]);
    let mut out = [9; 3];
    predict(&s, &mut out);
    assert_eq!(out, [1, 0, 0]);
}
