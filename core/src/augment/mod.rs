//! Augmentations: random, label-preserving transformations that make the two views of a
//! sample. They define which invariances self-supervised learning learns.
//!
//! Every operation works on a whole batch in the crate's layout (**samples are columns**: a
//! `D × B` matrix, column-major), draws from any `rand_core` generator, allocates nothing, and
//! is written once for `f32`/`f64` and for every dimension type. One concept per module:
//!
//! | spec | module | what it does (per sample `j`, feature `i`) | default |
//! |---|---|---|---|
//! | `noise:σ` | [`noise`] | `x += σ N(0,1)` | σ = 0.1 |
//! | `jitter:σ` | [`noise`] | the same, for time series (Um et al., 2017) | σ = 0.1 |
//! | `rotate:a` | [`rotate`] | rotate coordinate pairs by `θ ~ U(−a, a)` (the reference programs' ring augmentation) | a = 0.25 |
//! | `uscale:lo:hi` | [`scale`] | `x_{:,j} *= U(lo, hi)`; `uscale:v` is `U(1 − v, 1 + v)` | 0.8 : 1.2 |
//! | `scale:σ` | [`magnitude`] | each channel `*= N(1, σ²)` (Um et al., 2017) | σ = 0.2 |
//! | `mask:p` | [`mask`] | zero each feature w.p. `p` (VIME) | p = 0.2 |
//! | `scarf:p` | [`scarf`] | replace each feature w.p. `p` by the same feature of a random sample of the batch (Bahri et al., 2022) | p = 0.6 |
//! | `shift:f` | [`shift`] | shift all channels by `s ~ U{−m … m}`, `m = round(f L)`, edge-padded | f = 0.1 |
//! | `translate:m` | [`translate`] | translate an image by `(dy, dx) ~ U(−m, m)²` pixels, bilinear, edge-padded (SimCLR's crop on small images) | m = 0.5 |
//!
//! A value left out (`"scarf"`) takes the default. Time-series operations see a sample as
//! `C` channels of `L = D / C` steps, channel-major (feature `c·L + t`); `C` is set with
//! [`Pipeline::with_channels`] (1 by default: tabular rows). `translate` sees a sample as
//! row-major `H × W` images (feature `r·W + c`, planes one after the other), set with
//! [`Pipeline::with_image`].
//!
//! A [`Pipeline`] applies its operations in the order given, each on the output of the
//! previous one (SCARF reads its replacement values from the clean input batch). The reference program's
//! ring augmentation — rotate by `U(−0.25, 0.25)`, **then** add `N(0, 0.05²)` — is
//! `"rotate:0.25,noise:0.05"` = [`Pipeline::reference_ring`].
//!
//! ```
//! use nalgebra::SMatrix;
//! use selfsup_core::{augment::Pipeline, rng::seeded};
//! let aug: Pipeline = "rotate:0.25,noise:0.05".parse().unwrap();
//! assert_eq!(aug, Pipeline::reference_ring());
//! assert_eq!(aug.to_string(), "rotate:0.25,noise:0.05");
//! let x = SMatrix::<f32, 2, 64>::from_fn(|i, _| if i == 0 { 1.0 } else { 0.0 });
//! let mut view = SMatrix::<f32, 2, 64>::zeros();
//! aug.apply(&x, &mut view, &mut seeded(1));
//! assert!((view - x).abs().max() < 0.5);
//! ```

pub mod magnitude;
pub mod mask;
pub mod noise;
pub mod rotate;
pub mod scale;
pub mod scarf;
pub mod shift;
mod spec;
pub mod translate;

pub use spec::{SpecError, Token};

use crate::Real;
use crate::dims::Batch;
use nalgebra::{DefaultAllocator, Dim, allocator::Allocator};

/// Most operations a [`Pipeline`] holds (fixed capacity: no allocation).
pub const MAX_OPS: usize = 8;

/// One augmentation with its parameters (kept as the `f64` values of the spec, so the
/// pipeline prints back exactly what was parsed and serves `f32` and `f64` alike).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Additive Gaussian noise `N(0, std²)` on every feature ([`noise::add_noise`]).
    Noise {
        /// Standard deviation σ.
        std: f64,
    },
    /// Time-series jitter: additive `N(0, std²)`, the same operation as `Noise`
    /// ([`noise::add_noise`]).
    Jitter {
        /// Standard deviation σ.
        std: f64,
    },
    /// Rotation of coordinate pairs by `θ ~ U(−max_angle, max_angle)` radians
    /// ([`rotate::rotate_pairs`]).
    Rotate {
        /// Largest angle `a` (radians).
        max_angle: f64,
    },
    /// Per-sample scaling by `U(lo, hi)` ([`scale::scale_uniform`]).
    UniformScale {
        /// Smallest factor.
        lo: f64,
        /// Largest factor (exclusive).
        hi: f64,
    },
    /// Per-channel magnitude scaling by `N(1, std²)` ([`magnitude::scale_magnitude`]).
    MagnitudeScale {
        /// Standard deviation σ of the factor.
        std: f64,
    },
    /// Zero each feature with probability `p` ([`mask::mask_features`]).
    Mask {
        /// Masking probability.
        p: f64,
    },
    /// SCARF: replace each feature with probability `p` by the same feature of a random sample
    /// of the batch ([`scarf::scarf_corrupt`]).
    Scarf {
        /// Corruption rate.
        p: f64,
    },
    /// Time shift of all channels by up to `round(max_frac · L)` steps, edge-padded
    /// ([`shift::time_shift`]).
    TimeShift {
        /// Largest shift as a fraction of the series length `L`.
        max_frac: f64,
    },
    /// Image translation by `(dy, dx) ~ U(−max_px, max_px)²` pixels, bilinear, edge-padded
    /// ([`translate::translate`]).
    Translate {
        /// Largest offset `m` in pixels.
        max_px: f64,
    },
}

impl Op {
    /// The spec name of the operation (`noise`, `jitter`, `rotate`, `uscale`, `scale`, `mask`,
    /// `scarf`, `shift`, `translate`).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Noise { .. } => "noise",
            Op::Jitter { .. } => "jitter",
            Op::Rotate { .. } => "rotate",
            Op::UniformScale { .. } => "uscale",
            Op::MagnitudeScale { .. } => "scale",
            Op::Mask { .. } => "mask",
            Op::Scarf { .. } => "scarf",
            Op::TimeShift { .. } => "shift",
            Op::Translate { .. } => "translate",
        }
    }

    /// Applies the operation in place to the column-major batch `x` (columns of `d` rows),
    /// drawing from `rng`. `src` is the clean batch (same shape; SCARF reads from it) and
    /// `channels` the number of time-series channels (1 for tabular rows) and `image` the
    /// `(H, W)` of an image's planes (`(0, 0)` when the data are not images).
    // Out of line, so that its arms' locals stay out of the training step's frame: inlined,
    // they took the Cortex-M0 ring step to 828 B of its 768 B stack budget (740 B now).
    #[inline(never)]
    pub fn apply<T: Real, R: rand_core::Rng + ?Sized>(
        &self,
        src: &[T],
        x: &mut [T],
        d: usize,
        (channels, image): (usize, (usize, usize)),
        rng: &mut R,
    ) {
        let t = T::of_f64;
        match *self {
            Op::Noise { std } | Op::Jitter { std } => noise::add_noise(x, t(std), rng),
            Op::Rotate { max_angle } => rotate::rotate_pairs(x, d, t(max_angle), rng),
            Op::UniformScale { lo, hi } => scale::scale_uniform(x, d, t(lo), t(hi), rng),
            Op::MagnitudeScale { std } => magnitude::scale_magnitude(x, d, channels, t(std), rng),
            Op::Mask { p } => mask::mask_features(x, t(p), rng),
            Op::Scarf { p } => scarf::scarf_corrupt(src, x, d, t(p), rng),
            Op::TimeShift { max_frac } => {
                let len = d.checked_div(channels).unwrap_or(0);
                shift::time_shift(x, d, channels, shift::max_steps(max_frac, len), rng)
            }
            Op::Translate { max_px } => translate::translate(x, d, image, t(max_px), rng),
        }
    }

    fn is_time_series(&self) -> bool {
        matches!(self, Op::MagnitudeScale { .. } | Op::TimeShift { .. })
    }
}

/// An ordered list of augmentations (at most [`MAX_OPS`]) and the channel count of the data.
///
/// Build it from a spec string (`"jitter:0.1,scale:0.2,shift:0.1"`, see the [module
/// docs](self) for names and defaults) with [`str::parse`] / [`Pipeline::parse`], or with
/// [`Pipeline::then`]. `Display` prints the spec back (`"none"` for the empty pipeline, which
/// copies its input).
///
/// ```
/// use selfsup_core::augment::{Op, Pipeline};
/// let p = Pipeline::new().then(Op::Jitter { std: 0.1 }).unwrap().with_channels(6);
/// assert_eq!(p.to_string(), "jitter:0.1");
/// assert!(p.validate(600).is_ok());
/// assert!(Pipeline::parse("shift:0.1").unwrap().with_channels(7).validate(600).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    ops: heapless::Vec<Op, MAX_OPS>,
    channels: usize,
    image: (usize, usize),
}

impl Default for Pipeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Pipeline {
    /// The empty pipeline (views are copies of the input), one channel.
    pub const fn new() -> Self {
        Self { ops: heapless::Vec::new(), channels: 1, image: (0, 0) }
    }

    /// The reference ring program's augmentation: rotation by `U(−0.25, 0.25)` then `N(0, 0.05²)`
    /// noise (`"rotate:0.25,noise:0.05"`).
    pub fn reference_ring() -> Self {
        let mut p = Self::new();
        // Two ops always fit.
        let _ = p.ops.push(Op::Rotate { max_angle: 0.25 });
        let _ = p.ops.push(Op::Noise { std: 0.05 });
        p
    }

    /// Parses a spec such as `"rotate:0.25,noise:0.05"` (see [`SpecError`] for what is
    /// rejected). Same as `spec.parse::<Pipeline>()`.
    pub fn parse(spec: &str) -> Result<Self, SpecError> {
        spec.parse()
    }

    /// Appends an operation (applied after the ones already there); fails when full.
    pub fn then(mut self, op: Op) -> Result<Self, SpecError> {
        self.ops.push(op).map_err(|_| SpecError::TooMany { max: MAX_OPS })?;
        Ok(self)
    }

    /// Sets the number of time-series channels `C` (a sample is `C` channel-major series of
    /// `D / C` steps). `0` is treated as 1.
    pub fn with_channels(mut self, channels: usize) -> Self {
        self.channels = channels.max(1);
        self
    }

    /// The number of time-series channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Declares the samples row-major images of `height × width` pixels (one plane, or
    /// `D / (H·W)` planes one after the other), which `translate` needs.
    pub fn with_image(mut self, height: usize, width: usize) -> Self {
        self.image = (height, width);
        self
    }

    /// The image size `(H, W)` set with [`Pipeline::with_image`], `None` when not set.
    pub fn image(&self) -> Option<(usize, usize)> {
        (self.image.0.saturating_mul(self.image.1) > 0).then_some(self.image)
    }

    /// The operations, in application order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Whether the pipeline has no operation.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Checks the pipeline against samples of `d` features: time-series operations need the
    /// channel count to divide `d`; rotation needs `d ≥ 2`; translation needs an image size
    /// whose pixel count divides `d`.
    pub fn validate(&self, d: usize) -> Result<(), SpecError> {
        for op in &self.ops {
            if matches!(op, Op::Translate { .. }) {
                let px = self.image.0.saturating_mul(self.image.1);
                if px == 0 || d % px != 0 {
                    return Err(SpecError::Image { d, image: self.image() });
                }
            }
            if op.is_time_series() && (d == 0 || d % self.channels != 0) {
                return Err(SpecError::Channels { op: op.name(), d, channels: self.channels });
            }
            if matches!(op, Op::Rotate { .. }) && d < 2 {
                return Err(SpecError::RotateNeedsPairs { d });
            }
        }
        Ok(())
    }

    /// `out = augment(x)`: copies the batch and applies every operation in order. `x` and
    /// `out` are `D × B` batches (samples are columns).
    ///
    /// # Panics
    /// If `x` and `out` differ in shape (only possible with `Dyn` sizes).
    pub fn apply<T: Real, D: Dim, B: Dim, R: rand_core::Rng + ?Sized>(
        &self,
        x: &Batch<T, D, B>,
        out: &mut Batch<T, D, B>,
        rng: &mut R,
    ) where
        DefaultAllocator: Allocator<D, B>,
    {
        self.apply_slice(x.as_slice(), out.as_mut_slice(), x.nrows(), rng);
    }

    /// [`Pipeline::apply`] on column-major slices with `d` rows (`x` and `out` of equal length).
    ///
    /// # Panics
    /// If `x` and `out` differ in length (only possible with `Dyn` sizes or raw slices).
    pub fn apply_slice<T: Real, R: rand_core::Rng + ?Sized>(
        &self,
        x: &[T],
        out: &mut [T],
        d: usize,
        rng: &mut R,
    ) {
        out.copy_from_slice(x);
        for op in &self.ops {
            op.apply(x, out, d, (self.channels, self.image), rng);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;
    use nalgebra::SMatrix;

    /// The pipeline applies its operations in the order given, drawing from one generator:
    /// the reference programs' ring augmentation is exactly "rotate, then add noise".
    #[test]
    fn reference_ring_is_rotate_then_noise() {
        let x = SMatrix::<f64, 2, 5>::from_fn(|i, j| (i + 2 * j) as f64 * 0.3 - 1.0);
        let mut out = SMatrix::<f64, 2, 5>::zeros();
        Pipeline::reference_ring().apply(&x, &mut out, &mut seeded(11));
        let mut want = x;
        let mut rng = seeded(11);
        rotate::rotate_pairs(want.as_mut_slice(), 2, 0.25, &mut rng);
        noise::add_noise(want.as_mut_slice(), 0.05, &mut rng);
        assert_eq!(out, want);
        // the other order gives other views
        let mut other = x;
        let mut rng = seeded(11);
        noise::add_noise(other.as_mut_slice(), 0.05, &mut rng);
        rotate::rotate_pairs(other.as_mut_slice(), 2, 0.25, &mut rng);
        assert_ne!(out, other);
    }

    /// SCARF after other operations still draws its replacements from the clean batch.
    #[test]
    fn scarf_reads_the_clean_batch() {
        let x = SMatrix::<f64, 3, 8>::from_fn(|i, j| (10 * i + j) as f64);
        let mut out = SMatrix::<f64, 3, 8>::zeros();
        "noise:1,scarf:1".parse::<Pipeline>().unwrap().apply(&x, &mut out, &mut seeded(2));
        for (k, v) in out.iter().enumerate() {
            let i = k % 3;
            assert!(x.row(i).iter().any(|c| c == v), "entry {k} = {v} is not a clean value of row {i}");
        }
    }

    #[test]
    fn empty_pipeline_copies() {
        let x = SMatrix::<f32, 4, 3>::from_fn(|i, j| (i * j) as f32);
        let mut out = SMatrix::<f32, 4, 3>::repeat(7.0);
        Pipeline::new().apply(&x, &mut out, &mut seeded(0));
        assert_eq!(out, x);
    }

    #[test]
    fn validate_checks_shapes() {
        let p: Pipeline = "jitter,scale,shift".parse().unwrap();
        assert!(p.clone().with_channels(6).validate(600).is_ok());
        assert_eq!(
            p.clone().with_channels(7).validate(600),
            Err(SpecError::Channels { op: "scale", d: 600, channels: 7 })
        );
        assert_eq!(Pipeline::reference_ring().validate(1), Err(SpecError::RotateNeedsPairs { d: 1 }));
        assert!(Pipeline::reference_ring().validate(2).is_ok());
        assert_eq!(p.with_channels(0).channels(), 1);
        let t: Pipeline = "translate:1,noise:0.1".parse().unwrap();
        assert_eq!(t.validate(64), Err(SpecError::Image { d: 64, image: None }));
        assert_eq!(
            t.clone().with_image(8, 7).validate(64),
            Err(SpecError::Image { d: 64, image: Some((8, 7)) })
        );
        assert!(t.clone().with_image(8, 8).validate(64).is_ok());
        assert!(t.with_image(8, 8).validate(128).is_ok()); // two planes
    }

    /// The pipeline hands its image size to `translate`.
    #[test]
    fn translate_uses_the_image_size() {
        let x = SMatrix::<f64, 6, 4>::from_fn(|i, j| (i + 6 * j) as f64);
        let mut out = SMatrix::<f64, 6, 4>::zeros();
        let p = Pipeline::parse("translate:1").unwrap().with_image(2, 3);
        p.apply(&x, &mut out, &mut seeded(5));
        let mut want = x;
        translate::translate(want.as_mut_slice(), 6, (2, 3), 1.0, &mut seeded(5));
        assert_eq!(out, want);
        assert_ne!(out, x);
    }
}
