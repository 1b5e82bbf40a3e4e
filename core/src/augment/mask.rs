//! Random feature masking: each feature of each sample is zeroed independently with
//! probability `p`: `x'_ij = m_ij · x_ij`, `m_ij ~ Bernoulli(1 − p)`.
//!
//! The masking augmentation of VIME (Yoon et al., 2020, "VIME: Extending the Success of Self-
//! and Semi-supervised Learning to Tabular Domain"), where it is applied to standardized
//! features (so zero is the mean). Spec `mask:0.2`. One uniform draw per feature.
//!
//! ```
//! use selfsup_core::{augment::mask::mask_features, rng::seeded};
//! let mut x = [1.0f32; 8];
//! mask_features(&mut x, 1.0, &mut seeded(1));
//! assert_eq!(x, [0.0; 8]);
//! let mut y = [1.0f32; 8];
//! mask_features(&mut y, 0.0, &mut seeded(1));
//! assert_eq!(y, [1.0; 8]);
//! ```

use crate::Real;

/// Zeroes each entry of the column-major batch `x` with probability `p` (draw `u ~ U[0, 1)`,
/// zero when `u < p`).
pub fn mask_features<T: Real, R: rand_core::Rng + ?Sized>(x: &mut [T], p: T, rng: &mut R) {
    for v in x.iter_mut() {
        if T::uniform01(rng) < p {
            *v = T::zero();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn masks_the_requested_fraction() {
        let mut x = [1.0f64; 50000];
        mask_features(&mut x, 0.3, &mut seeded(2));
        let zeros = x.iter().filter(|&&v| v == 0.0).count() as f64 / x.len() as f64;
        assert!((zeros - 0.3).abs() < 0.01, "masked fraction {zeros}");
        assert!(x.iter().all(|&v| v == 0.0 || v == 1.0));
    }
}
