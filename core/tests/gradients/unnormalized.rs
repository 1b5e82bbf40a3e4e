//! The contrastive losses without L2 normalization ([`Normalization::None`]): InfoNCE, NT-Xent,
//! their streaming forms (both log-sum-exp modes) and InfoNCE with a MoCo queue.
//!
//! - gradients against central differences in f64 ([`fd`]), random `Dyn` shapes (K in 1..=8,
//!   B in 2..=9) at embedding norms ≈ 0.3, 1 and 3, and `Const` sizes;
//! - the loss against a plain-`f64` evaluation of the formula (raw dot products, each row
//!   shifted by its maximum), also at a scale where the fixed shift `1/τ` of the normalized
//!   path would overflow (logits ≈ 10⁴) — so the row maximum is really used;
//! - `Const` and `Dyn` give the same bits, and the default stays L2 (a different loss).

use nalgebra::allocator::Allocator;
use nalgebra::{Const, DMatrix, DefaultAllocator, Dim, Dyn, SMatrix};
use selfsup_core::dims::{EmbedDims, Mat, zeros};
use selfsup_core::loss::{
    InfoNce, InfoNceQueue, LseMode, NtXent, PairLoss, StreamingInfoNce, StreamingNtXent,
};
use selfsup_core::normalize::Normalization;
use selfsup_core::rng::{Rng, fill_normal, index, seeded};

use super::fd::*;

const NONE: Normalization = Normalization::None;

/// Gradient of `loss` w.r.t. both views against central differences; `fresh` rebuilds the
/// loss in the state it had before `loss_grad` (the queue's `loss_grad` enqueues).
fn check<K: Dim, B: Dim, L: PairLoss<f64, K, B> + Clone>(
    what: &str,
    loss: &L,
    za: &Mat<f64, K, B>,
    zb: &Mat<f64, K, B>,
) where
    DefaultAllocator: EmbedDims<K, B>,
{
    let (k, b) = za.shape_generic();
    let (mut ga, mut gb) = (zeros(k, b), zeros(k, b));
    let l = loss.clone().loss_grad(za, zb, &mut ga, &mut gb);
    let mut f = loss.clone();
    assert!(l.is_finite(), "{what}: loss {l}");
    assert_eq!(l.to_bits(), f.loss(za, zb).to_bits(), "{what}: loss() differs from loss_grad()");
    let n = za.len();
    let p = concat(&[za.as_slice(), zb.as_slice()]);
    let num = numeric(&p, |p| f.loss(&mat(k, b, p), &mat(k, b, &p[n..])));
    assert_grad(&format!("{what}: d/dz_a"), ga.as_slice(), fd(&num, ..n));
    assert_grad(&format!("{what}: d/dz_b"), gb.as_slice(), fd(&num, n..));
}

/// Every unnormalized loss on one pair of views.
fn check_all<K: Dim, B: Dim>(what: &str, k: K, b: B, tau: f64, scale: f64, rng: &mut Rng)
where
    DefaultAllocator: EmbedDims<K, B> + Allocator<K, Dyn>,
{
    let what = format!("{what} (K={} B={} tau={tau} scale={scale})", k.value(), b.value());
    let za = randn(k, b, rng) * scale;
    let zb = &za * 0.8 + randn(k, b, rng) * (0.6 * scale);
    check(&format!("{what} InfoNCE"), &InfoNce::new(tau, k, b).unwrap().with_normalization(NONE), &za, &zb);
    check(&format!("{what} NT-Xent"), &NtXent::new(tau, k, b).unwrap().with_normalization(NONE), &za, &zb);
    for mode in [LseMode::Online, LseMode::TwoPass] {
        let s = StreamingInfoNce::new(tau, k, b).unwrap().with_mode(mode).with_normalization(NONE);
        check(&format!("{what} streaming InfoNCE {mode:?}"), &s, &za, &zb);
        let s = StreamingNtXent::new(tau, k, b).unwrap().with_mode(mode).with_normalization(NONE);
        check(&format!("{what} streaming NT-Xent {mode:?}"), &s, &za, &zb);
        let mut q = InfoNceQueue::new(tau, k, b, Dyn(5)).unwrap().with_mode(mode).with_normalization(NONE);
        let mut keys = vec![0.0; 3 * k.value()];
        fill_normal(rng, &mut keys, 0.0, scale);
        q.queue_mut().push_columns(&keys);
        check(&format!("{what} InfoNCE + queue {mode:?}"), &q, &za, &zb);
    }
}

#[test]
fn random_shapes_and_scales() {
    for seed in 0..12 {
        let mut rng = seeded(5000 + seed);
        let (k, b) = (1 + index(&mut rng, 8), 2 + index(&mut rng, 8));
        let tau = if seed % 2 == 0 { 0.2 } else { 0.5 };
        // Entries of size `scale/√K` keep ‖z‖ ≈ scale for every K, so logits stay below ≈ 10²
        // and the differences' rounding noise (ε · the largest logit / h) below the tolerance;
        // larger logits are checked by value in `loss_is_the_formula_even_when_logits_are_huge`.
        for scale in [0.3, 1.0, 3.0].map(|s| s / (k as f64).sqrt()) {
            check_all(&format!("seed {seed}"), Dyn(k), Dyn(b), tau, scale, &mut rng);
        }
    }
}

#[test]
fn const_sizes_and_edges() {
    let mut rng = seeded(51);
    check_all("const", Const::<3>, Const::<5>, 0.2, 1.0, &mut rng);
    check_all("const", Const::<1>, Const::<2>, 0.5, 2.0, &mut rng);
    check_all("dyn", Dyn(8), Dyn(2), 0.1, 1.0, &mut rng);
}

/// `(1/N) Σ_r [log Σ_{c ∈ C(r)} exp(s_rc) − s_r,pos(r)]` with raw dot products, each row shifted
/// by its own maximum: the formula, written plainly.
fn reference(za: &DMatrix<f64>, zb: &DMatrix<f64>, tau: f64, symmetric: bool) -> f64 {
    let n = za.ncols();
    let u: Vec<_> = (0..n).map(|i| za.column(i)).chain((0..n).map(|i| zb.column(i))).collect();
    let rows: Vec<usize> = if symmetric { (0..2 * n).collect() } else { (0..n).collect() };
    let mut total = 0.0;
    for &r in &rows {
        let cands: Vec<usize> =
            if symmetric { (0..2 * n).filter(|&c| c != r).collect() } else { (n..2 * n).collect() };
        let pos = if r < n { r + n } else { r - n };
        let s: Vec<f64> = cands.iter().map(|&c| u[r].dot(&u[c]) / tau).collect();
        let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = m + s.iter().map(|x| (x - m).exp()).sum::<f64>().ln();
        total += lse - u[r].dot(&u[pos]) / tau;
    }
    total / rows.len() as f64
}

#[test]
fn loss_is_the_formula_even_when_logits_are_huge() {
    let mut rng = seeded(52);
    for (k, b, scale, tau) in [(3, 6, 1.0, 0.2), (4, 5, 30.0, 0.1), (2, 8, 100.0, 0.05)] {
        let za = randn(Dyn(k), Dyn(b), &mut rng) * scale;
        let zb = &za * 0.8 + randn(Dyn(k), Dyn(b), &mut rng) * (0.6 * scale);
        for (symmetric, name) in [(false, "InfoNCE"), (true, "NT-Xent")] {
            let want = reference(&za, &zb, tau, symmetric);
            let mut got: Vec<(String, f64)> = Vec::new();
            if symmetric {
                got.push((
                    "dense".into(),
                    NtXent::new(tau, Dyn(k), Dyn(b)).unwrap().with_normalization(NONE).loss(&za, &zb),
                ));
                for mode in [LseMode::Online, LseMode::TwoPass] {
                    let mut l = StreamingNtXent::new(tau, Dyn(k), Dyn(b))
                        .unwrap()
                        .with_mode(mode)
                        .with_normalization(NONE);
                    got.push((format!("{mode:?}"), l.loss(&za, &zb)));
                }
            } else {
                got.push((
                    "dense".into(),
                    InfoNce::new(tau, Dyn(k), Dyn(b)).unwrap().with_normalization(NONE).loss(&za, &zb),
                ));
                for mode in [LseMode::Online, LseMode::TwoPass] {
                    let mut l = StreamingInfoNce::new(tau, Dyn(k), Dyn(b))
                        .unwrap()
                        .with_mode(mode)
                        .with_normalization(NONE);
                    got.push((format!("{mode:?}"), l.loss(&za, &zb)));
                    let mut q = InfoNceQueue::new(tau, Dyn(k), Dyn(b), Dyn(4))
                        .unwrap()
                        .with_mode(mode)
                        .with_normalization(NONE);
                    got.push((format!("queue {mode:?}"), q.loss(&za, &zb)));
                }
            }
            for (form, l) in got {
                assert!(
                    (l - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "{name} {form} scale {scale}: {l} vs {want}"
                );
            }
        }
    }
}

#[test]
fn const_equals_dyn_bits_and_the_default_is_l2() {
    let mut rng = seeded(53);
    let za = randn(Dyn(3), Dyn(4), &mut rng) * 2.0;
    let zb = &za * 0.8 + randn(Dyn(3), Dyn(4), &mut rng);
    let (sa, sb) = (
        SMatrix::<f64, 3, 4>::from_column_slice(za.as_slice()),
        SMatrix::<f64, 3, 4>::from_column_slice(zb.as_slice()),
    );
    let dyn_run = |l: &mut dyn PairLoss<f64, Dyn, Dyn>| {
        let (mut ga, mut gb) = (za.clone() * 0.0, za.clone() * 0.0);
        let v = l.loss_grad(&za, &zb, &mut ga, &mut gb);
        (v.to_bits(), ga.iter().chain(gb.iter()).map(|x| x.to_bits()).collect::<Vec<_>>())
    };
    let const_run = |l: &mut dyn PairLoss<f64, Const<3>, Const<4>>| {
        let (mut ga, mut gb) = (SMatrix::<f64, 3, 4>::zeros(), SMatrix::<f64, 3, 4>::zeros());
        let v = l.loss_grad(&sa, &sb, &mut ga, &mut gb);
        (v.to_bits(), ga.iter().chain(gb.iter()).map(|x| x.to_bits()).collect::<Vec<_>>())
    };
    let mut d = InfoNce::new(0.2, Dyn(3), Dyn(4)).unwrap().with_normalization(NONE);
    let mut c = InfoNce::new(0.2, Const::<3>, Const::<4>).unwrap().with_normalization(NONE);
    assert_eq!(dyn_run(&mut d), const_run(&mut c), "InfoNCE");
    let mut d = NtXent::new(0.5, Dyn(3), Dyn(4)).unwrap().with_normalization(NONE);
    let mut c = NtXent::new(0.5, Const::<3>, Const::<4>).unwrap().with_normalization(NONE);
    assert_eq!(dyn_run(&mut d), const_run(&mut c), "NT-Xent");
    let mut l2 = NtXent::new(0.5, Dyn(3), Dyn(4)).unwrap();
    assert_eq!(l2.normalization(), Normalization::L2);
    assert_ne!(dyn_run(&mut l2).0, dyn_run(&mut d).0, "the default normalizes");
}
