//! Random scaling: each sample multiplied by its own factor `s ~ U(lo, hi)`:
//! `x'_{:,j} = s_j · x_{:,j}`.
//!
//! A common tabular and point-cloud augmentation (e.g. PointNet's `U(0.8, 1.25)` scaling, Qi et
//! al., 2017); spec `uscale:0.8:1.2`. One uniform draw per sample. For the Gaussian,
//! per-channel variant used on time series see [`super::magnitude`].
//!
//! ```
//! use selfsup_core::{augment::scale::scale_uniform, rng::seeded};
//! let mut x = [1.0f64, 2.0, 1.0, 2.0];
//! scale_uniform(&mut x, 2, 0.5, 1.5, &mut seeded(3));
//! assert_eq!(x[1], 2.0 * x[0]); // one factor per sample
//! assert!(x[0] >= 0.5 && x[0] < 1.5);
//! ```

use crate::Real;
use crate::rng::uniform;

/// Multiplies every sample (column of `d` rows) of the column-major batch `x` by its own
/// factor `U(lo, hi)`.
pub fn scale_uniform<T: Real, R: rand_core::Rng + ?Sized>(x: &mut [T], d: usize, lo: T, hi: T, rng: &mut R) {
    if d == 0 {
        return;
    }
    for col in x.chunks_exact_mut(d) {
        let s = uniform(rng, lo, hi);
        for v in col.iter_mut() {
            *v *= s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn factors_are_uniform() {
        let mut x = [1.0f64; 20000];
        scale_uniform(&mut x, 1, 0.8, 1.2, &mut seeded(6));
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
        assert!(x.iter().all(|v| (0.8..1.2).contains(v)));
        assert!((m - 1.0).abs() < 0.003, "mean {m}");
        assert!((var - 0.4 * 0.4 / 12.0).abs() < 0.0005, "var {var}");
    }
}
