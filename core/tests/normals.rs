//! The Box–Muller normals ([`selfsup_core::rng`]) on our own `ln` and `sin/cos` of turns: their
//! distribution (moments and the Kolmogorov–Smirnov distance to `N(0, 1)`), and the block form
//! ([`fill_normal`]) drawing exactly what the scalar form ([`normal_pair`]) draws.

use selfsup_core::Real;
use selfsup_core::augment::noise::add_noise;
use selfsup_core::rng::{fill_normal, normal_pair, seeded};

/// Standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * (1.0 + libm::erf(x / core::f64::consts::SQRT_2))
}

/// Mean, variance, skewness and excess kurtosis, and the KS distance to `N(0, 1)`.
fn stats<T: Real>(v: &[T]) -> [f64; 5] {
    let mut x: Vec<f64> = v.iter().map(|t| t.to_f64()).collect();
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let c = |p: i32| x.iter().map(|&v| (v - m).powi(p)).sum::<f64>() / n;
    let var = c(2);
    let (skew, kurt) = (c(3) / var.powf(1.5), c(4) / (var * var) - 3.0);
    x.sort_by(f64::total_cmp);
    let ks = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = phi(v);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max);
    [m, var, skew, kurt, ks]
}

fn check<T: Real>(seed: u64) {
    let n = 200_000;
    let mut v = vec![T::zero(); n];
    fill_normal(&mut seeded(seed), &mut v, T::zero(), T::one());
    let [m, var, skew, kurt, ks] = stats(&v);
    // Standard errors at n = 2·10⁵: mean 0.0022, variance 0.0032, skewness 0.0055, kurtosis
    // 0.011; the bounds are about 4.5 of them. KS: the 1 % critical value is 1.63/√n = 0.0036.
    assert!(m.abs() < 0.01, "mean {m}");
    assert!((var - 1.0).abs() < 0.015, "variance {var}");
    assert!(skew.abs() < 0.025, "skewness {skew}");
    assert!(kurt.abs() < 0.05, "excess kurtosis {kurt}");
    assert!(ks < 0.0036, "KS distance {ks}");
}

#[test]
fn normals_have_the_standard_normal_distribution() {
    check::<f64>(11);
    check::<f32>(12);
}

/// The KS test can fail: a normal with the wrong scale is rejected.
#[test]
fn ks_rejects_a_wrong_scale() {
    let mut v = vec![0.0f64; 200_000];
    fill_normal(&mut seeded(13), &mut v, 0.0, 1.02);
    assert!(stats(&v)[4] > 0.0036);
}

#[test]
fn block_draws_equal_scalar_draws() {
    for n in [1, 2, 63, 64, 65, 301] {
        let mut v = vec![0.0f32; n];
        fill_normal(&mut seeded(5), &mut v, 0.5, 2.0);
        let mut r = seeded(5);
        let mut w = Vec::new();
        while w.len() < n {
            let (a, b): (f32, f32) = normal_pair(&mut r);
            w.extend([0.5 + 2.0 * a, 0.5 + 2.0 * b]);
        }
        // An odd length uses the first value of one more pair.
        w.truncate(n);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            w.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        let mut x = vec![1.0f64; n];
        add_noise(&mut x, 0.1, &mut seeded(6));
        let mut r = seeded(6);
        let mut y = Vec::new();
        while y.len() < n {
            let (a, b): (f64, f64) = normal_pair(&mut r);
            y.extend([1.0 + 0.1 * a, 1.0 + 0.1 * b]);
        }
        y.truncate(n);
        assert_eq!(x, y);
    }
}
