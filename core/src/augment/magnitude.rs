//! Magnitude scaling for time series (Um et al., 2017, "Data Augmentation of Wearable Sensor
//! Data for Parkinson's Disease Monitoring using Convolutional Neural Networks"): every
//! channel of every sample is multiplied by its own factor `s ~ N(1, σ²)`:
//!
//! `x'_{c·L + t, j} = s_{c,j} · x_{c·L + t, j}`
//!
//! with the channel-major layout of a sample: `C` channels of `L = D / C` steps each, feature
//! `c·L + t` being channel `c` at time `t`. With `C = 1` (tabular rows) every sample gets one
//! factor. Um et al. use σ = 0.1 on raw signals; the probe's default for standardized series
//! is σ = 0.2 (spec `scale:0.2`). Normals are drawn sample by sample, channel by channel, with
//! no draw wasted ([`super::noise::Normals`]).
//!
//! ```
//! use selfsup_core::{augment::magnitude::scale_magnitude, rng::seeded};
//! // one sample, 2 channels × 3 steps
//! let mut x = [1.0f64, 2.0, 3.0, 1.0, 1.0, 1.0];
//! scale_magnitude(&mut x, 6, 2, 0.2, &mut seeded(1));
//! assert_eq!(x[1], 2.0 * x[0]);
//! assert_eq!(x[2], 3.0 * x[0]);
//! assert_eq!(x[3], x[4]);
//! ```

use super::noise::Normals;
use crate::Real;

/// Multiplies each channel (`L = d / channels` consecutive features) of each sample of the
/// column-major batch `x` by `1 + σ · N(0, 1)`. Features past `channels · L` (when `channels`
/// does not divide `d`) are left unchanged; [`super::Pipeline::validate`] rejects that case.
pub fn scale_magnitude<T: Real, R: rand_core::Rng + ?Sized>(
    x: &mut [T],
    d: usize,
    channels: usize,
    std: T,
    rng: &mut R,
) {
    if d == 0 || channels == 0 || channels > d || std == T::zero() {
        return;
    }
    let len = d / channels;
    let mut normals = Normals::new();
    for col in x.chunks_exact_mut(d) {
        for ch in col.chunks_exact_mut(len).take(channels) {
            let s = T::one() + std * normals.next(rng);
            for v in ch.iter_mut() {
                *v *= s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn factors_are_normal_around_one_per_channel() {
        let (c, l, n) = (3, 4, 5000);
        let mut x = [1.0f64; 3 * 4 * 5000];
        scale_magnitude(&mut x, c * l, c, 0.2, &mut seeded(8));
        let mut sum = 0.0;
        let mut sq = 0.0;
        for ch in x.chunks_exact(l) {
            assert!(ch.iter().all(|&v| v == ch[0]), "one factor per channel");
            sum += ch[0];
            sq += ch[0] * ch[0];
        }
        let m = sum / (c * n) as f64;
        let s = (sq / (c * n) as f64 - m * m).sqrt();
        assert!((m - 1.0).abs() < 0.01, "mean {m}");
        assert!((s - 0.2).abs() < 0.01, "std {s}");
        // channels of one sample differ
        assert_ne!(x[0], x[l]);
    }
}
