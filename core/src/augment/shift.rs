//! Random time shift for channel-major time series: per sample, one shift
//! `s ~ U{−m … m}` steps applied to all `C` channels alike, with edge padding:
//!
//! `x'_{c·L + t} = x_{c·L + clamp(t − s, 0, L − 1)}`
//!
//! (`s > 0` delays the series and repeats its first value, `s < 0` advances it and repeats its
//! last value). `m` is given as a fraction of the length: `m = round(frac · L)`, capped at
//! `L − 1`; spec `shift:0.1`.
//!
//! Why a shift and not crop-and-resize: a shift keeps the time scale (frequencies and
//! durations of motions are unchanged), needs no interpolation and runs in place; the PyTorch
//! study on basic_motions this project aims at found a shift of 3–10 % of the length crucial
//! (without it the learned representation fell apart), and a shift of the whole window is the
//! translation invariance that cropping is meant to give. Edge padding (rather than zeros or
//! wrap-around) adds no artificial jumps to standardized signals.
//!
//! ```
//! use selfsup_core::{augment::shift::time_shift, rng::seeded};
//! // one sample, 2 channels of length 4
//! let mut x = [0.0f64, 1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 13.0];
//! time_shift(&mut x, 8, 2, 1, &mut seeded(5));
//! // both channels moved together, by at most one step, padded with their edge values
//! for t in 0..4 {
//!     assert_eq!(x[4 + t], x[t] + 10.0);
//!     assert!((x[t] - t as f64).abs() <= 1.0);
//! }
//! ```

use crate::Real;
use crate::rng::index;

/// Shifts every sample (column of `d` rows = `channels` × `L`) of the column-major batch `x`
/// by its own `s ~ U{−max_steps … max_steps}` (capped at `L − 1`), edge-padded. One index draw
/// per sample.
pub fn time_shift<T: Real, R: rand_core::Rng + ?Sized>(
    x: &mut [T],
    d: usize,
    channels: usize,
    max_steps: usize,
    rng: &mut R,
) {
    if d == 0 || channels == 0 || channels > d {
        return;
    }
    let len = d / channels;
    let m = max_steps.min(len - 1);
    if m == 0 {
        return;
    }
    for col in x.chunks_exact_mut(d) {
        let s = index(rng, 2 * m + 1) as isize - m as isize;
        for ch in col.chunks_exact_mut(len).take(channels) {
            shift_one(ch, s);
        }
    }
}

/// Shift steps for a fraction `frac` of a length `len`: `round(frac · len)`.
pub fn max_steps(frac: f64, len: usize) -> usize {
    let m = frac * len as f64 + 0.5;
    if m >= 1.0 { m as usize } else { 0 }
}

/// In place `y_t = x_{clamp(t − s, 0, L − 1)}`: walking away from the source keeps every read
/// ahead of the writes.
fn shift_one<T: Copy>(ch: &mut [T], s: isize) {
    let len = ch.len();
    let s_abs = s.unsigned_abs();
    if s > 0 {
        for t in (0..len).rev() {
            ch[t] = ch[t.saturating_sub(s_abs)];
        }
    } else if s < 0 {
        for t in 0..len {
            ch[t] = ch[(t + s_abs).min(len - 1)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn shift_one_pads_with_edges() {
        let mut a = [0, 1, 2, 3, 4];
        shift_one(&mut a, 2);
        assert_eq!(a, [0, 0, 0, 1, 2]);
        let mut a = [0, 1, 2, 3, 4];
        shift_one(&mut a, -2);
        assert_eq!(a, [2, 3, 4, 4, 4]);
        let mut a = [0, 1, 2, 3, 4];
        shift_one(&mut a, 0);
        assert_eq!(a, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn shifts_are_uniform_and_shared_by_channels() {
        let (c, l, n, m) = (2, 10, 9000, 2);
        let mut x = [0.0f64; 2 * 10 * 9000];
        for col in x.chunks_exact_mut(c * l) {
            for (k, v) in col.iter_mut().enumerate() {
                *v = (k % l) as f64 + 100.0 * (k / l) as f64;
            }
        }
        time_shift(&mut x, c * l, c, m, &mut seeded(3));
        let mut counts = [0usize; 5];
        for col in x.chunks_exact(c * l) {
            // the middle step t = 5 now holds x_{5 − s}
            let s = 5 - col[5] as isize;
            assert!(s.unsigned_abs() <= m);
            for t in 0..l {
                let want = (t as isize - s).clamp(0, l as isize - 1) as f64;
                assert_eq!(col[t], want);
                assert_eq!(col[l + t], want + 100.0);
            }
            counts[(s + m as isize) as usize] += 1;
        }
        for &k in &counts {
            assert!((k as f64 / n as f64 - 0.2).abs() < 0.02, "{counts:?}");
        }
    }

    #[test]
    fn max_steps_rounds() {
        assert_eq!(max_steps(0.1, 100), 10);
        assert_eq!(max_steps(0.03, 100), 3);
        assert_eq!(max_steps(0.0, 100), 0);
        assert_eq!(max_steps(0.04, 10), 0);
        assert_eq!(max_steps(0.05, 10), 1);
    }
}
