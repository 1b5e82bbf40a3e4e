//! Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) with a backtracking Armijo line
//! search, for smooth convex objectives such as the linear probe.
//!
//! Written by hand on purpose: the Rust L-BFGS crates either pull a linear-algebra backend
//! with nalgebra's `std` feature (argmin's math backends), which must never enter this
//! workspace's dependency graph because it would change core's bit-exact results, or are
//! unmaintained. The algorithm is 80 lines: the two-loop recursion for `H g`, curvature pairs
//! kept only when `sᵀy > 0`, and stopping rules modelled on SciPy's `L-BFGS-B` as scikit-learn
//! calls it (`max |g| ≤ gtol`, or a relative decrease of `f` below `ftol`).

/// Stopping rules and memory.
#[derive(Clone, Copy, Debug)]
pub struct LbfgsOptions {
    /// Number of curvature pairs kept (`m`; SciPy's default is 10).
    pub memory: usize,
    /// Stop when the largest gradient component is at most this.
    pub gtol: f64,
    /// Stop when `(f_old − f_new) ≤ ftol · max(|f_old|, |f_new|, 1)` (SciPy: 64 ε in sklearn).
    pub ftol: f64,
    /// Iteration limit.
    pub max_iter: usize,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        Self { memory: 10, gtol: 1e-6, ftol: 64.0 * f64::EPSILON, max_iter: 5000 }
    }
}

/// The minimizer found.
#[derive(Clone, Debug)]
pub struct LbfgsResult {
    /// Parameters at the minimum.
    pub x: Vec<f64>,
    /// Objective there.
    pub f: f64,
    /// Iterations used.
    pub iterations: usize,
    /// Whether a stopping rule (not the iteration limit or a failed line search) ended it.
    pub converged: bool,
}

/// Minimizes `f` from `x0`; `fg(x, g)` returns `f(x)` and writes `∇f(x)` into `g`.
pub fn minimize(fg: impl FnMut(&[f64], &mut [f64]) -> f64, x0: Vec<f64>, opts: LbfgsOptions) -> LbfgsResult {
    minimize_with(fg, x0, opts, &mut |_| {})
}

/// [`minimize`], calling `on_iteration(i)` at the start of iteration `i` (for a progress bar).
pub fn minimize_with(
    mut fg: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: Vec<f64>,
    opts: LbfgsOptions,
    on_iteration: &mut dyn FnMut(usize),
) -> LbfgsResult {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut f = fg(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut rho: Vec<f64> = Vec::new();
    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut alpha = vec![0.0; opts.memory];
    for it in 0..opts.max_iter {
        on_iteration(it);
        if max_abs(&g) <= opts.gtol {
            return LbfgsResult { x, f, iterations: it, converged: true };
        }
        // Two-loop recursion: d = −H g.
        d.copy_from_slice(&g);
        for i in (0..s_hist.len()).rev() {
            alpha[i] = rho[i] * dot(&s_hist[i], &d);
            axpy(&mut d, -alpha[i], &y_hist[i]);
        }
        let gamma = match s_hist.last() {
            Some(s) => {
                dot(s, y_hist.last().unwrap_or(s))
                    / dot(y_hist.last().unwrap_or(s), y_hist.last().unwrap_or(s))
            }
            None => 1.0 / norm(&g).max(1.0),
        };
        d.iter_mut().for_each(|v| *v *= gamma);
        for i in 0..s_hist.len() {
            let beta = rho[i] * dot(&y_hist[i], &d);
            axpy(&mut d, alpha[i] - beta, &s_hist[i]);
        }
        d.iter_mut().for_each(|v| *v = -*v);
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            let scale = 1.0 / norm(&g).max(1.0);
            for (di, gi) in d.iter_mut().zip(&g) {
                *di = -gi * scale;
            }
            slope = dot(&g, &d);
        }
        // Backtracking Armijo line search from the unit step.
        let mut t = 1.0;
        let mut f_new = f;
        let mut accepted = false;
        for _ in 0..60 {
            for ((xn, xi), di) in x_new.iter_mut().zip(&x).zip(&d) {
                *xn = xi + t * di;
            }
            f_new = fg(&x_new, &mut g_new);
            if f_new.is_finite() && f_new <= f + 1e-4 * t * slope {
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            return LbfgsResult { x, f, iterations: it, converged: max_abs(&g) <= opts.gtol.sqrt() };
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * norm(&s) * norm(&y) {
            if s_hist.len() == opts.memory {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho.push(1.0 / sy);
        }
        let decrease = f - f_new;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let f_old = f;
        f = f_new;
        if decrease <= opts.ftol * f_old.abs().max(f.abs()).max(1.0) {
            return LbfgsResult { x, f, iterations: it + 1, converged: true };
        }
    }
    LbfgsResult { x, f, iterations: opts.max_iter, converged: false }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock() {
        let fg = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let r = minimize(fg, vec![-1.2, 1.0], LbfgsOptions { ftol: 0.0, ..Default::default() });
        assert!(r.converged, "{r:?}");
        assert!((r.x[0] - 1.0).abs() < 1e-5 && (r.x[1] - 1.0).abs() < 1e-5, "{r:?}");
    }

    #[test]
    fn quadratic_exact_minimum() {
        // f = Σ i (x_i − i)², minimum at x_i = i.
        let fg = |x: &[f64], g: &mut [f64]| {
            let mut f = 0.0;
            for i in 0..x.len() {
                let c = (i + 1) as f64;
                f += c * (x[i] - i as f64).powi(2);
                g[i] = 2.0 * c * (x[i] - i as f64);
            }
            f
        };
        let r = minimize(fg, vec![0.0; 20], LbfgsOptions::default());
        for (i, v) in r.x.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-6);
        }
    }
}
