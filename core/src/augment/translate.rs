//! Random translation of images: per sample, one offset `(dy, dx)` with `dy, dx ~ U(−m, m)`
//! pixels (independent draws, `dy` first), applied to every `H × W` plane of the sample alike,
//! interpolating linearly between pixels (bilinear, as a resampling crop does) and padding with
//! the edge. Along one axis of `n` pixels, with `s = k + f`, `k = ⌊s⌋`:
//!
//! `y_t = (1 − f) · x_{c(t − k)} + f · x_{c(t − k − 1)}`, `c(i) = clamp(i, 0, n − 1)`
//!
//! first along every row (`dx`), then along every column (`dy`); pixels are row-major, planes
//! one after the other, `dy > 0` moves the image down and `dx > 0` to the right. Spec
//! `translate:m`, `m ≥ 0` in pixels (default 0.5).
//!
//! Why: the random crop (resized back to the input size) is the augmentation every image SSL
//! method relies on — SimCLR (Chen et al. 2020, §3 and Fig. 5) finds crop the single most
//! important one. On small images a crop of a few pixels off the border is close to a
//! translation; scikit-learn's digits are 32 × 32 bitmaps summed over 4 × 4 blocks, so a shift
//! by one or two bitmap pixels is a quarter or a half of an 8 × 8 pixel, hence fractional
//! offsets and interpolation. A translation keeps the stroke width and runs in place.
//!
//! Why edge padding and not zeros: with weights summing to one, the interpolation commutes with
//! any affine map of the intensities (`x ↦ a x + b` over the whole image), up to rounding, so
//! translating a standardized image gives the standardized translated image; a zero would be
//! the mean intensity after standardizing, not the background. Where the border is background
//! (digits) the edge is the background.
//!
//! ```
//! use selfsup_core::{augment::translate::translate, rng::seeded};
//! // one 3 × 3 image holding a single lit pixel in its centre
//! let mut x = [0.0f64, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
//! translate(&mut x, 9, (3, 3), 0.5, &mut seeded(7));
//! // its ink is spread over at most 2 × 2 pixels and none is lost (the border is dark)
//! assert_eq!(x.iter().filter(|&&v| v > 0.0).count() <= 4, true);
//! assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-12);
//! assert!(x[4] >= 0.25);
//! ```

use crate::Real;
use crate::rng::uniform;

/// Translates every sample (column of `d` rows, `d / (H·W)` row-major `H × W` planes) of the
/// column-major batch `x` by its own `(dy, dx) ~ U(−m, m)²` pixels (`|dy| ≤ H − 1`,
/// `|dx| ≤ W − 1`), interpolating linearly between pixels and padding with the edge. Two
/// uniform draws per sample (`dy`, then `dx`), none when `m` is 0. Does nothing when `H·W` is 0
/// or does not divide `d` ([`super::Pipeline::validate`] rejects those shapes).
// Out of line: inlined into `Op::apply`, its locals enlarged every training step's frame
// (the Cortex-M0 ring step's stack budget is 768 B).
#[inline(never)]
pub fn translate<T: Real, R: rand_core::Rng + ?Sized>(
    x: &mut [T],
    d: usize,
    (height, width): (usize, usize),
    max_px: T,
    rng: &mut R,
) {
    let plane = height.saturating_mul(width);
    let positive = max_px.partial_cmp(&T::zero()) == Some(core::cmp::Ordering::Greater);
    if plane == 0 || d == 0 || d % plane != 0 || !positive {
        return;
    }
    for col in x.chunks_exact_mut(d) {
        let dy = split(uniform(rng, -max_px, max_px), height);
        let dx = split(uniform(rng, -max_px, max_px), width);
        for img in col.chunks_exact_mut(plane) {
            for row in img.chunks_exact_mut(width) {
                shift_strided(row, 1, width, dx);
            }
            for c in 0..width {
                shift_strided(&mut img[c..], width, height, dy);
            }
        }
    }
}

/// `s = k + f` with `k = ⌊s⌋` (clamped to `±n`, past which every pixel is the edge) and
/// `f ∈ [0, 1)`: the whole and the fractional part of an offset along an axis of `n` pixels.
fn split<T: Real>(s: T, n: usize) -> (isize, T) {
    let t = s.to_f64();
    let n = n as f64;
    let k = if t >= n {
        n
    } else if t <= -n {
        -n
    } else {
        let k = t as i64 as f64; // towards zero
        if k > t { k - 1.0 } else { k }
    };
    let f = s - T::of_f64(k);
    if k == t || f < T::zero() || f >= T::one() { (k as isize, T::zero()) } else { (k as isize, f) }
}

/// In place `y_t = (1 − f) · v_{c(t − k)} + f · v_{c(t − k − 1)}`, `c(i) = clamp(i, 0, n − 1)`,
/// over the `n` elements `v[0], v[stride], …`: the values at `t − s` for `s = k + f`, linearly
/// interpolated, edge-padded. Walking away from the source keeps every read ahead of the
/// writes (both reads are at or behind `t` when `k ≥ 0`, at or ahead of it when `k < 0`).
fn shift_strided<T: Real>(v: &mut [T], stride: usize, n: usize, (k, f): (isize, T)) {
    let at = |i: isize| (i.clamp(0, n as isize - 1) as usize) * stride;
    let g = T::one() - f;
    let step = |v: &mut [T], t: usize| {
        let (a, b) = (v[at(t as isize - k)], v[at(t as isize - k - 1)]);
        v[t * stride] = if f == T::zero() { a } else { g * a + f * b };
    };
    if k >= 0 {
        for t in (0..n).rev() {
            step(v, t);
        }
    } else {
        for t in 0..n {
            step(v, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    /// The bilinear formula on the image `(r, c) ↦ g(r, c)`, for offsets `dy`, `dx`.
    fn bilinear(
        g: &dyn Fn(usize, usize) -> f64,
        (h, w): (usize, usize),
        dy: f64,
        dx: f64,
        r: usize,
        c: usize,
    ) -> f64 {
        let clamp = |i: f64, n: usize| (i.max(0.0) as usize).min(n - 1);
        let (ky, fy, kx, fx) = (dy.floor(), dy - dy.floor(), dx.floor(), dx - dx.floor());
        let at = |i: f64, j: f64| g(clamp(i, h), clamp(j, w));
        let (r, c) = (r as f64, c as f64);
        let row = |i: f64| (1.0 - fx) * at(i, c - kx) + fx * at(i, c - kx - 1.0);
        (1.0 - fy) * row(r - ky) + fy * row(r - ky - 1.0)
    }

    #[test]
    fn split_gives_floor_and_fraction() {
        assert_eq!(split(1.25f64, 8), (1, 0.25));
        assert_eq!(split(-0.25f64, 8), (-1, 0.75));
        assert_eq!(split(-2.0f64, 8), (-2, 0.0));
        assert_eq!(split(0.0f64, 8), (0, 0.0));
        assert_eq!(split(30.5f64, 8), (8, 0.0));
        assert_eq!(split(-30.5f32, 8), (-8, 0.0));
    }

    #[test]
    fn shift_strided_interpolates_and_pads_with_edges() {
        let mut a = [0.0, 1.0, 2.0, 3.0, 4.0];
        shift_strided(&mut a, 1, 5, (2, 0.0));
        assert_eq!(a, [0.0, 0.0, 0.0, 1.0, 2.0]);
        let mut a = [0.0, 9.0, 4.0, 9.0, 8.0, 9.0];
        shift_strided(&mut a, 2, 3, (-1, 0.5)); // s = −0.5
        assert_eq!(a, [2.0, 9.0, 6.0, 9.0, 8.0, 9.0]);
        let mut a = [0.0, 4.0, 8.0];
        shift_strided(&mut a, 1, 3, (0, 0.25)); // s = 0.25
        assert_eq!(a, [0.0, 3.0, 7.0]);
    }

    /// Every sample matches the bilinear formula for offsets in range, all planes of a sample
    /// share them, and the offsets are uniform on (−m, m).
    #[test]
    fn translations_follow_the_formula_and_are_uniform() {
        let (h, w, planes, n, m) = (4, 5, 2, 4000, 1.5);
        let d = planes * h * w;
        let g = |r: usize, c: usize| (r * r + 3 * c) as f64;
        let mut x = alloc::vec![0.0f64; d * n];
        for col in x.chunks_exact_mut(d) {
            for (k, v) in col.iter_mut().enumerate() {
                *v = g(k % (h * w) / w, k % w) + 100.0 * (k / (h * w)) as f64;
            }
        }
        translate(&mut x, d, (h, w), m, &mut seeded(3));
        let mut rng = seeded(3);
        let (mut sum, mut sq) = (0.0, 0.0);
        for col in x.chunks_exact(d) {
            let dy: f64 = uniform(&mut rng, -m, m);
            let dx: f64 = uniform(&mut rng, -m, m);
            assert!(dy.abs() < m && dx.abs() < m);
            for r in 0..h {
                for c in 0..w {
                    let want = bilinear(&g, (h, w), dy, dx, r, c);
                    assert!((col[r * w + c] - want).abs() < 1e-12, "({r}, {c}) dy {dy} dx {dx}");
                    assert!((col[h * w + r * w + c] - want - 100.0).abs() < 1e-12);
                }
            }
            sum += dy + dx;
            sq += dy * dy + dx * dx;
        }
        let (mean, var) = (sum / (2 * n) as f64, sq / (2 * n) as f64);
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - m * m / 3.0).abs() < 0.03, "var {var}"); // U(−m, m): m²/3
    }

    /// Translation commutes with an affine map of the intensities (the reason for edge
    /// padding), up to rounding.
    #[test]
    fn commutes_with_affine_intensity_maps() {
        let x: [f64; 12] = core::array::from_fn(|k| ((k * 7) % 5) as f64);
        let (mut a, mut b) = (x, x.map(|v| 2.0 * v - 3.0));
        translate(&mut a, 12, (3, 4), 2.0, &mut seeded(9));
        translate(&mut b, 12, (3, 4), 2.0, &mut seeded(9));
        assert_ne!(a, x);
        for (u, v) in a.map(|v| 2.0 * v - 3.0).iter().zip(&b) {
            assert!((u - v).abs() < 1e-12);
        }
    }

    #[test]
    fn zero_is_the_identity_and_bad_shapes_are_left_alone() {
        let x: [f32; 8] = core::array::from_fn(|k| k as f32);
        let mut y = x;
        translate(&mut y, 8, (2, 4), 0.0, &mut seeded(1));
        assert_eq!(y, x);
        translate(&mut y, 8, (3, 3), 1.0, &mut seeded(1));
        assert_eq!(y, x);
        // a 1 × 4 image moves along its row only and stays monotone
        for seed in 0..50 {
            let mut y = [0.0f64, 1.0, 2.0, 3.0];
            translate(&mut y, 4, (1, 4), 10.0, &mut seeded(seed));
            assert!(y.windows(2).all(|p| p[1] >= p[0] && p[1] - p[0] <= 1.0), "{y:?}");
        }
    }
}
