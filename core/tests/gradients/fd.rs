//! The finite-difference checker of the contrastive family's gradient checks: central
//! differences with step `H`, compared with the analytic gradient to `TOL` relative (see
//! [`rel_err`] for the noise floor).

use nalgebra::{DefaultAllocator, Dim};
use selfsup_core::dims::{Mat, zeros};
use selfsup_core::rng::{Rng, fill_normal};

pub(crate) const H: f64 = 1e-6;
pub(crate) const TOL: f64 = 1e-6;
/// Rounding error allowed in one evaluation of `f`, in units of `ε · max(|f|, 1)` (the losses'
/// intermediate values — logits up to `1/τ`, unit vectors — are of order one even when `f` is
/// tiny, so their rounding is too).
pub(crate) const NOISE_ULPS: f64 = 8.0;

/// Central differences of `f` at `p`, and the largest `|f|` met (which sets their noise).
pub(crate) fn numeric(p: &[f64], mut f: impl FnMut(&[f64]) -> f64) -> (Vec<f64>, f64) {
    let mut q = p.to_vec();
    let mut fmax = 0.0f64;
    let g = (0..p.len())
        .map(|i| {
            q[i] = p[i] + H;
            let up = f(&q);
            q[i] = p[i] - H;
            let down = f(&q);
            q[i] = p[i];
            fmax = fmax.max(up.abs()).max(down.abs());
            (up - down) / (2.0 * H)
        })
        .collect();
    (g, fmax)
}

/// `max |a − n| / max(max |n|, floor)` with `floor = NOISE_ULPS · ε · max(|f|, 1) / (h · TOL)`:
/// the finite differences carry a rounding noise of about `NOISE_ULPS · ε · max(|f|, 1) / h`
/// (≈ 2e-9 for |f| ≤ 1), so a gradient whose entries all lie below `floor` (≈ 2e-3 · max(|f|, 1);
/// e.g. zero by symmetry, or a nearly solved B = 2 batch) is checked to that absolute noise level
/// instead of relative to itself; every larger gradient is checked to 1e-6 relative. Any
/// non-finite entry fails.
pub(crate) fn rel_err(a: &[f64], n: &[f64], fmax: f64) -> f64 {
    assert_eq!(a.len(), n.len());
    if a.iter().chain(n).any(|x| !x.is_finite()) {
        return f64::INFINITY;
    }
    let floor = NOISE_ULPS * f64::EPSILON * fmax.max(1.0) / H / TOL;
    let scale = n.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(floor).max(f64::MIN_POSITIVE);
    let diff = a.iter().zip(n).fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    diff / scale
}

pub(crate) fn assert_grad(what: &str, analytic: &[f64], (numeric, fmax): (&[f64], f64)) {
    let e = rel_err(analytic, numeric, fmax);
    assert!(e < TOL, "{what}: relative error {e:e}\n analytic {analytic:?}\n numeric  {numeric:?}");
}

/// A slice of the finite differences, with their noise level.
pub(crate) fn fd<R: std::slice::SliceIndex<[f64], Output = [f64]>>(
    num: &(Vec<f64>, f64),
    r: R,
) -> (&[f64], f64) {
    (&num.0[r], num.1)
}

pub(crate) fn concat(parts: &[&[f64]]) -> Vec<f64> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

pub(crate) fn randn<R: Dim, C: Dim>(r: R, c: C, rng: &mut Rng) -> Mat<f64, R, C>
where
    DefaultAllocator: nalgebra::allocator::Allocator<R, C>,
{
    let mut m = zeros(r, c);
    fill_normal(rng, m.as_mut_slice(), 0.0, 1.0);
    m
}

pub(crate) fn mat<R: Dim, C: Dim>(r: R, c: C, p: &[f64]) -> Mat<f64, R, C>
where
    DefaultAllocator: nalgebra::allocator::Allocator<R, C>,
{
    Mat::from_column_slice_generic(r, c, &p[..r.value() * c.value()])
}

// ---------------------------------------------------------------------------------------------
// One check per layer / loss, generic over the dimension types.
