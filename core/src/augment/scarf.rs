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
use crate::rng::{index, index_of};

/// Words drawn ahead by the block form of [`scarf_corrupt`] (320 bytes of stack with their
/// flags).
const WORDS: usize = 64;

/// Replaces each entry of the column-major batch `x` (columns of `d` rows), with probability
/// `p`, by the same row of a uniformly drawn column of `src` (same shape as `x`).
///
/// Entries are visited in storage order; each draws its uniform `u`, and when `u < p` the next
/// draw picks the donor column. For types whose uniform is one `next_u32` word (`f32`, see
/// [`Real::uniform01_of_u32`]) the words are drawn a block at a time and the entries then
/// consume them without a branch (a hit takes two words, a miss one); the block never holds
/// more words than the entries left could take, so the generator ends where the one-by-one
/// loop ends, with the same draws and the same output.
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
    let x = &mut x[..b * d];
    if T::uniform01_of_u32(0).is_some() {
        return scarf_blocks(src, x, d, p, rng);
    }
    for col in x.chunks_exact_mut(d) {
        for (i, v) in col.iter_mut().enumerate() {
            if T::uniform01(rng) < p {
                *v = src[index(rng, b) * d + i];
            }
        }
    }
}

/// [`scarf_corrupt`] for uniforms made from one `next_u32` word, on `x` of `b · d` entries.
/// Not inlined, so its buffers are on the stack only while SCARF runs.
#[inline(never)]
fn scarf_blocks<T: Real, R: rand_core::Rng + ?Sized>(src: &[T], x: &mut [T], d: usize, p: T, rng: &mut R) {
    let b = x.len() / d;
    let mut buf = [0u32; WORDS];
    let mut hits = [0u8; WORDS];
    let (mut have, mut pos) = (0, 0);
    let (mut e, mut i) = (0, 0); // entry, and its row `e mod d`
    while e < x.len() {
        // Keep the unused word (at most one), then draw up to one word per entry left: each
        // entry takes at least one, so every word drawn is used.
        buf.copy_within(pos..have, 0);
        let kept = have - pos;
        have = kept.max(WORDS.min(x.len() - e));
        for w in &mut buf[kept..have] {
            *w = rng.next_u32();
        }
        // Whether each word, read as an entry's uniform, is below `p` (independent words:
        // this loop vectorizes; a donor word's flag is computed and not used).
        for (h, &w) in hits.iter_mut().zip(&buf[..have]) {
            *h = T::uniform01_of_u32(w).is_some_and(|u| u < p) as u8;
        }
        pos = 0;
        if have < 2 {
            // The last entry, with one word: its donor, if any, is drawn now.
            if hits[0] == 1 {
                x[e] = src[index(rng, b) * d + i];
            }
            return;
        }
        // Each entry reads its donor's value whether or not it is replaced and picks one of
        // the two by an integer mask, so the loop has no branch that depends on the draws;
        // `pos + 1 < have` keeps the donor word inside the block.
        while pos + 1 < have && e < x.len() {
            let h = hits[pos] as u64;
            let donor = src[index_of(buf[pos + 1], b) * d + i].bits();
            let mask = h.wrapping_neg();
            x[e] = T::of_bits((donor & mask) | (x[e].bits() & !mask));
            pos += 1 + h as usize;
            e += 1;
            i += 1;
            if i == d {
                i = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    /// The one-by-one loop of the module docs, for comparison.
    fn plain<R: rand_core::Rng>(src: &[f32], x: &mut [f32], d: usize, p: f32, rng: &mut R) {
        let b = src.len() / d;
        for col in x.chunks_exact_mut(d) {
            for (i, v) in col.iter_mut().enumerate() {
                if f32::uniform01(rng) < p {
                    *v = src[index(rng, b) * d + i];
                }
            }
        }
    }

    /// The block form draws the same words in the same order as the one-by-one loop, gives the
    /// same output and leaves the generator in the same state, for every rate (0.999 makes
    /// almost every entry take two words, so blocks end on a single kept word) and for
    /// batches shorter and longer than one block.
    #[test]
    fn blocks_match_the_one_by_one_loop() {
        use rand_core::Rng as _;
        for (d, b) in [(1, 1), (1, 2), (3, 1), (5, 7), (64, 128), (7, 33)] {
            let src: [f32; 64 * 128] = core::array::from_fn(|k| k as f32 * 0.5 - 3.0);
            let src = &src[..d * b];
            for p in [0.001f32, 0.4, 0.6, 0.999, 1.0] {
                for seed in 0..4 {
                    let (mut r1, mut r2) = (seeded(seed), seeded(seed));
                    let mut want = [0.0f32; 64 * 128];
                    let mut got = [0.0f32; 64 * 128];
                    for (k, (w, g)) in want.iter_mut().zip(got.iter_mut()).take(d * b).enumerate() {
                        (*w, *g) = (k as f32, k as f32);
                    }
                    plain(src, &mut want[..d * b], d, p, &mut r1);
                    scarf_corrupt(src, &mut got[..d * b], d, p, &mut r2);
                    assert_eq!(want, got, "d {d} b {b} p {p} seed {seed}");
                    assert_eq!(r1.next_u64(), r2.next_u64(), "generator state, d {d} b {b} p {p}");
                }
            }
        }
    }

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
