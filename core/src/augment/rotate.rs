//! Random 2-D rotation, the reference programs' ring augmentation: per sample `θ ~ U(−a, a)` (radians) and
//!
//! `(x'_{2m}, x'_{2m+1}) = (cos θ · x_{2m} − sin θ · x_{2m+1},  sin θ · x_{2m} + cos θ · x_{2m+1})`
//!
//! for every consecutive coordinate pair `m = 0, 1, …` of the sample, all pairs of a sample by
//! the same angle. For `D = 2` this is exactly the reference program's rotation (it uses
//! `a = 0.25`); for larger even `D` it rotates each plane `(0,1), (2,3), …` alike (a
//! block-diagonal rotation); for odd `D` the last coordinate is left unchanged. One uniform
//! draw per sample.
//!
//! ```
//! use selfsup_core::{augment::rotate::rotate_pairs, rng::seeded};
//! let mut x = [3.0f64, 4.0, 0.0, 1.0]; // two 2-D samples
//! rotate_pairs(&mut x, 2, 0.25, &mut seeded(1));
//! // rotations keep lengths
//! assert!(((x[0] * x[0] + x[1] * x[1]).sqrt() - 5.0).abs() < 1e-12);
//! assert!(((x[2] * x[2] + x[3] * x[3]).sqrt() - 1.0).abs() < 1e-12);
//! ```

use crate::Real;
use crate::rng::uniform;

/// Rotates every sample (column of `d` rows) of the column-major batch `x` by its own angle
/// `θ ~ U(−max_angle, max_angle)`, pairing coordinates `(0,1), (2,3), …`.
pub fn rotate_pairs<T: Real, R: rand_core::Rng + ?Sized>(x: &mut [T], d: usize, max_angle: T, rng: &mut R) {
    if d < 2 {
        return;
    }
    for col in x.chunks_exact_mut(d) {
        let th = uniform(rng, -max_angle, max_angle);
        let (s, c) = (th.sin_(), th.cos_());
        for p in col.chunks_exact_mut(2) {
            let (u, v) = (p[0], p[1]);
            p[0] = c * u - s * v;
            p[1] = s * u + c * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn angles_are_uniform_in_range_and_norms_kept() {
        let n = 20000;
        let mut x = [0.0f64; 3 * 20000];
        for c in x.chunks_exact_mut(3) {
            c.copy_from_slice(&[1.0, 0.0, 7.0]);
        }
        rotate_pairs(&mut x, 3, 0.25, &mut seeded(2));
        let mut sum = 0.0;
        let mut sq = 0.0;
        for c in x.chunks_exact(3) {
            assert_eq!(c[2], 7.0, "odd last coordinate untouched");
            assert!((c[0] * c[0] + c[1] * c[1] - 1.0).abs() < 1e-12);
            let th = c[1].atan2(c[0]);
            assert!(th.abs() <= 0.25);
            sum += th;
            sq += th * th;
        }
        let m = sum / n as f64;
        let var = sq / n as f64 - m * m;
        assert!(m.abs() < 0.005, "mean angle {m}");
        // U(−a, a) has variance a²/3
        assert!((var - 0.25 * 0.25 / 3.0).abs() < 0.001, "var {var}");
    }

    #[test]
    fn pairs_of_a_sample_share_the_angle() {
        let mut x = [1.0f32, 0.0, 1.0, 0.0];
        rotate_pairs(&mut x, 4, 1.0, &mut seeded(4));
        assert_eq!(x[0], x[2]);
        assert_eq!(x[1], x[3]);
        assert_ne!(x[1], 0.0);
    }
}
