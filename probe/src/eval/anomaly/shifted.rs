//! Shifted negatives for one-class contrastive training (Tack et al. 2020, CSI: "Novelty
//! Detection via Contrastive Learning on Distributionally Shifted Instances"; the random
//! transformations of tabular rows follow Bergman & Hoshen 2020, GOAD).
//!
//! A normal row `x` (standardized, `d` features) gives `K` shifted rows `P_j x`, `j = 1..K`,
//! where `P_j` is a fixed random permutation of the features, drawn once from the seed. Added to
//! the training rows as instances of their own, the contrastive loss (NT-Xent) pushes every
//! normal row away from the shifted rows: the encoder must tell the normal class's structure
//! (which feature carries which value) from a row with the same values in other places. The
//! kNN memory of the detector holds the normal rows only.
//!
//! ```
//! use probe::eval::anomaly::shifted::shifted_copies;
//! let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // two rows, three features
//! let s = shifted_copies(&x, 3, 2, 7);
//! assert_eq!(s.len(), 2 * x.len());
//! // every shifted row holds the values of its row, permuted
//! for (j, r) in s.chunks(3).enumerate() {
//!     let mut v = r.to_vec();
//!     v.sort_by(f64::total_cmp);
//!     assert_eq!(v, x[(j % 2) * 3..(j % 2) * 3 + 3]);
//! }
//! ```

use selfsup_core::rng::{seeded, shuffle};

/// `k` shifted copies of the rows of `x` (row-major, `d` columns): copy `j` holds every row
/// under permutation `P_j` of the features (`(P_j x)_i = x_{π_j(i)}`), the copies one after
/// the other. The permutations depend only on `seed` and `j`.
pub fn shifted_copies(x: &[f64], d: usize, k: usize, seed: u64) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len() * k);
    for j in 0..k {
        let mut perm: Vec<usize> = (0..d).collect();
        shuffle(
            &mut seeded(seed ^ 0x5A1F_7ED0_0000 ^ (j as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            &mut perm,
        );
        for row in x.chunks_exact(d) {
            out.extend(perm.iter().map(|&p| row[p]));
        }
    }
    out
}
