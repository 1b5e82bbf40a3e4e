//! SCARF corruption (Bahri et al., 2022, "SCARF: Self-Supervised Contrastive Learning using
//! Random Feature Corruption"): each feature `i` of each sample `j` is, with probability `p`,
//! replaced by the same feature of a random sample `r` of the batch:
//!
//! `x'_ij = x_{i, r_ij}` with `r_ij ~ U{0 … B−1}` if `u_ij < p`, else `x'_ij` unchanged.
//!
//! This draws the replacement from the feature's empirical marginal distribution (the paper
//! uses the whole training set; the batch is its no-allocation stand-in, and `r_ij = j` is
//! allowed, as a draw from the marginal may repeat the value). The paper's default corruption
//! rate is `p = 0.6`. Replacements are read from the **clean** batch (`src`), so samples
//! corrupted earlier in the batch never leak into later ones and the op can run in place on
//! the output of earlier augmentations. Spec `scarf:0.6`. Per feature: one uniform draw, and
//! one index draw when replaced.
//!
//! ```
//! use selfsup_core::{augment::scarf::scarf_corrupt, rng::seeded};
//! let src = [1.0f64, 10.0, 2.0, 20.0, 3.0, 30.0]; // 3 samples of 2 features
//! let mut x = src;
//! scarf_corrupt(&src, &mut x, 2, 1.0, &mut seeded(4));
//! // every feature now comes from some sample, feature 0 from {1,2,3}, feature 1 from {10,20,30}
//! assert!(x.chunks(2).all(|c| [1.0, 2.0, 3.0].contains(&c[0]) && [10.0, 20.0, 30.0].contains(&c[1])));
//! ```

use crate::Real;
use crate::rng::index;

/// Replaces each entry of the column-major batch `x` (columns of `d` rows), with probability
/// `p`, by the same row of a uniformly drawn column of `src` (same shape as `x`).
pub fn scarf_corrupt<T: Real, R: rand_core::Rng + ?Sized>(
    src: &[T],
    x: &mut [T],
    d: usize,
    p: T,
    rng: &mut R,
) {
    if d == 0 || p == T::zero() {
        return;
    }
    let b = src.len().min(x.len()) / d;
    for col in x.chunks_exact_mut(d).take(b) {
        for (i, v) in col.iter_mut().enumerate() {
            if T::uniform01(rng) < p {
                *v = src[index(rng, b) * d + i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn replaces_from_the_same_feature_at_rate_p() {
        // feature i of sample j is 1000 i + j: the value names both
        let (d, b) = (5, 200);
        let mut src = [0.0f64; 5 * 200];
        for (k, v) in src.iter_mut().enumerate() {
            *v = (1000 * (k % d) + k / d) as f64;
        }
        let mut x = src;
        scarf_corrupt(&src, &mut x, d, 0.4, &mut seeded(7));
        let mut changed = 0;
        let mut hit = [0usize; 200];
        for (k, &v) in x.iter().enumerate() {
            let (i, j) = (k % d, k / d);
            let (fi, fj) = ((v as usize) / 1000, (v as usize) % 1000);
            assert_eq!(fi, i, "feature kept its row");
            hit[fj] += 1;
            if fj != j {
                changed += 1;
            }
        }
        // P(changed) = p (1 − 1/B)
        let rate = changed as f64 / (d * b) as f64;
        let want = 0.4 * (1.0 - 1.0 / b as f64);
        assert!((rate - want).abs() < 0.03, "rate {rate} vs {want}");
        assert!(hit.iter().filter(|&&h| h > 0).count() > 190, "donors spread over the batch");
    }
}
