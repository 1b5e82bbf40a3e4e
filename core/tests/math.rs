//! Our elementary functions ([`selfsup_core::math`]) against `libm`.
//!
//! Errors are measured in ulps of the result type, against `libm`'s `f64` functions (whose own
//! error, below one `f64` ulp, is 2⁻²⁹ of an `f32` ulp) for `f32`, and against `libm`'s `f64`
//! functions directly for `f64` (so the `f64` bound includes libm's own error).
//!
//! The exhaustive `f32` runs (all 2³² inputs) are `#[ignore]`d: run them by hand with
//! `cargo test --release -p selfsup-core --test math -- --ignored --nocapture` (results in
//! BENCHMARKS.md; a few minutes on two cores).

use selfsup_core::math::{exp, exp_slice, expf, ln, lnf, sin_cos_turns};

/// The error bounds the documentation of `expf` and `lnf` states, in ulps: the worst cases of the
/// exhaustive runs (0.9101 at −37.776226 and 0.8348 at 1.4054595), rounded up.
const EXPF_MAX_ULPS: f64 = 0.911;
const LNF_MAX_ULPS: f64 = 0.835;

/// `|got − want|` in ulps of `f32` at `want` (subnormal spacing below the normal range).
fn ulps32(got: f32, want: f64) -> f64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() { 0.0 } else { f64::INFINITY };
    }
    let w = want as f32;
    if w.is_infinite() || got.is_infinite() {
        return if got == w { 0.0 } else { f64::INFINITY };
    }
    let e = ((w.abs().to_bits() >> 23) & 0xff).max(1) as i32;
    (got as f64 - want).abs() / libm::ldexp(1.0, e - 150)
}

/// `|got − want|` in ulps of `f64` at `want`.
fn ulps64(got: f64, want: f64) -> f64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() { 0.0 } else { f64::INFINITY };
    }
    if want.is_infinite() || got.is_infinite() {
        return if got == want { 0.0 } else { f64::INFINITY };
    }
    let e = ((want.abs().to_bits() >> 52) & 0x7ff).max(1) as i32;
    (got - want).abs() / libm::ldexp(1.0, e - 1075)
}

/// Maximum ulp error of `f` against `reference` over the `f32` inputs `bits = start, start +
/// step, …` (a dense sample of the whole line with a small step, every input with step 1).
fn max_err32(step: u64, f: impl Fn(f32) -> f32, reference: impl Fn(f64) -> f64) -> (f64, f32) {
    let (worst, _) = scan32(0, 1 << 32, step, &f, &reference);
    worst
}

/// Over the inputs with bits `lo, lo + step, … < hi`: the worst ulp error and its input, and
/// how many results differ from the reference rounded to `f32` (not correctly rounded).
fn scan32(
    lo: u64,
    hi: u64,
    step: u64,
    f: &impl Fn(f32) -> f32,
    reference: &impl Fn(f64) -> f64,
) -> ((f64, f32), u64) {
    let mut worst = (0.0, 0.0);
    let mut misrounded = 0;
    let mut b = lo;
    while b < hi {
        let x = f32::from_bits(b as u32);
        let (got, want) = (f(x), reference(x as f64));
        let e = ulps32(got, want);
        if e > worst.0 {
            worst = (e, x);
        }
        if got.to_bits() != (want as f32).to_bits() && !(got.is_nan() && want.is_nan()) {
            misrounded += 1;
        }
        b += step;
    }
    (worst, misrounded)
}

/// Every one of the 2³² `f32` inputs, split over the machine's threads: the worst ulp error,
/// its input, and the count of results that are not correctly rounded.
fn exhaustive32(f: fn(f32) -> f32, reference: fn(f64) -> f64) -> ((f64, f32), u64) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let chunk = (1u64 << 32).div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = (0..threads)
            .map(|i| {
                let (lo, hi) = (i * chunk, ((i + 1) * chunk).min(1 << 32));
                s.spawn(move || scan32(lo, hi, 1, &f, &reference))
            })
            .collect();
        let mut total = ((0.0, 0.0), 0);
        for p in parts {
            let (w, m) = p.join().expect("a scan thread panicked");
            if w.0 > total.0.0 {
                total.0 = w;
            }
            total.1 += m;
        }
        total
    })
}

#[test]
fn expf_within_its_bound_on_a_sample_of_every_1021st_input() {
    let (e, x) = max_err32(1021, expf, libm::exp);
    assert!(e <= EXPF_MAX_ULPS, "expf: {e} ulps at {x:e}");
}

#[test]
fn expf_boundaries_and_subnormal_results() {
    // Overflow: e^88.72283 is the largest finite result; the next inputs overflow.
    let max_in = 88.722_83f32;
    assert!(expf(max_in).is_finite());
    assert_eq!(expf(f32::from_bits(max_in.to_bits() + 2)), f32::INFINITY);
    // Gradual underflow: every input from the subnormal boundary down to the last non-zero
    // result, one by one.
    let mut x = -87.0f32;
    while x > -104.0 {
        let e = ulps32(expf(x), libm::exp(x as f64));
        assert!(e <= EXPF_MAX_ULPS, "{x:e}: {e} ulps");
        x = f32::from_bits(x.to_bits() + 1);
    }
    assert_eq!(expf(-104.0), 0.0);
    assert!(expf(-103.0) > 0.0 && expf(-103.0) < f32::MIN_POSITIVE);
}

#[test]
#[ignore = "all 2^32 inputs: run by hand in release (BENCHMARKS.md)"]
fn expf_exhaustive() {
    let ((e, x), misrounded) = exhaustive32(expf, libm::exp);
    println!(
        "expf: max {e:.4} ulps at {x:e} ({:08x}); {misrounded} of 2^32 results not correctly rounded",
        x.to_bits()
    );
    assert!(e <= EXPF_MAX_ULPS);
}

#[test]
fn exp_f64_matches_libm_on_a_dense_sample() {
    let mut worst = (0.0, 0.0);
    // 200 000 points spread over [-746, 710], and the subnormal range densely.
    let n = 200_000;
    for i in 0..=n {
        for x in [-746.0 + 1456.0 * i as f64 / n as f64, -708.5 - 37.0 * i as f64 / n as f64] {
            let e = ulps64(exp(x), libm::exp(x));
            if e > worst.0 {
                worst = (e, x);
            }
        }
    }
    // Near zero, where the reduction does nothing.
    for i in 0..10_000 {
        let x = (i as f64 - 5_000.0) * 1e-8;
        let e = ulps64(exp(x), libm::exp(x));
        if e > worst.0 {
            worst = (e, x);
        }
    }
    assert!(worst.0 <= 1.0, "exp: {} ulps at {:e}", worst.0, worst.1);
    assert!(exp(709.782_712_893_384).is_finite());
    assert_eq!(exp(709.79), f64::INFINITY);
    assert_eq!(exp(-745.2), 0.0);
    assert_eq!(exp(-745.0), 5e-324);
}

#[test]
fn lnf_within_its_bound_on_a_sample_of_every_1021st_input() {
    let (e, x) = max_err32(1021, lnf, libm::log);
    assert!(e <= LNF_MAX_ULPS, "lnf: {e} ulps at {x:e}");
}

#[test]
#[ignore = "all 2^32 inputs: run by hand in release (BENCHMARKS.md)"]
fn lnf_exhaustive() {
    let ((e, x), misrounded) = exhaustive32(lnf, libm::log);
    println!(
        "lnf: max {e:.4} ulps at {x:e} ({:08x}); {misrounded} of 2^32 results not correctly rounded",
        x.to_bits()
    );
    assert!(e <= LNF_MAX_ULPS);
}

#[test]
fn ln_f64_matches_libm_on_a_dense_sample() {
    let mut worst = (0.0, 0.0);
    // About every 2^44-th bit pattern of the positive doubles (subnormals included), plus (0, 1].
    let mut b = 1u64;
    while b < 0x7ff0_0000_0000_0000 {
        let x = f64::from_bits(b);
        let e = ulps64(ln(x), libm::log(x));
        if e > worst.0 {
            worst = (e, x);
        }
        b += (1 << 44) + 12_345;
    }
    for i in 1..=100_000 {
        let x = i as f64 / 100_000.0;
        let e = ulps64(ln(x), libm::log(x));
        if e > worst.0 {
            worst = (e, x);
        }
    }
    assert!(worst.0 <= 1.0, "ln: {} ulps at {:e}", worst.0, worst.1);
}

/// `2π − TAU` (the rounding error of `f64`'s `TAU`).
const TAU_LO: f64 = 2.449_293_598_294_706_4e-16;

#[test]
fn sin_cos_turns_on_the_unit_interval() {
    // f32: every 257th input in [0, 1), against libm's f64 sin/cos of 2πu (u is exact in f64).
    let mut worst = 0.0f64;
    let mut u = 0.0f32;
    while u < 1.0 {
        let (s, c) = sin_cos_turns(u);
        let a = core::f64::consts::TAU * u as f64;
        let (es, ec) = (libm::sin(a), libm::cos(a));
        // Near a zero of sin or cos the result is tiny and an absolute error of 2⁻²⁵ is the
        // best the argument's own rounding (2π·u in f64) allows: measure against that too.
        worst = worst.max(ulps32(s, es).min((s as f64 - es).abs() / 2f64.powi(-25)));
        worst = worst.max(ulps32(c, ec).min((c as f64 - ec).abs() / 2f64.powi(-25)));
        u = f32::from_bits(u.to_bits() + 257);
    }
    assert!(worst < 1.0, "f32: {worst} ulps");
    // f64: a dense sample.
    let mut worst = 0.0f64;
    for i in 0..400_000u64 {
        let u = i as f64 / 400_000.0 + 1e-9;
        let (s, c) = sin_cos_turns(u);
        // Reference: libm at the rounded argument a = 2π·u, corrected to first order by the
        // argument's rounding error (exact product error by a fused multiply-add, which is fine
        // in a test, plus the rounding of 2π itself).
        let a = core::f64::consts::TAU * u;
        let da = core::f64::consts::TAU.mul_add(u, -a) + TAU_LO * u;
        let (sa, ca) = (libm::sin(a), libm::cos(a));
        let (es, ec) = (sa + ca * da, ca - sa * da);
        worst = worst.max(ulps64(s, es).min((s - es).abs() / 2f64.powi(-60)));
        worst = worst.max(ulps64(c, ec).min((c - ec).abs() / 2f64.powi(-60)));
    }
    assert!(worst <= 2.0, "f64: {worst} ulps");
    assert_eq!(sin_cos_turns(0.5f32), (0.0, -1.0));
    assert_eq!(sin_cos_turns(0.75f64), (-1.0, 0.0));
}

#[test]
fn exp_slice_is_the_scalar_function() {
    let mut v: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) * 0.21).collect();
    let want: Vec<u32> = v.iter().map(|&x| expf(x).to_bits()).collect();
    exp_slice(&mut v);
    assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
}
